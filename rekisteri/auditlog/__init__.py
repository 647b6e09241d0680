"""The audit log's pages: reading the log (``Perm.AUDIT_VIEW``).

Kept apart from ``rekisteri.audit``, which records and verifies the chain and
sits below accounts and access; reading the log needs their permissions and
the registry's persons, so it lives a floor higher. Its templates and
the templates stay in the audit app (``audit/templates/audit/``).
"""
