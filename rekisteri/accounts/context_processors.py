"""Template context about the signed-in account (banner, nav, 403 page)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from rekisteri.accounts.clearance import clearance_of
from rekisteri.accounts.permissions import (
    ROLE_PERMS,
    UNGATED,
    Perm,
    access_key,
    blocked_by_clearance,
    has_perm,
)
from rekisteri.core.templatetags.core_tags import route_base


def account_state(request: HttpRequest) -> dict[str, Any]:
    """The clearance of the signed-in user and what the nav may offer them.

    ``clearance_denied`` is true when the page asked for is closed only
    because training or the attestation is missing: the 403 page then says
    so and what to do.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    match = getattr(request, "resolver_match", None)
    perm = getattr(getattr(match, "func", None), "required_perm", None)
    return {
        "account_clearance": clearance_of(user),
        "account_needs_clearance": bool(
            ROLE_PERMS.get(user.role, frozenset()) - UNGATED
        ),
        "clearance_denied": isinstance(perm, Perm) and blocked_by_clearance(user, perm),
        "can_manage_accounts": has_perm(user, Perm.ACCOUNTS_MANAGE),
    }


def navigation(request: HttpRequest) -> dict[str, Any]:
    """What the navigation may show the current user.

    ``nav_key`` is everything base.html's header and footer depend on
    besides the language and their slots: the account's permissions, the
    route (its links are marked current) and what its URLs are reversed
    against. The header is kept per key ({% kept %},
    core/templatetags/kept.py)."""
    user = getattr(request, "user", None)
    match = getattr(request, "resolver_match", None)
    return {
        "can_view_registry": has_perm(user, Perm.REGISTRY_VIEW),
        "can_change_registry": has_perm(user, Perm.REGISTRY_CHANGE),
        "can_view_audit": has_perm(user, Perm.AUDIT_VIEW),
        "nav_key": (
            access_key(user),
            getattr(match, "namespace", None),
            getattr(match, "url_name", None),
            route_base(request),
        ),
    }
