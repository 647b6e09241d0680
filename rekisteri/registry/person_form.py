"""The person form's shared rules: who may open it, what it shows first.

The register's edit page and the rights app's rectification page show the
same form; both ask here whether the user's role may view and change every
family the form shows and sends, and both fill it from the same values.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from rekisteri.access.selectors import visible_families
from rekisteri.core import formats
from rekisteri.registry import auditing
from rekisteri.registry.models import Person

PERSON_FORM_FIELDS = [f for f in auditing.PERSON_PAGE_FIELDS if f != "roles"]

_PLAIN = (
    "first_name",
    "last_name",
    "preferred_language",
    "street",
    "postal_code",
    "city",
    "country",
)


def require_person_form(request: Any, person: Person) -> None:
    """Refuse (recorded) a role that may not view and change every family
    of the form: the form shows and sends all of them."""
    needed = auditing.person_families(PERSON_FORM_FIELDS)
    allowed = visible_families(request.user) & visible_families(request.user, "change")
    if not needed <= allowed:
        auditing.record_need_to_know_denied(
            request=request, person=person, missing=needed - allowed
        )
        raise PermissionDenied


def person_form_initial(request: Any, person: Person, *, page: str) -> dict:
    """The form's first values, read and audited as a view of ``page``."""
    initial: dict[str, Any] = {name: getattr(person, name) for name in _PLAIN}
    initial["emails"] = [e.email for e in person.emails.all()]
    # Shown in the familiar national form; the service parses it back.
    initial["phones"] = [formats.format_phone(p.number) for p in person.phones.all()]
    auditing.record_person_view(
        request=request, person=person, fields=PERSON_FORM_FIELDS, page=page
    )
    return initial
