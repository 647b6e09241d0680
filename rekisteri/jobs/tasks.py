"""The daily jobs as Huey periodic tasks (found by ``manage.py run_huey``)."""

from __future__ import annotations

from huey.contrib.djhuey import HUEY, db_periodic_task

from rekisteri.core.gcpause import freeze_startup
from rekisteri.jobs.runner import run_job
from rekisteri.jobs.schedule import JOBS, Job


def _periodic(job: Job):  # type: ignore[no-untyped-def]
    def run() -> None:
        # One run of a job at a time, across workers and machines sharing
        # the queue (the lock lives in Huey's storage).
        with HUEY.lock_task(f"rekisteri.job.{job.name}"):
            run_job(job.name)

    run.__name__ = job.name
    return db_periodic_task(job.validate(), name=job.name)(run)


TASKS = {job.name: _periodic(job) for job in JOBS}


@HUEY.on_startup()
def _started() -> None:
    """What the worker's start-up built is left out of later full
    collections (rekisteri/core/gcpause.py)."""
    freeze_startup()
