"""Reads of the privacy office.

The public notice needs no user (it is public); the registers are read by
staff with PRIVACY_VIEW, which the views enforce. Nothing here returns a
customer's personal data except :func:`person_notice_version`, which returns
only which notice version applied to a person, for the person page that the
registry already authorises and audits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Min, Q, Subquery, Value
from django.db.models.functions import JSONArray
from django.utils import timezone

from rekisteri.accounts.clearance import clearance_of
from rekisteri.accounts.permissions import ROLE_PERMS, UNGATED
from rekisteri.core.jsonrows import JSONRows, rows_of
from rekisteri.privacy.choices import ClockState
from rekisteri.privacy.clock import clock_state
from rekisteri.privacy.models import (
    Breach,
    ControllerProfile,
    ManualRecord,
    NoticeVersion,
    Party,
)
from rekisteri.registry.models import PersonEmail, PersonPhone, Provenance, Role

UPCOMING_DAYS = 30


def controller_profile() -> ControllerProfile | None:
    return ControllerProfile.objects.filter(pk=1).first()


def current_notice() -> NoticeVersion | None:
    """The notice in force now: the latest published version."""
    return NoticeVersion.objects.order_by("-number").first()


def notice_versions() -> list[NoticeVersion]:
    return list(
        NoticeVersion.objects.defer("markdown", "html", "facts").order_by("-number")
    )


def notice_version_get(version_id: Any) -> NoticeVersion | None:
    return NoticeVersion.objects.filter(pk=version_id).first()


def notice_in_force_at(when: dt.datetime) -> NoticeVersion | None:
    """The version published last at or before ``when``."""
    return (
        NoticeVersion.objects.filter(published_at__lte=when)
        .order_by("-published_at", "-number")
        .first()
    )


def _loaded_provenance(person: Any) -> list[Any] | None:
    """Every provenance record of the person's data, when the person came
    with them loaded (registry.selectors.person_get); otherwise None."""
    prefetched = getattr(person, "_prefetched_objects_cache", {})
    if not all(name in prefetched for name in ("emails", "phones", "roles")):
        return None
    found = []
    for row, field in (
        (person, "name_provenance"),
        (person, "address_provenance"),
        *(
            (r, "provenance")
            for name in ("emails", "phones", "roles")
            for r in prefetched[name]
        ),
    ):
        if getattr(row, f"{field}_id") is None:
            continue
        if not row._meta.get_field(field).is_cached(row):
            return None
        found.append(getattr(row, field))
    return found


def first_collected_at(person: Any) -> dt.datetime:
    """When the person's data was first collected.

    The earliest of the person's creation and the ``obtained_at`` of every
    provenance record of their data (an import can carry an older date).
    """
    loaded = _loaded_provenance(person)
    if loaded is not None:
        # The person page loaded every row with its provenance: no query.
        times = [p.obtained_at for p in loaded if p.obtained_at is not None]
        return min([person.created_at, *times])
    own = {person.name_provenance_id, person.address_provenance_id} - {None}
    # One query: the related rows' provenance as subqueries.
    match = Q(pk__in=own)
    for model in (PersonEmail, PersonPhone, Role):
        match |= Q(pk__in=model.objects.filter(person=person).values("provenance_id"))
    earliest = Provenance.objects.filter(match).aggregate(at=Min("obtained_at"))["at"]
    candidates = [person.created_at] + ([earliest] if earliest else [])
    return min(candidates)


@dataclass(frozen=True)
class PersonNotice:
    collected_at: dt.datetime
    version: NoticeVersion | None
    current: NoticeVersion | None


VERSIONS = "privacy_versions"


def person_versions() -> dict[str, Any]:
    """Every published notice version's id, number and time, as one
    annotation of the person page's query
    (registry.extensions.register_person_annotations): a register keeps a
    handful of versions, one per published change of its notice."""
    return {
        VERSIONS: Subquery(
            NoticeVersion.objects.order_by()
            .annotate(all=Value(1))
            .values("all")
            .annotate(rows=JSONRows(JSONArray("id", "number", "published_at")))
            .values("rows")[:1]
        )
    }


def _moment(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        moment = value
    else:
        moment = dt.datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _loaded_versions(person: Any, collected: dt.datetime) -> PersonNotice | None:
    """The notice versions from the person's own query (person_versions):
    only id, number and time are loaded, the rest when read."""
    if VERSIONS not in person.__dict__:
        return None
    found = [
        NoticeVersion.from_db(
            None, ["id", "number", "published_at"], (pk, number, _moment(at))
        )
        for pk, number, at in rows_of(person.__dict__[VERSIONS])
    ]
    in_force = max(
        (v for v in found if v.published_at <= collected),
        key=lambda v: (v.published_at, v.number),
        default=None,
    )
    current = max(found, key=lambda v: v.number, default=None)
    return PersonNotice(collected, in_force, current)


def person_notice_version(person: Any) -> PersonNotice:
    """Which notice was in force when ``person``'s data was first collected."""
    collected = first_collected_at(person)
    loaded = _loaded_versions(person, collected)
    if loaded is not None:
        return loaded
    # Both in one query: the latest version and the one in force then (each
    # the first of its ordering, so picking again among the two finds it).
    latest = NoticeVersion.objects.order_by("-number").values("pk")[:1]
    then = (
        NoticeVersion.objects.filter(published_at__lte=collected)
        .order_by("-published_at", "-number")
        .values("pk")[:1]
    )
    found = list(NoticeVersion.objects.filter(Q(pk__in=latest) | Q(pk__in=then)))
    in_force = max(
        (v for v in found if v.published_at <= collected),
        key=lambda v: (v.published_at, v.number),
        default=None,
    )
    current = max(found, key=lambda v: v.number, default=None)
    return PersonNotice(collected, in_force, current)


