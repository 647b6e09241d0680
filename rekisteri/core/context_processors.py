from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from rekisteri.accounts.permissions import Perm, has_perm


def navigation(request: HttpRequest) -> dict[str, Any]:
    """What the navigation may show the current user."""
    user = getattr(request, "user", None)
    return {
        "can_view_registry": has_perm(user, Perm.REGISTRY_VIEW),
        "can_change_registry": has_perm(user, Perm.REGISTRY_CHANGE),
        "can_view_audit": has_perm(user, Perm.AUDIT_VIEW),
    }
