"""Staff pages of the privacy office's registers: the record of processing,
processors and recipients, paper records and breaches.

Reading needs PRIVACY_VIEW, writing PRIVACY_MANAGE. Views are thin: reads via
:mod:`selectors`, writes via :mod:`services` and :mod:`breaches`.
"""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from rekisteri.accounts.permissions import Perm, require
from rekisteri.audit.services import audit_record
from rekisteri.core.csvsafe import safe_cell
from rekisteri.core.errors import ServiceError
from rekisteri.core.forms import apply_service_errors, message_form_errors
from rekisteri.privacy import (
    breaches,
    ropa,
    selectors,
    services,
)
from rekisteri.privacy.forms import (
    AffectedForm,
    BreachForm,
    DestroyForm,
    ManualRecordForm,
    PartyForm,
)
from rekisteri.privacy.models import Breach, ManualRecord, Party
from rekisteri.privacy.recipients import external_recipients
from rekisteri.privacy.views import office_context
from rekisteri.privacy.vocabulary import category_label

# --------------------------------------------------------------------------
# Record of processing activities
# --------------------------------------------------------------------------


def _ropa_language(request: HttpRequest) -> str:
    language = request.GET.get("lang", "fi")
    return language if language in services.LANGUAGES else "fi"


@require(Perm.PRIVACY_VIEW)
def ropa_page(request: HttpRequest) -> HttpResponse:
    """The record of processing activities (Art. 30(1))."""
    language = _ropa_language(request)
    return render(
        request,
        "privacy/ropa.html",
        office_context(
            request,
            activities=ropa.activities(language=language),
            headers=ropa.HEADERS,
            language=language,
            languages=services.LANGUAGES,
        ),
    )


def _audit_export(request: HttpRequest, fmt: str) -> None:
    # An export leaves the system: who took the record of processing, when.
    audit_record(
        actor=request.user,
        action="ropa.export",
        target_type="privacy.RecordOfProcessing",
        purpose="accountability",
        details={"format": fmt},
        request=request,
    )


@require(Perm.PRIVACY_VIEW)
def ropa_csv(request: HttpRequest) -> HttpResponse:
    """The record of processing activities as CSV."""
    body = ropa.to_csv(ropa.activities(language=_ropa_language(request)))
    _audit_export(request, "csv")
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="ropa.csv"'
    return response


@require(Perm.PRIVACY_VIEW)
def ropa_json(request: HttpRequest) -> HttpResponse:
    """The record of processing activities as JSON."""
    body = ropa.to_json(ropa.activities(language=_ropa_language(request)))
    _audit_export(request, "json")
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="ropa.json"'
    return response


# --------------------------------------------------------------------------
# Processors and recipients
# --------------------------------------------------------------------------


@require(Perm.PRIVACY_VIEW)
def party_list(request: HttpRequest) -> HttpResponse:
    """Processors, recipients and joint controllers."""
    return render(
        request,
        "privacy/party_list.html",
        office_context(
            request,
            parties=selectors.parties(),
            contributed=[r for r in external_recipients() if r.source != "privacy"],
            today=timezone.localdate(),
        ),
    )


def _party_form(request: HttpRequest, party: Party | None) -> HttpResponse:
    if request.method == "POST":
        form = PartyForm(request.POST)
        if form.is_valid():
            try:
                if party is None:
                    services.party_create(
                        actor=request.user, data=form.cleaned_data, request=request
                    )
                else:
                    services.party_update(
                        actor=request.user,
                        party=party,
                        data=form.cleaned_data,
                        request=request,
                    )
            except ServiceError as exc:
                apply_service_errors(exc, form)
            else:
                messages.success(request, _("Saved"))
                return redirect("privacy:party_list")
    elif party is not None:
        form = PartyForm(
            initial={
                f: getattr(party, f)
                for f in (
                    "name",
                    "role",
                    "service",
                    "country",
                    "data_categories",
                    "agreement_date",
                    "guarantees",
                    "next_review_on",
                    "transfer_mechanism",
                    "is_active",
                )
            }
        )
    else:
        form = PartyForm()
    return render(
        request,
        "privacy/party_form.html",
        office_context(request, form=form, party=party),
    )


@require(Perm.PRIVACY_MANAGE)
@require_http_methods(["GET", "POST"])
def party_create(request: HttpRequest) -> HttpResponse:
    """Register a processor, recipient or joint controller."""
    return _party_form(request, None)


