"""The retention sweep: erasure through the rights engine, holds, the lock,
bad input, and convergence after a kill -9."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from rekisteri.core import holds
from rekisteri.core.catalogue import KeyClass
from rekisteri.keystore import keys
from rekisteri.registry.services import role_create
from rekisteri.retention import services
from rekisteri.retention.choices import RunStatus
from rekisteri.retention.models import DueDate, SweepLock, SweepRun
from rekisteri.retention.sweep import SweepRefused, run_sweep
from rekisteri.rights import services as rights
from rekisteri.rights.models import ErasureReceipt
from rekisteri.testing import make_org, make_person
from rekisteri.testing.billing import make_invoice

D = dt.date
ROOT = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.django_db


LONG_AGO = D(2023, 1, 31)


def former_contact(org=None, end=LONG_AGO):
    """A person whose only role at a customer ended long ago."""
    org = org or make_org(status="customer")
    person = make_person()
    role_create(
        actor=None,
        person=person,
        organization=org,
        kind="contact",
        start_date=D(2020, 1, 1),
        end_date=end,
    )
    services.recompute_persons([person.pk])
    services.recompute_organizations([org.pk])
    return person


def test_sweep_erases_through_the_rights_engine():
    gone = former_contact()
    current = make_person()
    role_create(
        actor=None,
        person=current,
        organization=make_org(status="customer"),
        kind="contact",
        start_date=D(2020, 1, 1),
    )
    services.recompute_persons([current.pk])

    dry = run_sweep(dry_run=True)
    assert dry.counts["person.relationship"] == {"would_act": 1}
    assert dry.counts["organization.relationship"] == {"would_act": 1}
    assert not rights.is_erased(gone)

    run = run_sweep()
    assert run.status == RunStatus.FINISHED
    assert run.counts["person.relationship"] == {"erased": 1}
    assert rights.is_erased(gone) and not rights.is_erased(current)
    receipt = ErasureReceipt.objects.get(subject_id=gone.pk)
    assert receipt.case_ref == f"RETENTION-{run.pk}"
    export = rights.export_person(actor=None, person=gone)
    assert export["erasure"]["erased"] is True
    assert export["erasure"]["receipt"] == str(receipt.pk)
    # Settled: the relationship row is gone, a second sweep finds nothing.
    assert not DueDate.objects.filter(person=gone, rule="relationship").exists()
    again = run_sweep()
    assert again.processed == 0


def test_an_erasing_sweep_runs_with_the_bulk_settings_and_puts_them_back():
    """SQLite: an erasing sweep runs with the bulk load's page cache and
    checkpoint interval (core/bulkload.py), and the connection's own
    settings come back after it, also when it fails; a dry run writes
    nothing and changes no setting."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from rekisteri.core import bulkload
    from rekisteri.retention import sweep

    if connection.vendor != "sqlite":
        pytest.skip("SQLite connection settings")
    former_contact()

    def cache() -> int:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            return cursor.fetchone()[0]

    before = cache()
    setting = f"PRAGMA cache_size = {bulkload.SQLITE_PRAGMAS['cache_size']}"
    with CaptureQueriesContext(connection) as queries:
        run_sweep(dry_run=True)
    assert setting not in [q["sql"] for q in queries]
    seen: list[int] = []
    real = sweep._refresh

    def watching(ctx, batch):  # type: ignore[no-untyped-def]
        seen.append(cache())
        return real(ctx, batch)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sweep, "_refresh", watching)
        assert run_sweep().counts["person.relationship"] == {"erased": 1}
    assert seen == [bulkload.SQLITE_PRAGMAS["cache_size"]]
    assert cache() == before
    # A sweep that fails puts them back too.
    former_contact()

    def failing(ctx, batch):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sweep, "_refresh", failing)
        with pytest.raises(RuntimeError):
            run_sweep()
    assert cache() == before


