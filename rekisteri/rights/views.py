"""Staff pages of the data-subject rights: export download, erasure plan,
erasure with confirmation, rectification with the recipients' notices, and
the published JSON Schema of the export."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
)

from rekisteri.access import families
from rekisteri.accounts.permissions import Perm, has_perm, require
from rekisteri.core.errors import Conflict, ServiceError, ValidationFailed
from rekisteri.core.forms import apply_service_errors, message_form_errors
from rekisteri.registry import selectors as registry_selectors
from rekisteri.registry.models import Person
from rekisteri.registry.person_form import person_form_initial, require_person_form
from rekisteri.rights import erasure, exports, rectification, services
from rekisteri.rights.forms import NoticeForm, RectifyForm
from rekisteri.rights.schema import EXPORT_SCHEMA


def _person(request: HttpRequest, person_id: uuid.UUID) -> Person:
    return registry_selectors.person_get(user=request.user, person_id=person_id)


@require(Perm.PUBLIC)
@require_GET
def export_schema(request: HttpRequest) -> JsonResponse:
    """The JSON Schema every access export validates against."""
    return JsonResponse(EXPORT_SCHEMA, json_dumps_params={"indent": 2})


@require(Perm.PRIVACY_VIEW)
@require_POST
def person_export_build(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    """Build the person's export (``format``: json, html or portability) as an
    encrypted file for the staff member who asked (docs/rights.md, Stored
    exports); they download it from their list of exports."""
    person = _person(request, person_id)
    try:
        row = exports.export_file_create(
            actor=request.user, person=person, fmt=request.POST.get("format", "")
        )
    except ValidationFailed as exc:
        for problems in exc.fields.values():
            for _code, message in problems:
                messages.error(request, message)
        return redirect("registry:person_detail", person_id=person.pk)
    except Conflict as exc:
        messages.error(request, exc.message)
        return redirect("rights:person_erasure", person_id=person.pk)
    messages.success(
        request,
        _("The export is ready: download it below until %(day)s.")
        % {"day": formats.date_format(timezone.localtime(row.expires_at))},
    )
    return redirect("rights:my_exports")


@require(Perm.PRIVACY_VIEW)
@require_GET
def my_exports(request: HttpRequest) -> HttpResponse:
    """The exports this staff member built, with their download links while
    they last. No value of a person's is read: ids, formats and dates."""
    now = timezone.now()
    rows = [
        {"row": row, "available": row.available(now)}
        for row in exports.export_files_of(request.user)
    ]
    return render(
        request,
        "rights/my_exports.html",
        {"rows": rows, "days": exports.expiry_days()},
    )


@require(Perm.PRIVACY_VIEW)
@require_GET
def export_download(request: HttpRequest, export_id: uuid.UUID) -> HttpResponse:
    """The stored file, for the staff member who built it, until it expires;
    anyone else, or after the expiry, is answered as for a missing file."""
    download = exports.export_file_download(actor=request.user, export_id=export_id)
    response = HttpResponse(download.content, content_type=download.content_type)
    disposition = (
        "inline" if download.content_type.startswith("text/html") else ("attachment")
    )
    # The file name carries the person's random id only, never a name.
    response["Content-Disposition"] = f'{disposition}; filename="{download.filename}"'
    response["Cache-Control"] = "no-store"
    return response


