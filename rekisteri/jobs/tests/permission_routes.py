"""What the jobs routes do, for the permission kit
(rekisteri/testing/permissions.py; docs/architecture.md, Permission
expectations): each route refused without its permission, and with it the
status and exactly these audit events."""

from __future__ import annotations

from rekisteri.testing.permissions import Expect

SITE = {
    "jobs:job_list": Expect(),
}