def parties(*, include_inactive: bool = True) -> list[Party]:
    qs = Party.objects.all()
    if not include_inactive:
        qs = qs.filter(is_active=True)
    return list(qs)


def manual_records() -> list[ManualRecord]:
    return list(ManualRecord.objects.select_related("destroyed_by"))


def manual_records_overdue(today: dt.date | None = None) -> list[ManualRecord]:
    today = today or timezone.localdate()
    return list(
        ManualRecord.objects.filter(
            destroyed_on__isnull=True, destroy_by__lt=today
        ).order_by("destroy_by")
    )


def breaches() -> list[Breach]:
    return list(Breach.objects.all())


# --------------------------------------------------------------------------
# The dashboard
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class DueItem:
    kind: str  # notice | party | breach | manual_record | attestation
    title: str
    due: dt.datetime | dt.date
    overdue: bool
    url: str = ""


def _as_date(value: dt.datetime | dt.date) -> dt.date:
    return timezone.localdate(value) if isinstance(value, dt.datetime) else value


def notice_review_due() -> dt.date | None:
    profile = controller_profile()
    current = current_notice()
    if profile is None or current is None:
        return None
    published = timezone.localdate(current.published_at)
    months = profile.review_interval_months
    year = published.year + (published.month - 1 + months) // 12
    month = (published.month - 1 + months) % 12 + 1
    day = min(published.day, 28)
    return dt.date(year, month, day)


def dashboard_items(now: dt.datetime | None = None) -> list[DueItem]:
    """Overdue and upcoming items (within 30 days), overdue first, by date."""
    from django.urls import reverse

    now = now or timezone.now()
    today = timezone.localdate(now)
    horizon = today + dt.timedelta(days=UPCOMING_DAYS)
    items: list[DueItem] = []
    review = notice_review_due()
    if review is not None and review <= horizon:
        items.append(
            DueItem(
                "notice", "", review, review < today, reverse("privacy:notice_admin")
            )
        )
    for p in Party.objects.filter(is_active=True, next_review_on__lte=horizon):
        items.append(
            DueItem(
                "party",
                p.name,
                p.next_review_on,
                p.next_review_on < today,
                reverse("privacy:party_edit", kwargs={"processor_id": p.pk}),
            )
        )
    for b in Breach.objects.filter(
        authority_notified_at__isnull=True, authority_not_required_reason=""
    ):
        state = clock_state(b, now)
        items.append(
            DueItem(
                "breach",
                b.title,
                b.authority_deadline,
                state == ClockState.OVERDUE,
                reverse("privacy:breach_detail", kwargs={"breach_id": b.pk}),
            )
        )
    for r in ManualRecord.objects.filter(
        destroyed_on__isnull=True, destroy_by__lte=horizon
    ):
        items.append(
            DueItem(
                "manual_record",
                r.title,
                r.destroy_by,
                r.destroy_by < today,
                reverse("privacy:manual_record_detail", kwargs={"record_id": r.pk}),
            )
        )
    items.extend(attestation_items(today, horizon))
    return sorted(items, key=lambda i: (not i.overdue, _as_date(i.due), i.kind))


def attestation_items(today: dt.date, horizon: dt.date) -> list[DueItem]:
    """Staff whose privacy training runs out by ``horizon`` (or is missing) or
    who have not signed the current confidentiality attestation.

    Only staff whose role reads personal data need them (the accounts app's
    clearance gate, rekisteri.accounts.clearance); without them the gate
    already refuses the account, so these are what the privacy officer
    chases.
    """
    from django.contrib.auth import get_user_model

    gated_roles = [role for role, perms in ROLE_PERMS.items() if perms - UNGATED]
    items: list[DueItem] = []
    users = get_user_model().objects.filter(is_active=True, role__in=gated_roles)
    for user in users.order_by("username"):
        c = clearance_of(user, today=today)
        name = user.get_full_name() or user.username
        until = c.training_valid_until
        if until is None:
            items.append(DueItem("attestation", name, today, True))
        elif until <= horizon:
            items.append(DueItem("attestation", name, until, until < today))
        if not c.attestation_current:
            items.append(DueItem("attestation", name, today, True))
    return items