@require(Perm.PRIVACY_VIEW)
@require_GET
def person_erasure(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    """The erasure plan (a dry run) and, for the privacy office, the form
    that executes it; after execution, the receipt."""
    person = _person(request, person_id)
    receipt = services.receipt_for(person)
    plan = erasure.erasure_plan(actor=request.user, person=person)
    for item in plan.get("items", []):
        # Staff read the data categories in their language, not field names.
        item["family_labels"] = [families.label(f) for f in item["families"]]
    return render(
        request,
        "rights/erasure.html",
        {
            "person": person,
            "plan": plan,
            "receipt": erasure.receipt_dict(receipt, already=True) if receipt else None,
            "can_execute": has_perm(request.user, Perm.PRIVACY_MANAGE),
        },
    )


@require(Perm.PRIVACY_MANAGE)
@require_POST
def person_erase(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    """Execute the erasure (the form must confirm it)."""
    person = _person(request, person_id)
    target = redirect("rights:person_erasure", person_id=person.pk)
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Confirm the erasure first."))
        return target
    try:
        receipt = erasure.erasure_execute(
            actor=request.user,
            person=person,
            reason=request.POST.get("reason", ""),
            case_ref=request.POST.get("case_ref", ""),
        )
    except (Conflict, ValidationFailed) as exc:
        if isinstance(exc, ValidationFailed):
            for problems in exc.fields.values():
                for _code, message in problems:
                    messages.error(request, message)
        else:
            messages.error(request, exc.message)
        return target
    messages.success(request, receipt["message"])
    return target


# --------------------------------------------------------------------------
# Rectification (Art. 16) and the recipients' notices (Art. 19)
# --------------------------------------------------------------------------


def _field_labels(names: list[str]) -> list[str]:
    labels = {
        "emails": _("Email addresses"),
        "phones": _("Phone numbers"),
    }
    out = []
    for name in names:
        if name in labels:
            out.append(labels[name])
            continue
        try:
            out.append(str(Person._meta.get_field(name).verbose_name))
        except Exception:
            out.append(name)
    return out


@require(Perm.REGISTRY_CHANGE)
@require_http_methods(["GET", "POST"])
def person_rectify(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    """Correct the person's data under a rectification request; the page
    lists the earlier rectifications and whom each must be told of."""
    person = _person(request, person_id)
    require_person_form(request, person)
    if request.method == "POST":
        form = RectifyForm(request.POST)
        if form.is_valid():
            try:
                record = rectification.rectify(
                    actor=request.user, person=person, **form.service_fields()
                )
            except ServiceError as exc:
                apply_service_errors(exc, form)
            else:
                count = record.notices.count()
                messages.success(
                    request,
                    _("Rectified. Recipients to be told of it: %(count)d.")
                    % {"count": count}
                    if count
                    else _("Rectified. No recipient received the corrected data."),
                )
                return redirect("rights:person_rectify", person_id=person.pk)
    else:
        initial = person_form_initial(request, person, page="rectify")
        # A request case links here with its reference (a reference, never
        # personal data); anything else in the query is ignored.
        case_ref = request.GET.get("case_ref", "")
        if services.CASE_REF.match(case_ref):
            initial["case_ref"] = case_ref
        form = RectifyForm(initial=initial)
    history = [
        {
            "record": r,
            "labels": _field_labels(r.fields),
            "notices": list(r.notices.all()),
        }
        for r in rectification.rectifications_of(person)
    ]
    return render(
        request,
        "rights/rectify.html",
        {"form": form, "person": person, "history": history},
    )


@require(Perm.PRIVACY_VIEW)
@require_GET
def notices(request: HttpRequest) -> HttpResponse:
    """The recipients still to be told of a rectification (Art. 19)."""
    rows = [
        {"row": row, "labels": _field_labels(row.fields), "form": NoticeForm()}
        for row in rectification.open_notices()
    ]
    return render(
        request,
        "rights/notices.html",
        {"rows": rows, "can_record": has_perm(request.user, Perm.PRIVACY_MANAGE)},
    )


@require(Perm.PRIVACY_MANAGE)
@require_POST
def notice_record(request: HttpRequest, notice_id: uuid.UUID) -> HttpResponse:
    """Record that a recipient was told, or that it proved impossible."""
    notice = rectification.notice_get(notice_id)
    form = NoticeForm(request.POST)
    if not form.is_valid():
        message_form_errors(request, form)
        return redirect("rights:notices")
    try:
        rectification.notice_record(
            actor=request.user, notice=notice, **form.cleaned_data
        )
    except ServiceError as exc:
        if isinstance(exc, ValidationFailed):
            for problems in exc.fields.values():
                for _code, message in problems:
                    messages.error(request, message)
        else:
            messages.error(request, exc.message)
    else:
        messages.success(request, _("Recorded."))
    return redirect("rights:notices")