def test_voucher_period_end_shreds_the_bookkeeping_key():
    invoice = make_invoice(invoice_date=D(2018, 3, 1))
    person = invoice.billing_contact
    services.recompute_persons([person.pk])
    due = DueDate.objects.get(person=person, rule="bookkeeping_voucher")
    assert due.kept_until == D(2024, 12, 31)
    run = run_sweep()
    assert run.counts["person.bookkeeping_voucher"] == {"shredded": 1}
    assert keys.is_destroyed(person.pk, KeyClass.BOOKKEEPING)


def test_relationship_end_shreds_the_organization_key():
    org = make_org(status="customer")
    former_contact(org, end=D(2022, 5, 31))
    assert DueDate.objects.get(organization=org, rule="relationship").kept_until == D(
        2022, 11, 30
    )
    run = run_sweep()
    assert run.counts["person.relationship"] == {"erased": 1}
    assert run.counts["organization.relationship"] == {"shredded": 1}
    assert keys.is_destroyed(org.pk, KeyClass.CRM)


def test_a_sole_traders_company_data_is_pseudonymised_with_its_key():
    from rekisteri.audit.models import AuditEvent
    from rekisteri.registry.models import Organization

    trader = make_org(status="customer", sole_trader=True)
    Organization.objects.filter(pk=trader.pk).update(
        business_id="1234567-1",
        vat_number="FI12345671",
        postal_street="Kotikatu 1",
        postal_city="Lahti",
        registered_names=[{"name": "Toiminimi Virtanen"}],
    )
    company = make_org(status="customer")
    former_contact(trader)
    former_contact(company)
    run = run_sweep()
    assert run.counts["organization.relationship"] == {"shredded": 2}
    trader.refresh_from_db()
    number = trader.customer_number
    assert trader.name == f"[{number}]" and number
    assert trader.business_id is None and trader.vat_number == ""
    assert trader.postal_street == "" and trader.postal_city == ""
    assert trader.registered_names == [] and trader.postal_country == "FI"
    # A company that is no sole trader keeps its name (not personal data).
    kept = Organization.objects.get(pk=company.pk)
    assert not kept.name.startswith("[")
    event = AuditEvent.objects.get(action="retention.pseudonymise")
    assert str(trader.pk) in str(event.target_id)
    assert "Virtanen" not in json.dumps(event.details) and "name" in event.fields
    # Idempotent: the key is gone and the pseudonym stays.
    assert run_sweep().processed == 0


def test_held_subject_is_skipped_and_the_hold_named():
    held = former_contact()
    free = former_contact()
    order = []

    def provider(person_id):
        # The hold appears while the sweep runs, after it has started on
        # the first subject: checked per subject at execution.
        if person_id == held.pk and order:
            return [holds.Hold(code="litigation", message="Litigation pending.")]
        return []

    holds.register("test.litigation", provider)
    try:
        run = run_sweep(batch_size=1, on_subject=order.append)
    finally:
        holds.unregister("test.litigation")
    erased = {p.pk for p in (held, free) if rights.is_erased(p)}
    if held.pk in erased:
        # The held person came first, before the hold existed.
        assert run.counts["person.relationship"] == {"erased": 2}
        return
    assert erased == {free.pk}
    assert run.counts["person.relationship"] == {"erased": 1, "skipped": 1}
    entry = run.entries.get()
    assert entry.subject_id == held.pk
    assert entry.codes == ["litigation"] and "Litigation" in entry.message


def test_bad_as_of_is_refused_with_a_clear_message():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("retention", "sweep", "--as-of", "31.12.2026")
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    with pytest.raises(CommandError, match="in the past"):
        call_command("retention", "sweep", "--as-of", yesterday.isoformat())
    later = (timezone.localdate() + dt.timedelta(days=400)).isoformat()
    with pytest.raises(CommandError, match="only a dry run"):
        call_command("retention", "sweep", "--as-of", later)
    assert not SweepRun.objects.exists()


def test_dry_run_looks_ahead():
    soon = timezone.localdate() - dt.timedelta(days=30)
    person = former_contact(end=soon)  # kept until five months from now
    later = timezone.localdate() + dt.timedelta(days=200)
    assert run_sweep(dry_run=True).processed == 0
    run = run_sweep(dry_run=True, as_of=later)
    assert run.counts["person.relationship"] == {"would_act": 1}
    assert not rights.is_erased(person)


