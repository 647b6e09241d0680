"""Rules dated per record: closed rights-request cases erased by the sweep
when ``privacy_case`` ends, and the forecast of unconfirmed portal requests
and audit events (retention/cases.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone

from rekisteri.accounts.choices import StaffRole
from rekisteri.audit.models import AuditEvent
from rekisteri.audit.purge import aged_out
from rekisteri.audit.services import audit_record
from rekisteri.core import fiscal, holds, keyring
from rekisteri.core.catalogue import Erasure, KeyClass
from rekisteri.dsr import services as dsr
from rekisteri.dsr.choices import Status
from rekisteri.dsr.models import (
    ExportFile,
    IdentityCode,
    PortalDraft,
    RequestCase,
    SentMessage,
)
from rekisteri.dsr.services import expiry
from rekisteri.restrictions import services as restrictions
from rekisteri.retention import cases, selectors, services
from rekisteri.retention.models import DueDate
from rekisteri.retention.sweep import run_sweep
from rekisteri.testing import make_person, make_staff

pytestmark = pytest.mark.django_db
UTC = dt.UTC
EMAIL = "maija.meikalainen@example.fi"
# Closed long before today: REKISTERI_RETENTION_CASE_YEARS (3) has passed.
LONG_AGO = dt.datetime(2021, 3, 1, 12, 0, tzinfo=UTC)

_refs = iter(range(1, 10_000))


def closed_case(*persons, closed_at=LONG_AGO, status=Status.COMPLETED):
    """A case with every personal value the rule covers filled in."""
    n = next(_refs)
    case = RequestCase.objects.create(
        reference=f"EXP-{n}",
        kinds=["access"],
        channel="email",
        received_at=closed_at - dt.timedelta(days=20),
        deadline=(closed_at + dt.timedelta(days=10)).date(),
        status=status,
        closed_at=closed_at if status != Status.IN_PROGRESS else None,
        requester_name="Maija Meikäläinen",
        requester_email=EMAIL,
        requester_phone="+358401234567",
        requester_address="Katu 1, 00100 Helsinki",
        email_digest=1234 + n,
        phone_digest=5678 + n,
        details="Haluan tietoni.",
        status_reason="Vastattu.",
    )
    case.persons.add(*persons)
    SentMessage.objects.create(
        case=case,
        letter="ack",
        language="fi",
        recipient=EMAIL,
        subject="Kuittaus",
        body="Hei Maija",
        sent_at=closed_at,
    )
    ExportFile.objects.create(
        case=case,
        token_hash=f"t{n}",
        code_hash="c",
        filename="export.json",
        content_type="application/json",
        content=b'{"name": "Maija"}',
        size=17,
        expires_at=closed_at + dt.timedelta(days=7),
    )
    for person in persons:
        IdentityCode.objects.create(
            case=case, person=person, code_hash="h", expires_at=closed_at
        )
    return case


def test_the_cutoff_is_exact_on_every_day_around_month_ends_and_leap_days():
    """A case closed on day c is due on day d exactly when c plus the
    period is before d, month-end clamping included (29.2. + 3 years)."""
    n = cases._months()
    start = dt.date(2027, 1, 1)
    for offset in range(0, 800, 3):
        day = start + dt.timedelta(days=offset)
        cut = timezone.localdate(cases.case_cutoff(day))
        for delta in (-2, -1, 0, 1):
            closed = cut + dt.timedelta(days=delta)
            due = fiscal.add_months(closed, n) < day
            assert due == (closed < cut), (day, closed)
    leap = dt.datetime(2024, 2, 29, 12, tzinfo=UTC)
    assert cases.case_kept_until(leap) == dt.date(2027, 2, 28)


def test_the_sweep_erases_a_closed_case_past_its_period_and_keeps_the_skeleton():
    person = make_person()
    old = closed_case(person)
    recent = closed_case(person, closed_at=timezone.now() - dt.timedelta(days=30))
    open_ = closed_case(person, status=Status.IN_PROGRESS)
    services.recompute_persons([person.pk])

    run = run_sweep()

    assert run.counts["case.privacy_case"] == {"erased": 1}
    old.refresh_from_db()
    assert old.expired_at is not None
    assert keyring.is_destroyed(old.pk, KeyClass.CRM)
    # Sealed values read as erased; the digests are deleted (the catalogue
    # says which method each field has).
    for name in dsr.expiring_fields()[RequestCase][Erasure.DELETE]:
        assert getattr(old, name) is None, name
    for name in dsr.expiring_fields()[RequestCase][Erasure.SHRED]:
        value = getattr(old, name)
        assert value is None or value.is_erased, name
    message = SentMessage.objects.get(case=old)
    assert EMAIL not in str(message.recipient) and "Maija" not in str(message.body)
    assert ExportFile.objects.get(case=old).content is None
    assert not old.persons.exists()
    assert not IdentityCode.objects.filter(case=old).exists()
    # What stays names no one: reference, kinds, dates, status.
    assert old.reference.startswith("EXP-") and old.kinds == ["access"]
    assert old.status == Status.COMPLETED and old.closed_at == LONG_AGO
    # The recent and the open case are untouched.
    for case in (recent, open_):
        case.refresh_from_db()
        assert case.expired_at is None and case.requester_email == EMAIL
        assert case.persons.filter(pk=person.pk).exists()
    event = AuditEvent.objects.filter(action="dsr.case_expire").get()
    assert str(event.target_id) == str(old.pk)
    assert EMAIL not in str(event.details) and "Maija" not in str(event.details)

    # Run again: nothing more to do.
    again = run_sweep()
    assert "case.privacy_case" not in again.counts


def test_a_case_of_a_held_or_restricted_person_is_kept_and_the_reason_logged():
    held, restricted, free = make_person(), make_person(), make_person()
    kept_by_hold = closed_case(held)
    kept_by_restriction = closed_case(restricted, free)
    gone = closed_case(free)
    restrictions.restriction_place(actor=None, person=restricted, reason="Kiista")

    def provider(person_id):
        if person_id == held.pk:
            return [holds.Hold(code="litigation", message="Litigation pending.")]
        return []

    holds.register("test.litigation", provider)
    try:
        run = run_sweep()
    finally:
        holds.unregister("test.litigation")

    assert run.counts["case.privacy_case"] == {"erased": 1, "skipped": 2}
    entries = {e.subject_id: e for e in run.entries.all()}
    assert entries[kept_by_hold.pk].codes == ["litigation"]
    assert entries[kept_by_restriction.pk].codes == ["restricted"]
    for case in (kept_by_hold, kept_by_restriction):
        case.refresh_from_db()
        assert case.expired_at is None and case.requester_email == EMAIL
    gone.refresh_from_db()
    assert gone.expired_at is not None


def test_a_dry_run_counts_and_changes_nothing():
    case = closed_case(make_person())
    run = run_sweep(dry_run=True)
    assert run.counts["case.privacy_case"] == {"would_act": 1}
    case.refresh_from_db()
    assert case.expired_at is None and case.requester_email == EMAIL
    assert not keyring.is_destroyed(case.pk, KeyClass.CRM)


def test_a_rerun_after_a_crash_between_the_key_shred_and_the_commit_converges():
    case = closed_case(make_person())
    # The key store committed its shred; the main transaction did not.
    keyring.shred_many([case.pk], KeyClass.CRM, reason="crash test")
    run = run_sweep()
    assert run.counts["case.privacy_case"] == {"erased": 1}
    case.refresh_from_db()
    assert case.expired_at is not None and not case.persons.exists()


def test_the_expiry_refuses_staff_without_the_erase_right():
    from rekisteri.core.errors import Forbidden

    case = closed_case(make_person())
    sales = make_staff(StaffRole.SALES)
    with pytest.raises(Forbidden):
        dsr.cases_expire(actor=sales, case_ids=[case.pk], reason="test")
    case.refresh_from_db()
    assert case.expired_at is None


def test_expiry_moves_the_person_privacy_case_date_away(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        person = make_person()
        closed_case(person)
    assert DueDate.objects.filter(person=person, rule="privacy_case").exists()
    with django_capture_on_commit_callbacks(execute=True):
        run_sweep()
    assert not DueDate.objects.filter(person=person, rule="privacy_case").exists()


def test_every_privacy_case_field_has_an_expiry_action():
    """A field of the rule whose erasure method the expiry cannot apply
    fails here (and the service refuses) the day it is declared."""
    assert expiry._unsupported() == []


@override_settings(REKISTERI_AUDIT_RETENTION_YEARS=0)
def test_the_forecast_counts_records_dated_by_their_own_timestamp():
    officer = make_staff(StaffRole.PRIVACY_OFFICER)
    today = timezone.localdate()
    closed_case(make_person())  # due now
    soon = today - dt.timedelta(days=3 * 365 - 20)
    closed_case(
        make_person(),
        closed_at=timezone.make_aware(dt.datetime.combine(soon, dt.time(12))),
    )
    PortalDraft.objects.create(
        kinds=["access"],
        language="fi",
        email=EMAIL,
        email_digest=1,
        code_hash="h",
        expires_at=timezone.now() - dt.timedelta(hours=1),
    )
    # Audit events: the count of those a purge would take.
    for _ in range(3):
        audit_record(actor=None, action="retention.sweep", target_type="test")
    events = list(AuditEvent.objects.order_by("id").values_list("id", "at"))
    third_id, third_at = events[2]
    assert (
        aged_out(third_at)
        == AuditEvent.objects.filter(id__lt=third_id, at__lt=third_at).count()
    )
    assert aged_out(events[-1][1] + dt.timedelta(seconds=1)) == len(events)

    rows = {
        r.kind: r
        for r in selectors.forecast(user=officer, today=today)
        if r.kind in ("case", "portal_draft", "audit_event")
    }
    assert rows["case"].counts[0] == 1
    assert rows["case"].counts[1] == 2  # the second within 30 days
    assert rows["portal_draft"].counts[0] == 1
    assert rows["portal_draft"].acted_by == "manage.py requests purge"
    # A period of 0 years: every event so far goes at the next purge.
    assert rows["audit_event"].counts[0] == AuditEvent.objects.count() >= 3
    with override_settings(REKISTERI_AUDIT_RETENTION_YEARS=5):
        later = selectors.forecast(user=officer, today=today)
    assert [r.counts for r in later if r.kind == "audit_event"] == [(0, 0, 0, 0)]
