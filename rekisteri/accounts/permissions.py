"""Permissions: what a staff role may do (deny by default).

Every view and API operation declares one :class:`Perm`; the permission test
kit fails if a route declares none. The mapping is code here; the access issue
turns it into an editable need-to-know matrix without changing call sites,
which only ever ask :func:`has_perm`.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from rekisteri.accounts.choices import StaffRole
from rekisteri.accounts.clearance import clearance_of
from rekisteri.audit.choices import Outcome
from rekisteri.audit.services import audit_record
from rekisteri.core import refusals


class Perm(enum.StrEnum):
    REGISTRY_VIEW = "registry.view"
    REGISTRY_CHANGE = "registry.change"
    CONTRACTS_VIEW = "contracts.view"
    CONTRACTS_CHANGE = "contracts.change"
    BILLING_VIEW = "billing.view"
    BILLING_CHANGE = "billing.change"
    MESSAGES_VIEW = "messaging.view"
    MESSAGES_CHANGE = "messaging.change"
    PRIVACY_VIEW = "privacy.view"
    PRIVACY_MANAGE = "privacy.manage"
    AUDIT_VIEW = "audit.view"
    ACCOUNTS_MANAGE = "accounts.manage"
    OWN_TOKENS = "accounts.own_tokens"
    AUTHENTICATED = "accounts.authenticated"
    PUBLIC = "public"


ROLE_PERMS: dict[str, frozenset[Perm]] = {
    StaffRole.SALES: frozenset(
        {
            Perm.REGISTRY_VIEW,
            Perm.REGISTRY_CHANGE,
            Perm.CONTRACTS_VIEW,
            Perm.CONTRACTS_CHANGE,
            Perm.MESSAGES_VIEW,
            Perm.MESSAGES_CHANGE,
        }
    ),
    StaffRole.CUSTOMER_SERVICE: frozenset(
        {
            Perm.REGISTRY_VIEW,
            Perm.REGISTRY_CHANGE,
            Perm.CONTRACTS_VIEW,
            Perm.MESSAGES_VIEW,
            Perm.MESSAGES_CHANGE,
        }
    ),
    # Billing sees billing contacts and invoices, not message bodies.
    StaffRole.BILLING: frozenset(
        {
            Perm.REGISTRY_VIEW,
            Perm.CONTRACTS_VIEW,
            Perm.BILLING_VIEW,
            Perm.BILLING_CHANGE,
        }
    ),
    StaffRole.PRIVACY_OFFICER: frozenset(
        {
            Perm.REGISTRY_VIEW,
            Perm.REGISTRY_CHANGE,
            Perm.CONTRACTS_VIEW,
            Perm.BILLING_VIEW,
            Perm.MESSAGES_VIEW,
            Perm.PRIVACY_VIEW,
            Perm.PRIVACY_MANAGE,
            Perm.AUDIT_VIEW,
        }
    ),
    # Administrators manage accounts but read no personal data by default;
    # auditors read the audit log and the privacy registers, not the register.
    StaffRole.ADMINISTRATOR: frozenset({Perm.ACCOUNTS_MANAGE}),
    StaffRole.AUDITOR: frozenset({Perm.AUDIT_VIEW, Perm.PRIVACY_VIEW}),
}
_EVERYONE = frozenset({Perm.OWN_TOKENS, Perm.AUTHENTICATED})

# Permissions that do not read personal data of the register: everything
# else needs current privacy training and a signed confidentiality
# attestation (rekisteri.accounts.clearance). A new permission is gated
# unless it is listed here.
UNGATED = frozenset(
    {Perm.OWN_TOKENS, Perm.AUTHENTICATED, Perm.PUBLIC, Perm.ACCOUNTS_MANAGE}
)


def role_allows(user: Any, perm: Perm) -> bool:
    """The role (or everyone) has ``perm``, regardless of training."""
    if perm is Perm.PUBLIC:
        return True
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if not user.is_active:
        return False
    return perm in _EVERYONE or perm in ROLE_PERMS.get(user.role, frozenset())


def blocked_by_clearance(user: Any, perm: Perm) -> bool:
    """The role has ``perm`` but training or attestation is not current."""
    if perm in UNGATED or not role_allows(user, perm):
        return False
    return not clearance_of(user).ok


def has_perm(user: Any, perm: Perm) -> bool:
    """May ``user`` use ``perm`` now: role, active account, and for personal
    data current training and a signed attestation."""
    if not role_allows(user, perm):
        return False
    return not blocked_by_clearance(user, perm)


def access_key(user: Any) -> tuple[Any, ...]:
    """Everything :func:`has_perm`'s answers depend on: two accounts with
    equal keys get the same answer for every permission (signed in, active,
    role, and clearance for a role with gated permissions), and have the same
    role. Pages keep what they show by permission under it
    (core/templatetags/kept.py)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return (False,)
    if not user.is_active:
        return (True, False, user.role, None)
    gated = ROLE_PERMS.get(user.role, frozenset()) - UNGATED
    return (True, True, user.role, clearance_of(user).ok if gated else None)


def record_denied(request: Any, perm: Perm) -> None:
    """Audit a refused attempt (``access.denied``): who, which route, which
    permission was missing and why (the role lacks it, or training or the
    attestation is not current). The route's name, never its parameters;
    the person the route names, when they exist (``rekisteri.core.refusals``)."""
    match = getattr(request, "resolver_match", None)
    reason = "clearance" if blocked_by_clearance(request.user, perm) else "role"
    audit_record(
        actor=request.user,
        action="access.denied",
        outcome=Outcome.DENIED,
        target_type="route",
        target_id=(match.view_name if match else "")[:64],
        subject_id=refusals.subject_of(match.kwargs if match else None),
        purpose="security",
        details={"permission": perm.value, "method": request.method, "reason": reason},
        request=request,
    )


def require(perm: Perm) -> Callable:
    """View decorator: login required, then ``perm``; records it for the kit."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request, *args: Any, **kwargs: Any):
            if perm is not Perm.PUBLIC and not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_perm(request.user, perm):
                record_denied(request, perm)
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.required_perm = perm  # type: ignore[attr-defined]
        return wrapped

    return decorator
