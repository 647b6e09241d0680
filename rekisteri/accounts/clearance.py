"""Training and confidentiality: may this account read personal data now?

An account reads personal data only while its privacy training is current
(completed within ``REKISTERI_TRAINING_VALID_MONTHS``) and it has signed the
current version of the confidentiality attestation
(``REKISTERI_ATTESTATION_VERSION``). :func:`clearance_of` says which, when
the training runs out and whether to warn; ``has_perm`` asks it for every
permission that reads personal data, so every view and API operation is
covered by the one check.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from rekisteri.accounts.conf import setting

# Cached on the user object: one query per request, not one per has_perm.
_CACHE_ATTR = "_rekisteri_clearance"


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months (31 Jan + 1 = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day.day, last))


@dataclass(frozen=True)
class Clearance:
    """Training and attestation state of one account on one day."""

    training_completed_on: dt.date | None
    training_valid_until: dt.date | None  # last day it is valid
    attestation_version: str | None  # the current version, if signed
    attestation_signed_at: dt.datetime | None
    today: dt.date

    @property
    def training_current(self) -> bool:
        return (
            self.training_valid_until is not None
            and self.training_valid_until >= self.today
        )

    @property
    def attestation_current(self) -> bool:
        return self.attestation_version is not None

    @property
    def ok(self) -> bool:
        return self.training_current and self.attestation_current

    @property
    def days_left(self) -> int | None:
        if self.training_valid_until is None:
            return None
        return (self.training_valid_until - self.today).days

    @property
    def expiring_soon(self) -> bool:
        """Current, but running out within the warning period."""
        days = self.days_left
        return (
            self.training_current
            and days is not None
            and days < setting("REKISTERI_CLEARANCE_WARNING_DAYS")
        )


def clearance_annotations(model: Any) -> dict[str, Any]:
    """The latest training and the current attestation of each row of the
    user ``model``, as annotations (``completed_on_``, ``signed_at_``)."""
    version = setting("REKISTERI_ATTESTATION_VERSION")
    trainings = model.trainings.rel.related_model.objects.filter(user=OuterRef("pk"))
    attestations = model.attestations.rel.related_model.objects.filter(
        user=OuterRef("pk"), text_version=version
    )
    return {
        "completed_on_": Subquery(
            trainings.order_by("-completed_on").values("completed_on")[:1]
        ),
        "signed_at_": Subquery(attestations.values("signed_at")[:1]),
    }


def _clearance(
    completed_on: dt.date | None, signed_at: dt.datetime | None, day: dt.date
) -> Clearance:
    valid_until = None
    if completed_on is not None:
        valid_until = add_months(
            completed_on, setting("REKISTERI_TRAINING_VALID_MONTHS")
        ) - dt.timedelta(days=1)
    return Clearance(
        training_completed_on=completed_on,
        training_valid_until=valid_until,
        attestation_version=(
            setting("REKISTERI_ATTESTATION_VERSION") if signed_at is not None else None
        ),
        attestation_signed_at=signed_at,
        today=day,
    )


def keep_loaded_clearance(user: Any) -> None:
    """Cache the clearance of a user loaded with :func:`clearance_annotations`
    (the session's user, rekisteri/accounts/backends.py) for the request, so
    the gate costs no query of its own."""
    completed_on = user.__dict__.pop("completed_on_", None)
    signed_at = user.__dict__.pop("signed_at_", None)
    setattr(
        user, _CACHE_ATTR, _clearance(completed_on, signed_at, timezone.localdate())
    )


def clearance_of(user: Any, *, today: dt.date | None = None) -> Clearance:
    """The clearance of ``user`` (cached on the object for the request)."""
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None and today is None:
        return cached
    day = today or timezone.localdate()
    # The latest training and the current attestation in one query.
    completed_on, signed_at = (
        user._meta.model.objects.filter(pk=user.pk)
        .annotate(**clearance_annotations(user._meta.model))
        .values_list("completed_on_", "signed_at_")
        .first()
    ) or (None, None)
    result = _clearance(completed_on, signed_at, day)
    if today is None:
        setattr(user, _CACHE_ATTR, result)
    return result


def forget_clearance(user: Any) -> None:
    """Drop the cached state after a training or attestation is recorded."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)