def test_second_sweep_refuses_while_one_runs():
    other = SweepRun.objects.create(
        as_of=timezone.localdate(), host=os.uname().nodename, pid=os.getpid()
    )
    SweepLock.objects.filter(pk=1).update(run=other)
    with pytest.raises(SweepRefused, match=f"run {other.pk}"):
        run_sweep()
    with pytest.raises(CommandError, match="is running"):
        call_command("retention", "sweep")
    # A dry run changes nothing and needs no lock.
    assert run_sweep(dry_run=True).status == RunStatus.FINISHED


def test_lock_of_a_killed_sweep_is_taken_over():
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    other = SweepRun.objects.create(
        as_of=timezone.localdate(), host=os.uname().nodename, pid=dead.pid
    )
    SweepLock.objects.filter(pk=1).update(run=other)
    run = run_sweep()
    assert run.status == RunStatus.FINISHED
    other.refresh_from_db()
    assert other.status == RunStatus.INTERRUPTED
    assert SweepLock.objects.get(pk=1).run_id is None


# --------------------------------------------------------------------------
# kill -9
# --------------------------------------------------------------------------

CREATE = """
import datetime as dt
from rekisteri.testing import make_org, make_person
from rekisteri.registry.services import role_create
org = make_org(status="customer")
for i in range({n}):
    p = make_person()
    role_create(actor=None, person=p, organization=org, kind="contact",
                start_date=dt.date(2020, 1, 1), end_date=dt.date(2022, 1, 31))
"""

STATE = """
import json
from rekisteri.registry.models import Person
from rekisteri.rights.models import ErasureReceipt
from rekisteri.rights.services import is_erased
from rekisteri.retention.models import SweepRun
from django.db.models import Count
print(json.dumps({
    "persons": Person.objects.count(),
    "erased": sum(is_erased(p) for p in Person.objects.all()),
    "receipts": ErasureReceipt.objects.count(),
    "max_receipts": max(
        [r["n"] for r in ErasureReceipt.objects.values("subject_id")
         .annotate(n=Count("id"))] or [0]
    ),
    "runs": list(SweepRun.objects.order_by("id").values_list("status", flat=True)),
}))
"""


def _manage(env, *args):  # type: ignore[no-untyped-def]
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def _state(env):  # type: ignore[no-untyped-def]
    return json.loads(_manage(env, "shell", "-c", STATE).strip().splitlines()[-1])


@pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")), reason="drives an SQLite installation"
)
def test_kill_9_mid_sweep_then_rerun_converges(sqlite_install, tmp_path):
    n = 40
    env = sqlite_install
    _manage(env, "shell", "-c", CREATE.format(n=n))
    _manage(env, "retention", "recompute")
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "retention", "sweep", "--batch-size", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    db = sqlite3.connect(tmp_path / "rekisteri.sqlite3", timeout=30)
    deadline = time.monotonic() + 300
    processed = 0
    while time.monotonic() < deadline and proc.poll() is None:
        row = db.execute("SELECT max(processed) FROM retention_sweeprun").fetchone()
        processed = (row and row[0]) or 0
        if processed >= 5:
            break
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    db.close()
    assert 5 <= processed < n, "the sweep was not killed midway"

    middle = _state(env)
    assert 0 < middle["erased"] < n
    assert middle["runs"] == ["running"]

    out = _manage(env, "retention", "sweep")
    assert "Retention sweep" in out
    state = _state(env)
    assert state["persons"] == n
    assert state["erased"] == n
    assert state["receipts"] == n and state["max_receipts"] == 1
    assert state["runs"] == ["interrupted", "finished"]
    # Run again: nothing left to do, nothing done twice.
    _manage(env, "retention", "sweep")
    final = _state(env)
    assert final["receipts"] == n


