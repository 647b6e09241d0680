"""Administrators see the scheduled jobs: last run, result, next run."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from rekisteri.accounts.permissions import Perm, require
from rekisteri.jobs.models import JobRun
from rekisteri.jobs.schedule import JOBS


@require(Perm.ACCOUNTS_MANAGE)
def job_list(request: HttpRequest) -> HttpResponse:
    now = timezone.localtime().replace(tzinfo=None)
    rows = []
    for job in JOBS:
        last = JobRun.objects.filter(job=job.name).first()
        upcoming = job.next_run(now)
        rows.append(
            {
                "job": job,
                "last": last,
                "next": timezone.make_aware(upcoming) if upcoming else None,
            }
        )
    return render(request, "jobs/job_list.html", {"rows": rows})
