"""The person page's "Tietosuoja" (data protection) section."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

from rekisteri.access.choices import Action
from rekisteri.access.selectors import visible_families
from rekisteri.accounts.permissions import Perm, has_perm
from rekisteri.rights import services

register = template.Library()


@register.inclusion_tag("rights/partials/person_rights.html", takes_context=True)
def person_rights(context: dict, person: Any) -> dict[str, Any]:
    """The rights actions the viewer's role may take on the person. Links
    and the export buttons only: following them runs the matrix check and
    the audit."""
    user = context["request"].user
    view = has_perm(user, Perm.PRIVACY_VIEW)
    receipt = services.receipt_for(person) if view else None
    erased = services.is_erased(person)
    can_rectify = has_perm(user, Perm.REGISTRY_CHANGE) and not erased
    return {
        "person": person,
        "visible": view or can_rectify,
        "can_rectify": can_rectify,
        "can_export": view and bool(visible_families(user, Action.EXPORT)),
        "can_plan": view and bool(visible_families(user, Action.ERASE)),
        "can_execute": has_perm(user, Perm.PRIVACY_MANAGE)
        and bool(visible_families(user, Action.ERASE)),
        "erased": erased,
        "receipt": receipt,
        # The export buttons post a form (the file is built and stored).
        "csrf_token": context.get("csrf_token"),
        "export_formats": [
            ("json", _("Build the access export (JSON)")),
            ("html", _("Build the readable access export")),
            ("portability", _("Build the portability package (ZIP)")),
        ],
    }
