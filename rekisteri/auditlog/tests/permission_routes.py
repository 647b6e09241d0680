"""What the auditlog routes do, for the permission kit
(rekisteri/testing/permissions.py; docs/architecture.md, Permission
expectations): each route refused without its permission, and with it the
status and exactly these audit events."""

from __future__ import annotations

from rekisteri.testing.permissions import Expect

SITE = {
    "audit:log": Expect(events=("audit.view",)),
    "audit:person_access": Expect(events=("audit.subject_view",)),
    "audit:person_access_csv": Expect(events=("audit.export",)),
}
