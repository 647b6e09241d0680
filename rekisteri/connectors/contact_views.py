"""The contact-list upload page: upload, preview (a dry run), import, report
(docs/connectors.md, The upload page).

Gated like the command: ``registry.change``. The preview and the import run
the same importer as ``manage.py registry import-contacts``; each row the
import writes passes the enforcement point in the register's services, so a
role that may not write a family of data gets row errors, not a write.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from rekisteri.accounts.permissions import Perm, require
from rekisteri.audit.services import audit_record
from rekisteri.connectors.contacts import importer, uploads
from rekisteri.connectors.forms import ContactUploadForm
from rekisteri.connectors.models import ContactMapping
from rekisteri.core.errors import ServiceError, ValidationFailed

FATE_LABELS = {
    "create": gettext_lazy("new person"),
    "update": gettext_lazy("updated"),
    "unchanged": gettext_lazy("unchanged"),
    "suppressed": gettext_lazy("suppressed"),
    "duplicate": gettext_lazy("duplicate"),
    "error": gettext_lazy("error"),
}


def _reasons(exc: ServiceError) -> list[str]:
    if isinstance(exc, ValidationFailed):
        return [str(r) for r in exc.reasons()]
    return [str(exc.message)]


def _report_context(report: importer.ContactReport) -> dict:
    summary = report.summary()
    return {
        "report": report,
        "counts": [
            (fate, str(FATE_LABELS[fate]), summary[fate]) for fate in importer.FATES
        ],
        "rows": [
            (r, str(FATE_LABELS[r.fate])) for r in report.rows if r.fate != "unchanged"
        ],
        "shown_limit": importer.REPORT_ROWS,
    }


@require(Perm.REGISTRY_CHANGE)
@require_http_methods(["GET", "POST"])
def contacts_upload(request: HttpRequest) -> HttpResponse:
    """Upload a list and see each row's fate before anything is written."""
    form = ContactUploadForm(request.POST or None, request.FILES or None)
    context: dict = {"form": form, "has_mappings": ContactMapping.objects.exists()}
    if request.method == "POST" and form.is_valid():
        mapping = form.cleaned_data["mapping"]
        token = uploads.store(
            request.session, form.cleaned_data["file"].chunks(), mapping_id=mapping.pk
        )
        try:
            with uploads.opened(request.session, token) as path:
                report = importer.import_contacts(
                    actor=request.user, path=path, mapping=mapping, dry_run=True
                )
        except ServiceError as exc:
            uploads.discard(request.session, token)
            for reason in _reasons(exc):
                form.add_error("file", reason)
            return render(request, "connectors/contacts_upload.html", context)
        audit_record(
            actor=request.user,
            action="connectors.contacts_preview",
            target_type="contact_mapping",
            target_id=mapping.pk,
            purpose="customer_relationship",
            details=report.summary(),
            request=request,
        )
        context.update(_report_context(report), token=token, mapping=mapping)
        return render(request, "connectors/contacts_preview.html", context)
    return render(request, "connectors/contacts_upload.html", context)


@require(Perm.REGISTRY_CHANGE)
@require_POST
def contacts_import(request: HttpRequest, token: str) -> HttpResponse:
    """Import the previewed list (or cancel it); show the report."""
    mapping_id = uploads.mapping_of(request.session, token)
    mapping = (
        ContactMapping.objects.select_related("source").filter(pk=mapping_id).first()
        if mapping_id
        else None
    )
    if mapping is None:
        messages.error(
            request, _("The uploaded list is no longer kept; upload it again.")
        )
        return redirect("connectors:contacts_upload")
    if request.POST.get("op") == "cancel":
        uploads.discard(request.session, token)
        messages.success(request, _("The list was not imported."))
        return redirect("connectors:contacts_upload")
    try:
        with uploads.opened(request.session, token) as path:
            if path is None:
                messages.error(
                    request, _("The uploaded list is no longer kept; upload it again.")
                )
                return redirect("connectors:contacts_upload")
            report = importer.import_contacts(
                actor=request.user, path=path, mapping=mapping
            )
    except ServiceError as exc:
        for reason in _reasons(exc):
            messages.error(request, reason)
        return redirect("connectors:contacts_upload")
    finally:
        uploads.discard(request.session, token)
    audit_record(
        actor=request.user,
        action="connectors.contacts_import",
        target_type="import_batch",
        target_id=report.batch_id,
        purpose="customer_relationship",
        details=report.summary(),
        request=request,
    )
    return render(
        request,
        "connectors/contacts_report.html",
        {**_report_context(report), "mapping": mapping},
    )
