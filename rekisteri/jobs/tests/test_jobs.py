"""Scheduled jobs: Huey periodic tasks, run records, the administrators' page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management.base import CommandError
from django.urls import reverse
from huey.api import PeriodicTask

from rekisteri.accounts.choices import StaffRole
from rekisteri.jobs import runner, tasks
from rekisteri.jobs.models import JobRun
from rekisteri.jobs.schedule import BY_NAME, JOBS
from rekisteri.testing import client_as

pytestmark = pytest.mark.django_db


def test_every_daily_job_is_a_huey_periodic_task():
    from huey.contrib.djhuey import HUEY

    periodic = {t.__name__ for t in HUEY._registry._periodic_tasks}
    assert {job.name for job in JOBS} <= periodic
    assert all(isinstance(t.task_class(), PeriodicTask) for t in tasks.TASKS.values())
    commands = {job.command[:2] for job in JOBS}
    assert ("retention", "sweep") in commands
    assert ("contracts", "end-due") in commands
    assert ("disable_dormant",) in commands
    assert ("audit", "purge") in commands
    assert ("requests", "overdue") in commands
    assert ("backup", "create") in commands


def test_next_run_follows_the_schedule():
    sweep = BY_NAME["retention_sweep"]  # 02:30 daily
    assert sweep.next_run(dt.datetime(2026, 2, 28, 3, 0)) == dt.datetime(
        2026, 3, 1, 2, 30
    )
    assert sweep.next_run(dt.datetime(2026, 3, 1, 2, 29)) == dt.datetime(
        2026, 3, 1, 2, 30
    )


def test_a_run_is_recorded_with_its_result():
    run = runner.run_job("retention_sweep")
    assert run.ok is True and run.finished_at is not None
    assert run.summary.startswith("Retention sweep")
    # The task itself (immediate mode in the tests) runs the same.
    tasks.TASKS["disable_dormant"].call_local()
    assert JobRun.objects.filter(job="disable_dormant", ok=True).exists()


def test_a_failure_is_recorded(monkeypatch):
    def boom(*args, **kwargs):
        raise CommandError("Another retention sweep (run 1) is running")

    monkeypatch.setattr(runner, "call_command", boom)
    with pytest.raises(CommandError):
        runner.run_job("retention_sweep")
    run = JobRun.objects.get(job="retention_sweep")
    assert run.ok is False and "is running" in run.summary


def test_administrators_see_last_and_next_runs(client):
    runner.run_job("retention_sweep")
    client_as(StaffRole.ADMINISTRATOR, client=client)
    page = client.get(reverse("jobs:job_list"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "manage.py retention sweep" in body
    assert body.count("badge--success") == 1
    client_as(StaffRole.SALES, client=client)
    assert client.get(reverse("jobs:job_list")).status_code in (403, 404)


def test_overdue_cases_are_a_finding_not_a_failure(monkeypatch):
    def late(*args, stdout, **kwargs):
        stdout.write("2 case(s), 1 overdue\n")
        raise SystemExit(1)

    monkeypatch.setattr(runner, "call_command", late)
    run = runner.run_job("requests_overdue")
    assert run.ok is True and run.attention is True
    assert run.summary == "2 case(s), 1 overdue"


def test_a_non_zero_exit_that_is_no_finding_is_a_failed_run(monkeypatch):
    def broken(*args, stdout, **kwargs):
        stdout.write("cannot reach the backup target\n")
        raise SystemExit(2)

    monkeypatch.setattr(runner, "call_command", broken)
    run = runner.run_job("requests_overdue")
    assert run.ok is False and run.attention is False
    # A job without a finding status fails on exit 1 too.
    monkeypatch.setattr(
        runner, "call_command", lambda *a, **k: (_ for _ in ()).throw(SystemExit(1))
    )
    run = runner.run_job("backup_data")
    assert run.ok is False and run.attention is False


def test_the_job_list_says_a_finding_needs_attention(client):
    JobRun.objects.create(
        job="requests_overdue", ok=True, attention=True, summary="1 case(s), 1 overdue"
    )
    client_as(StaffRole.ADMINISTRATOR, client=client)
    body = client.get(reverse("jobs:job_list")).content.decode()
    assert "badge--warning" in body and "1 overdue" in body
