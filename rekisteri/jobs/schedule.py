"""The daily jobs: which management command, when (local time).

Huey's consumer (``manage.py run_huey``) runs them as periodic tasks
(``jobs/tasks.py``); every run is recorded as a ``JobRun`` that
administrators see. The order of the night: contracts end first (the
relationship ends move), then the backups, then the sweep, then the purges.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _
from huey import crontab


@dataclass(frozen=True)
class Job:
    name: str
    label: str
    command: tuple[str, ...]
    cron: dict[str, str] = field(default_factory=dict)
    # An exit status that is a finding, not a failure: the command ran to
    # the end and found something to act on (it keeps the status for cron
    # and monitoring; the run is recorded as succeeded, needing attention).
    finding_exit: int | None = None

    def validate(self):  # type: ignore[no-untyped-def]
        return crontab(**self.cron)

    def next_run(self, after: dt.datetime) -> dt.datetime | None:
        """The next minute after ``after`` (naive local time) the schedule
        matches, within eight days."""
        check = self.validate()
        at = after.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
        for _i in range(8 * 24 * 60):
            if check(at):
                return at
            at += dt.timedelta(minutes=1)
        return None


JOBS: tuple[Job, ...] = (
    Job(
        "contracts_end_due",
        _("Contracts past their end date are ended"),
        ("contracts", "end-due"),
        {"minute": "5", "hour": "0"},
    ),
    Job(
        "disable_dormant",
        _("Dormant staff accounts are disabled"),
        ("disable_dormant",),
        {"minute": "15", "hour": "0"},
    ),
    Job(
        "backup_data",
        _("Backup of the register"),
        ("backup", "create"),
        {"minute": "30", "hour": "1"},
    ),
    Job(
        "backup_keys",
        _("Backup of the key store"),
        ("backup", "create", "--keys"),
        {"minute": "45", "hour": "1"},
    ),
    Job(
        "backup_prune",
        _("Backups past their retention are pruned"),
        ("backup", "prune"),
        {"minute": "55", "hour": "1"},
    ),
    Job(
        "retention_sweep",
        _("Retention sweep"),
        ("retention", "sweep", "--no-progress"),
        {"minute": "30", "hour": "2"},
    ),
    Job(
        "audit_purge",
        _("Audit events past their retention are purged"),
        ("audit", "purge"),
        {"minute": "0", "hour": "4"},
    ),
    Job(
        "requests_purge",
        _("Expired request downloads and drafts are purged"),
        ("requests", "purge"),
        {"minute": "15", "hour": "4"},
    ),
    Job(
        "rights_exports_purge",
        _("Expired staff exports are removed"),
        ("rights", "purge-exports"),
        {"minute": "20", "hour": "4"},
    ),
    Job(
        "requests_overdue",
        _("Rights requests near or past their deadline"),
        ("requests", "overdue"),
        {"minute": "0", "hour": "7"},
        finding_exit=1,
    ),
)
BY_NAME = {job.name: job for job in JOBS}
