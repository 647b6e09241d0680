from django.apps import AppConfig


class AuditLogConfig(AppConfig):
    """The audit log's pages: reading the log and a person's access history."""

    name = "rekisteri.auditlog"
    label = "auditlog"
    verbose_name = "Audit log pages"
