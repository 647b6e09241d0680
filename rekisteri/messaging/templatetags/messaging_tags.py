"""Template helpers of the message history."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

from rekisteri.accounts.permissions import Perm, has_perm

register = template.Library()


@register.simple_tag(takes_context=True)
def messaging_perms(context: Any) -> dict[str, bool]:
    """What the current user may do with messages (for included partials)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return {
        "view": has_perm(user, Perm.MESSAGES_VIEW),
        "change": has_perm(user, Perm.MESSAGES_CHANGE),
    }


@register.filter
def filesize(n: int | None) -> str:
    """Bytes in words (kB/MB), for attachment lists."""
    n = int(n or 0)
    if n < 1024:
        return _("%(n)s B") % {"n": n}
    if n < 1024 * 1024:
        return _("%(n)s kB") % {"n": round(n / 1024)}
    return _("%(n)s MB") % {"n": f"{n / (1024 * 1024):.1f}"}


@register.filter
def participant_label(participant: Any) -> str:
    """The participant's name and address, or the matched person's name."""
    name = str(participant.display_name or "")
    address = str(participant.address or "")
    if participant.person_id and not (name or address):
        return participant.person.full_name
    if name and address:
        return f"{name} <{address}>"
    return name or address
