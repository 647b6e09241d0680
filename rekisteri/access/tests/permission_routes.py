"""What the access routes do, for the permission kit
(rekisteri/testing/permissions.py; docs/architecture.md, Permission
expectations): each route refused without its permission, and with it the
status and exactly these audit events."""

from __future__ import annotations

from rekisteri.testing.permissions import Expect

SITE = {
    "access:matrix": Expect(),
    "access:matrix_edit": Expect(),
    "access:scope_edit": Expect(),
}