def test_a_crash_between_the_key_shred_and_the_commit_is_finished():
    # The key store committed the shred, the register rolled back the rest:
    # the roles are still there and no receipt was written.
    person = former_contact()
    keys.shred(person.pk, KeyClass.CRM, reason="crash window (test)")
    services.recompute_persons([person.pk])
    assert DueDate.objects.filter(person=person, rule="relationship").exists()
    run = run_sweep()
    assert run.counts["person.relationship"] == {"erased": 1}
    assert ErasureReceipt.objects.filter(subject_id=person.pk).count() == 1
    assert not person.roles.exists()
    assert not DueDate.objects.filter(person=person, rule="relationship").exists()


# --- Keys shredded a batch at a time -----------------------------------------------


def _shred_calls(monkeypatch):  # type: ignore[no-untyped-def]
    """The sweep's calls of the key ring's shreds: (form, subjects, class)."""
    from rekisteri.core import keyring

    calls: list[tuple[str, list, str]] = []
    one, many = keyring.shred, keyring.shred_many

    def shred(subject_id, key_class, **kw):  # type: ignore[no-untyped-def]
        calls.append(("one", [subject_id], key_class))
        return one(subject_id, key_class, **kw)

    def shred_many(subject_ids, key_class, **kw):  # type: ignore[no-untyped-def]
        calls.append(("many", list(subject_ids), key_class))
        return many(subject_ids, key_class, **kw)

    monkeypatch.setattr(keyring, "shred", shred)
    monkeypatch.setattr(keyring, "shred_many", shred_many)
    return calls


def test_a_batchs_organization_keys_are_shredded_together(monkeypatch):
    from rekisteri.audit.models import AuditEvent

    orgs = [make_org(status="customer") for _ in range(4)]
    for org in orgs:
        former_contact(org)
    calls = _shred_calls(monkeypatch)
    run = run_sweep()
    assert run.counts["organization.relationship"] == {"shredded": 4}
    assert all(keys.is_destroyed(org.pk, KeyClass.CRM) for org in orgs)
    # One shred for the batch's organizations, none one at a time (the
    # persons' erasure shreds theirs in a call of its own).
    org_ids = {org.pk for org in orgs}
    assert [(form, set(ids)) for form, ids, _c in calls if set(ids) & org_ids] == [
        ("many", org_ids)
    ]
    events = AuditEvent.objects.filter(action="retention.shred")
    assert sorted(str(e.target_id) for e in events) == sorted(str(o.pk) for o in orgs)
    assert {e.details["run"] for e in events} == {run.pk}
    # Run again: nothing is shredded twice.
    services.recompute_all()
    again = run_sweep()
    assert "organization.relationship" not in again.counts or again.counts[
        "organization.relationship"
    ] == {"already_done": 4}


def test_bookkeeping_keys_are_shredded_together():
    people = []
    for _ in range(3):
        invoice = make_invoice(invoice_date=D(2018, 3, 1))
        people.append(invoice.billing_contact)
    services.recompute_persons([p.pk for p in people])
    run = run_sweep()
    assert run.counts["person.bookkeeping_voucher"] == {"shredded": 3}
    assert all(keys.is_destroyed(p.pk, KeyClass.BOOKKEEPING) for p in people)


def test_a_hold_added_after_the_batch_was_read_keeps_the_organizations_key(
    monkeypatch,
):
    from rekisteri.retention import sweep

    held_org, free_org = make_org(status="customer"), make_org(status="customer")
    member = former_contact(held_org)
    former_contact(free_org)
    on: list[bool] = []
    refresh = sweep._refresh

    def later(ctx, batch):  # type: ignore[no-untyped-def]
        refresh(ctx, batch)
        on.append(True)  # the batch has read its holds: none yet

    monkeypatch.setattr(sweep, "_refresh", later)
    holds.register(
        "test.litigation",
        lambda pid: (
            [holds.Hold(code="litigation", message="Litigation pending.")]
            if on and pid == member.pk
            else []
        ),
    )
    try:
        run = run_sweep()
    finally:
        holds.unregister("test.litigation")
    assert run.counts["organization.relationship"] == {"shredded": 1, "skipped": 1}
    assert keys.is_destroyed(free_org.pk, KeyClass.CRM)
    assert not keys.is_destroyed(held_org.pk, KeyClass.CRM)
    entry = run.entries.get(subject_type="organization")
    assert entry.subject_id == held_org.pk and entry.codes == ["litigation"]


