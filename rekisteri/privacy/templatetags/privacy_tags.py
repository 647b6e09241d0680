"""Template tags other apps' templates use to show privacy-office facts."""

from __future__ import annotations

from typing import Any

from django import template

from rekisteri.accounts.permissions import Perm, has_perm
from rekisteri.privacy.panels import panels
from rekisteri.privacy.selectors import person_notice_version

register = template.Library()


@register.inclusion_tag("privacy/partials/person_notice_card.html", takes_context=True)
def privacy_person_notice(context: dict[str, Any], person: Any) -> dict[str, Any]:
    """The notice version in force when ``person``'s data was first collected."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return {
        "privacy_notice": person_notice_version(person),
        "can_view_privacy": has_perm(user, Perm.PRIVACY_VIEW),
    }


@register.inclusion_tag("privacy/partials/nav_link.html", takes_context=True)
def privacy_nav_link(context: dict[str, Any]) -> dict[str, Any]:
    """A link to the privacy office for those who may open it."""
    request = context.get("request")
    user = getattr(request, "user", None)
    url_name = getattr(getattr(request, "resolver_match", None), "url_name", "") or ""
    namespace = getattr(getattr(request, "resolver_match", None), "namespace", "") or ""
    return {
        "show": has_perm(user, Perm.PRIVACY_VIEW),
        "current": namespace == "privacy" and not url_name.startswith("notice_"),
    }


@register.simple_tag(takes_context=True)
def privacy_extra_nav(context: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """(title, url, current) of the panels other apps add to the office."""
    from django.utils import timezone

    request = context.get("request")
    user = getattr(request, "user", None)
    namespace = getattr(getattr(request, "resolver_match", None), "namespace", "")
    return [
        (p.title, p.url, bool(p.namespace) and namespace == p.namespace)
        for p in panels(user, timezone.localdate())
    ]
