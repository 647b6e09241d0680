"""What the retention routes do, for the permission kit
(rekisteri/testing/permissions.py; docs/architecture.md, Permission
expectations): each route refused without its permission, and with it the
status and exactly these audit events."""

from __future__ import annotations

import datetime as dt

from rekisteri.retention.models import SweepRun
from rekisteri.testing.permissions import Base, Expect, World


def world(base: Base) -> World:
    """A finished dry run of the sweep, for the run pages."""
    run = SweepRun.objects.create(
        as_of=dt.date.today(), dry_run=True, status="finished"
    )
    return World(int_ids={"run": str(run.pk)})


SITE = {
    # The privacy office's forecast, due list and sweep runs (subject ids and
    # dates, no personal value: nothing to audit).
    "retention:forecast": Expect(),
    "retention:due": Expect(),
    "retention:runs": Expect(),
    "retention:run_detail": Expect(),
}
