"""The person page's privacy actions and the marketing selection.

Actions are POSTs from the person page's privacy section; each goes back to
the person page with a message. Refusals (a restriction, the need-to-know
matrix, a role that may not) are shown as messages, never as values.
"""

from __future__ import annotations

import csv
import uuid
from collections.abc import Iterator

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from rekisteri.accounts.permissions import Perm, require
from rekisteri.audit.services import audit_record
from rekisteri.core.csvsafe import safe_cell
from rekisteri.core.errors import ServiceError
from rekisteri.registry import selectors as registry_selectors
from rekisteri.registry.auditing import purpose_of
from rekisteri.registry.models import Person
from rekisteri.restrictions import selectors, services
from rekisteri.restrictions.forms import LiftForm, ObjectForm, RestrictForm

CSV_COLUMNS = {
    "name": ("first_name", "last_name"),
    "email": ("email",),
    "phone": ("phone",),
}
FAMILY_OF_COLUMN = {"name": "name", "email": "contact_email", "phone": "phone"}


def _person(request: HttpRequest, person_id: uuid.UUID) -> Person:
    return registry_selectors.person_get(user=request.user, person_id=person_id)


def _back(person: Person) -> HttpResponse:
    return redirect("registry:person_detail", person_id=person.pk)


def _refused(request: HttpRequest, exc: ServiceError) -> None:
    for reason in exc.reasons():
        messages.error(request, reason)


@require(Perm.PRIVACY_MANAGE)
@require_POST
def restrict(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    """Restrict the person's processing (privacy officer)."""
    person = _person(request, person_id)
    form = RestrictForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the ground, who asked and the reason."))
        return _back(person)
    try:
        services.restriction_place(
            actor=request.user, person=person, **form.cleaned_data
        )
    except ServiceError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("Processing of this person's data is restricted."))
    return _back(person)


@require(Perm.PRIVACY_MANAGE)
@require_POST
def lift(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    """Lift the restriction, with a reason (privacy officer)."""
    person = _person(request, person_id)
    form = LiftForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the restriction is lifted."))
        return _back(person)
    try:
        services.restriction_lift(
            actor=request.user,
            person=person,
            reason=form.cleaned_data["reason"],
            informed_how=form.cleaned_data["informed_how"],
            informed_on=form.cleaned_data["informed_on"],
        )
    except ServiceError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("The restriction is lifted."))
    return _back(person)


@require(Perm.REGISTRY_CHANGE)
@require_POST
def object_(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    """Record an objection (marketing: staff; legitimate interest: the
    privacy officer, with the balancing note)."""
    person = _person(request, person_id)
    form = ObjectForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose what the person objects to."))
        return _back(person)
    try:
        services.objection_record(
            actor=request.user, person=person, **form.cleaned_data
        )
    except ServiceError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("The objection is recorded."))
    return _back(person)


def _record(request: HttpRequest, action: str, selection) -> None:
    audit_record(
        actor=request.user,
        action=action,
        target_type="marketing_selection",
        categories=sorted(FAMILY_OF_COLUMN[c] for c in selection.columns),
        fields=[f for c in selection.columns for f in CSV_COLUMNS[c]],
        purpose=purpose_of(request.user) or "marketing",
        details={
            "count": len(selection.rows),
            "left_out": {k: selection.left_out.get(k, 0) for k in selectors.EXCLUSIONS},
        },
        request=request,
    )


@require(Perm.REGISTRY_VIEW)
@require_GET
def marketing(request: HttpRequest) -> HttpResponse:
    """Who direct marketing may reach now, and how many are left out why."""
    selection = selectors.marketing_selection(user=request.user)
    _record(request, "marketing.list", selection)
    return render(
        request,
        "restrictions/marketing.html",
        {
            "selection": selection,
            "left_out": [
                (reason, selection.left_out.get(reason, 0))
                for reason in selectors.EXCLUSIONS
            ],
        },
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


@require(Perm.REGISTRY_VIEW)
@require_GET
def marketing_csv(request: HttpRequest) -> HttpResponse:
    """The selection as CSV (audited; cells guarded against formulas)."""
    selection = selectors.marketing_selection(user=request.user)
    _record(request, "marketing.export", selection)
    header = [f for c in selection.columns for f in CSV_COLUMNS[c]]
    header += ["organization", "customer_number", "role"]

    def rows() -> Iterator[str]:
        writer = csv.writer(_Echo())
        yield writer.writerow(header)
        for row in selection.rows:
            yield writer.writerow([safe_cell(str(getattr(row, f))) for f in header])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="marketing-selection.csv"'
    response["Cache-Control"] = "no-store"
    return response