@require(Perm.PRIVACY_MANAGE)
@require_http_methods(["GET", "POST"])
def party_edit(request: HttpRequest, processor_id: uuid.UUID) -> HttpResponse:
    """Change a processor, recipient or joint controller."""
    party = Party.objects.filter(pk=processor_id).first()
    if party is None:
        raise Http404
    return _party_form(request, party)


# --------------------------------------------------------------------------
# Manual records
# --------------------------------------------------------------------------


@require(Perm.PRIVACY_VIEW)
def manual_record_list(request: HttpRequest) -> HttpResponse:
    """Paper material, overdue destruction first."""
    return render(
        request,
        "privacy/manual_record_list.html",
        office_context(
            request,
            records=selectors.manual_records(),
            overdue=selectors.manual_records_overdue(),
        ),
    )


def _manual_record_form(
    request: HttpRequest, record: ManualRecord | None
) -> HttpResponse:
    if request.method == "POST":
        form = ManualRecordForm(request.POST)
        if form.is_valid():
            try:
                if record is None:
                    record = services.manual_record_create(
                        actor=request.user, data=form.cleaned_data, request=request
                    )
                else:
                    record = services.manual_record_update(
                        actor=request.user,
                        record=record,
                        data=form.cleaned_data,
                        request=request,
                    )
            except ServiceError as exc:
                apply_service_errors(exc, form)
            else:
                messages.success(request, _("Saved"))
                return redirect("privacy:manual_record_detail", record_id=record.pk)
    elif record is not None:
        form = ManualRecordForm(
            initial={f: getattr(record, f) for f in services.MANUAL_RECORD_FIELDS}
        )
    else:
        form = ManualRecordForm()
    return render(
        request,
        "privacy/manual_record_form.html",
        office_context(request, form=form, record=record),
    )


@require(Perm.PRIVACY_MANAGE)
@require_http_methods(["GET", "POST"])
def manual_record_create(request: HttpRequest) -> HttpResponse:
    """Register paper material."""
    return _manual_record_form(request, None)


@require(Perm.PRIVACY_MANAGE)
@require_http_methods(["GET", "POST"])
def manual_record_edit(request: HttpRequest, record_id: uuid.UUID) -> HttpResponse:
    """Change paper material's details until it is destroyed."""
    return _manual_record_form(request, _manual_record(record_id))


def _manual_record(record_id: uuid.UUID) -> ManualRecord:
    record = ManualRecord.objects.filter(pk=record_id).first()
    if record is None:
        raise Http404
    return record


def _record_page(request: HttpRequest, record: ManualRecord, form: Any) -> HttpResponse:
    return render(
        request,
        "privacy/manual_record_detail.html",
        office_context(request, record=record, form=form),
    )


@require(Perm.PRIVACY_VIEW)
def manual_record_detail(request: HttpRequest, record_id: uuid.UUID) -> HttpResponse:
    """One piece of paper material and its destruction."""
    record = _manual_record(record_id)
    return _record_page(
        request, record, DestroyForm(initial={"destroyed_on": timezone.localdate()})
    )


@require(Perm.PRIVACY_MANAGE)
@require_POST
def manual_record_destroy(request: HttpRequest, record_id: uuid.UUID) -> HttpResponse:
    """Log the destruction: date, method and who did it."""
    record = _manual_record(record_id)
    form = DestroyForm(request.POST)
    if form.is_valid():
        try:
            services.manual_record_destroy(
                actor=request.user,
                record=record,
                destroyed_on=form.cleaned_data["destroyed_on"],
                method=form.cleaned_data["destruction_method"],
                destroyed_by=form.cleaned_data["destroyed_by"],
                request=request,
            )
        except ServiceError as exc:
            apply_service_errors(exc, form)
        else:
            messages.success(request, _("The destruction was logged."))
            return redirect("privacy:manual_record_detail", record_id=record.pk)
    return _record_page(request, record, form)


# --------------------------------------------------------------------------
# Breaches
# --------------------------------------------------------------------------


@require(Perm.PRIVACY_VIEW)
def breach_list(request: HttpRequest) -> HttpResponse:
    """The breach register with each breach's clock."""
    now = timezone.now()
    rows = [(b, breaches.clock_state(b, now)) for b in selectors.breaches()]
    return render(
        request, "privacy/breach_list.html", office_context(request, rows=rows)
    )


BREACH_FORM_FIELDS = breaches.BREACH_FIELDS


