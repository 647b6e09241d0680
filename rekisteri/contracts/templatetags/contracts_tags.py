"""Template helpers of contracts: status badges, notice periods, and the
contract sections of the organization and person pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rekisteri.accounts.permissions import Perm, has_perm
from rekisteri.contracts import selectors
from rekisteri.contracts.choices import NoticeUnit

register = template.Library()


@register.filter
def contract_status_class(status: str) -> str:
    """CSS modifier of a contract status badge."""
    return {
        "active": "badge--ok",
        "draft": "badge--info",
        "terminated": "badge--warn",
        "ended": "badge--muted",
    }.get(status, "badge--muted")


@register.filter
def notice(contract: Any) -> str:
    """ "3 months", "30 days", or "none"."""
    n = contract.notice_period
    if not n:
        return _("none")
    if contract.notice_unit == NoticeUnit.DAYS:
        return ngettext("%(n)d day", "%(n)d days", n) % {"n": n}
    return ngettext("%(n)d month", "%(n)d months", n) % {"n": n}


@register.simple_tag(takes_context=True)
def organization_contracts(context: Any, organization: Any) -> dict[str, Any]:
    """The organization page's contract section, if the user may see it."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if not has_perm(user, Perm.CONTRACTS_VIEW):
        return {"visible": False}
    contracts = selectors.organization_contracts(user=user, organization=organization)
    selectors.audit_view(
        user=user, action="contract.list", contracts=contracts, request=request
    )
    return {
        "visible": True,
        "contracts": contracts,
        "can_change": has_perm(user, Perm.CONTRACTS_CHANGE),
    }


@register.simple_tag(takes_context=True)
def person_contracts(context: Any, person: Any) -> dict[str, Any]:
    """The person page's section: contracts the person is attached to."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if not has_perm(user, Perm.CONTRACTS_VIEW):
        return {"visible": False}
    parties = selectors.person_contracts(user=user, person=person)
    selectors.audit_view(
        user=user, action="contract_party.list", parties=parties, request=request
    )
    return {"visible": True, "parties": parties}


@register.simple_tag(takes_context=True)
def contracts_nav(context: Any) -> bool:
    """Whether the main navigation shows the Contracts link."""
    request = context.get("request")
    return has_perm(getattr(request, "user", None), Perm.CONTRACTS_VIEW)
