"""Reads for account administration and access reviews.

Only administrators (``Perm.ACCOUNTS_MANAGE``) reach these; they see staff
accounts, never the register's personal data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery

from rekisteri.accounts.auth import account_key
from rekisteri.accounts.clearance import Clearance, clearance_of
from rekisteri.accounts.models import AccessReview, LoginThrottle, StaffUser
from rekisteri.audit.models import AuditEvent

# Actions that touch the register's personal data even when the event names
# no single data subject (a search, a list, an export of many).
PERSONAL_DATA_ACTION_PREFIXES = (
    "person.",
    "organization.",
    "role.",
    "registry.",
    "search",
    "contract.",
    "invoice.",
    "payment.",
    "billing.",
    "message.",
    "messaging.",
)


def personal_data_events() -> Q:
    """Audit events that count as an access to personal data."""
    q = Q(subject_id__isnull=False)
    for prefix in PERSONAL_DATA_ACTION_PREFIXES:
        q |= Q(action__startswith=prefix)
    return q


def staff_accounts() -> QuerySet[StaffUser]:
    """All staff accounts, annotated with their last personal-data access."""
    last_access = (
        AuditEvent.objects.filter(personal_data_events(), actor_id=OuterRef("pk"))
        .order_by("-at")
        .values("at")[:1]
    )
    return StaffUser.objects.annotate(last_data_access=Subquery(last_access)).order_by(
        "username"
    )


def locked_keys() -> set[str]:
    from django.utils import timezone

    rows = LoginThrottle.objects.filter(locked_until__gt=timezone.now())
    return {k for pair in rows.values_list("key", "account") for k in pair if k}


def is_account_locked(user: StaffUser, locked: set[str] | None = None) -> bool:
    keys = locked_keys() if locked is None else locked
    return account_key(user.get_username()) in keys


def locked_addresses() -> QuerySet[LoginThrottle]:
    from django.utils import timezone

    return LoginThrottle.objects.filter(
        key__startswith="address:", locked_until__gt=timezone.now()
    ).order_by("-locked_until")


@dataclass(frozen=True)
class ReviewRow:
    """One line of the access review."""

    user: StaffUser
    last_login: dt.datetime | None
    last_data_access: dt.datetime | None
    clearance: Clearance
    last_review: AccessReview | None
    locked: bool
    mfa: bool


def access_review_rows() -> list[ReviewRow]:
    """Accounts × role × last login × last personal-data access × training
    and attestation × last review decision."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    locked = locked_keys()
    enrolled = set(
        TOTPDevice.objects.filter(confirmed=True).values_list("user_id", flat=True)
    )
    last_reviews: dict[Any, AccessReview] = {}
    for review in AccessReview.objects.select_related("reviewer").order_by(
        "reviewed_at"
    ):
        last_reviews[review.user_id] = review
    rows = []
    for user in staff_accounts():
        rows.append(
            ReviewRow(
                user=user,
                last_login=user.last_login,
                last_data_access=user.last_data_access,
                clearance=clearance_of(user),
                last_review=last_reviews.get(user.pk),
                locked=account_key(user.get_username()) in locked,
                mfa=user.pk in enrolled,
            )
        )
    return rows