def _breach_form(request: HttpRequest, breach: Breach | None) -> HttpResponse:
    if request.method == "POST":
        form = BreachForm(request.POST)
        if form.is_valid():
            data = {k: form.cleaned_data.get(k) for k in BREACH_FORM_FIELDS}
            try:
                if breach is None:
                    breach = breaches.breach_create(
                        actor=request.user, data=data, request=request
                    )
                else:
                    breach = breaches.breach_update(
                        actor=request.user, breach=breach, data=data, request=request
                    )
            except ServiceError as exc:
                apply_service_errors(exc, form)
            else:
                messages.success(request, _("Saved"))
                return redirect("privacy:breach_detail", breach_id=breach.pk)
    elif breach is not None:
        initial = {}
        for k in BREACH_FORM_FIELDS:
            value = getattr(breach, k)
            if hasattr(value, "tzinfo") and value is not None:
                value = timezone.localtime(value)
            initial[k] = value
        form = BreachForm(initial=initial)
    else:
        form = BreachForm(initial={"discovered_at": timezone.localtime()})
    return render(
        request,
        "privacy/breach_form.html",
        office_context(request, form=form, breach=breach),
    )


@require(Perm.PRIVACY_MANAGE)
@require_http_methods(["GET", "POST"])
def breach_create(request: HttpRequest) -> HttpResponse:
    """Record a breach."""
    return _breach_form(request, None)


def _breach(breach_id: uuid.UUID) -> Breach:
    breach = Breach.objects.filter(pk=breach_id).first()
    if breach is None:
        raise Http404
    return breach


@require(Perm.PRIVACY_MANAGE)
@require_http_methods(["GET", "POST"])
def breach_edit(request: HttpRequest, breach_id: uuid.UUID) -> HttpResponse:
    """Change a breach record."""
    return _breach_form(request, _breach(breach_id))


def _notice_language() -> str:
    """The UI language as a notice language (fi, sv or en)."""
    code = (get_language() or "fi")[:2]
    return code if code in ("fi", "sv", "en") else "en"


@require(Perm.PRIVACY_VIEW)
def breach_detail(request: HttpRequest, breach_id: uuid.UUID) -> HttpResponse:
    """One breach: its clock, notifications and the people affected."""
    breach = _breach(breach_id)
    now = timezone.now()
    initial: dict[str, Any] = {}
    if breach.affected_account_id:
        initial = {
            "account": breach.affected_account_id,
            "start": timezone.localtime(breach.affected_from),
            "end": timezone.localtime(breach.affected_until),
        }
    return render(
        request,
        "privacy/breach_detail.html",
        office_context(
            request,
            breach=breach,
            state=breaches.clock_state(breach, now),
            category_names=[
                category_label(c, _notice_language()) for c in breach.data_categories
            ],
            remaining=breach.authority_deadline - now,
            affected_form=AffectedForm(initial=initial),
        ),
    )


@require(Perm.PRIVACY_MANAGE)
@require_POST
def breach_affected(request: HttpRequest, breach_id: uuid.UUID) -> HttpResponse:
    """Count the people an account touched in a window, from the audit log."""
    breach = _breach(breach_id)
    form = AffectedForm(request.POST)
    if form.is_valid():
        try:
            breach = breaches.breach_affected_compute(
                actor=request.user,
                breach=breach,
                account_id=form.cleaned_data["account"].pk,
                start=form.cleaned_data["start"],
                end=form.cleaned_data["end"],
                request=request,
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
            for errs in getattr(exc, "fields", {}).values():
                for _code, message in errs:
                    messages.error(request, message)
        else:
            messages.success(
                request,
                _("%(n)d people affected.") % {"n": breach.affected_count or 0},
            )
    else:
        message_form_errors(request, form)
    return redirect("privacy:breach_detail", breach_id=breach.pk)


@require(Perm.PRIVACY_MANAGE)
def breach_affected_csv(request: HttpRequest, breach_id: uuid.UUID) -> HttpResponse:
    """The people affected, for notifying them (each person's view audited)."""
    breach = _breach(breach_id)
    try:
        people = breaches.breach_affected_export(
            actor=request.user, breach=breach, request=request
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("privacy:breach_detail", breach_id=breach.pk)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["person_id", "name", "email", "status"])
    for p in people:
        writer.writerow(
            [
                str(p.person_id),
                safe_cell(p.name),
                safe_cell(p.email),
                "ok" if p.exists else "erased",
            ]
        )
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="breach-affected.csv"'
    response["Cache-Control"] = "no-store"
    return response