def test_when_the_batch_shred_fails_each_key_is_shredded_on_its_own(monkeypatch):
    from rekisteri.core import keyring

    orgs = [make_org(status="customer") for _ in range(3)]
    for org in orgs:
        former_contact(org)
    calls = _shred_calls(monkeypatch)
    many = keyring.shred_many

    def failing(subject_ids, key_class, **kw):  # type: ignore[no-untyped-def]
        if key_class == KeyClass.CRM and len(list(subject_ids)) > 1:
            raise RuntimeError("key store unavailable")
        return many(subject_ids, key_class, **kw)

    monkeypatch.setattr(keyring, "shred_many", failing)
    run = run_sweep()
    assert run.counts["organization.relationship"] == {"shredded": 3}
    assert all(keys.is_destroyed(org.pk, KeyClass.CRM) for org in orgs)
    # Each organization's key in a shred of its own.
    org_ids = {o.pk for o in orgs}
    assert sorted(ids[0] for _f, ids, _c in calls if set(ids) <= org_ids) == sorted(
        org_ids
    ) and all(len(ids) == 1 for _f, ids, _c in calls if set(ids) <= org_ids)


def _traders(n):  # type: ignore[no-untyped-def]
    from rekisteri.registry.models import Organization

    traders = [make_org(status="customer", sole_trader=True) for _ in range(n)]
    for trader in traders:
        Organization.objects.filter(pk=trader.pk).update(postal_city="Lahti")
        former_contact(trader)
    return traders


def _pseudonymised(traders) -> bool:  # type: ignore[no-untyped-def]
    from rekisteri.registry.models import Organization

    rows = Organization.objects.filter(pk__in=[t.pk for t in traders])
    return all(o.name == f"[{o.customer_number}]" and o.postal_city == "" for o in rows)


def test_a_batchs_sole_traders_are_pseudonymised_together(monkeypatch):
    from rekisteri.audit.models import AuditEvent
    from rekisteri.retention import sole_trader

    traders = _traders(3)
    calls: list[list] = []
    one, many = sole_trader.pseudonymise, sole_trader.pseudonymise_many

    def spy_one(*a, **kw):  # type: ignore[no-untyped-def]
        calls.append(["one"])
        return one(*a, **kw)

    def spy_many(ids, **kw):  # type: ignore[no-untyped-def]
        calls.append(["many", *ids])
        return many(ids, **kw)

    monkeypatch.setattr(sole_trader, "pseudonymise", spy_one)
    monkeypatch.setattr(sole_trader, "pseudonymise_many", spy_many)
    run = run_sweep()
    assert run.counts["organization.relationship"] == {"shredded": 3}
    assert _pseudonymised(traders)
    assert [c[0] for c in calls] == ["many"]
    assert set(calls[0][1:]) == {t.pk for t in traders}
    events = AuditEvent.objects.filter(action="retention.pseudonymise")
    assert sorted(str(e.target_id) for e in events) == sorted(
        str(t.pk) for t in traders
    )


def test_when_the_batch_pseudonymisation_fails_each_trader_is_done_alone(
    monkeypatch,
):
    from rekisteri.retention import sole_trader

    traders = _traders(2)

    def failing(ids, **kw):  # type: ignore[no-untyped-def]
        if len(ids) > 1:
            raise RuntimeError("lock timeout")
        return many(ids, **kw)

    many = sole_trader.pseudonymise_many
    monkeypatch.setattr(sole_trader, "pseudonymise_many", failing)
    run = run_sweep()
    assert run.counts["organization.relationship"] == {"shredded": 2}
    assert _pseudonymised(traders)
    assert all(keys.is_destroyed(t.pk, KeyClass.CRM) for t in traders)
