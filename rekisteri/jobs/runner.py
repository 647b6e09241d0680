"""Run one scheduled job's command and record the run."""

from __future__ import annotations

import io

from django.core.management import call_command
from django.utils import timezone

from rekisteri.jobs.models import JobRun
from rekisteri.jobs.schedule import BY_NAME


def _last_line(out: io.StringIO) -> str:
    lines = [line for line in out.getvalue().splitlines() if line.strip()]
    return lines[-1] if lines else ""


def run_job(name: str) -> JobRun:
    """Run the job now (the worker calls this; so can an operator).

    A command that exits with its job's ``finding_exit`` status
    (``requests overdue`` exits 1 when a case is late) ran to the end and
    found something: a successful run that needs attention, its last line
    as the summary. Any other non-zero exit is a failed run; an exception is
    recorded by kind (a ``CommandError`` with its message, written for
    operators) and raised again for the worker's log.
    """
    job = BY_NAME[name]
    run = JobRun.objects.create(job=name)
    out = io.StringIO()
    try:
        call_command(*job.command, stdout=out, stderr=out)
    except SystemExit as exc:
        found = job.finding_exit is not None and exc.code == job.finding_exit
        run.ok = exc.code in (0, None) or found
        run.attention = found
        run.summary = _last_line(out)[:500]
    except Exception as exc:
        run.ok = False
        text = str(exc) if type(exc).__name__ == "CommandError" else ""
        run.summary = f"{type(exc).__name__}: {text}"[:500]
        run.finished_at = timezone.now()
        run.save()
        raise
    else:
        run.ok = True
        run.summary = _last_line(out)[:500]
    run.finished_at = timezone.now()
    run.save()
    return run
