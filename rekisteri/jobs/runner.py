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

    A command that exits non-zero on purpose (``requests overdue`` when a
    case is late) is a failed run with its last line as the summary; an
    exception is recorded by kind (a ``CommandError`` with its message,
    written for operators) and raised again for the worker's log.
    """
    job = BY_NAME[name]
    run = JobRun.objects.create(job=name)
    out = io.StringIO()
    try:
        call_command(*job.command, stdout=out, stderr=out)
    except SystemExit as exc:
        run.ok = exc.code in (0, None)
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
