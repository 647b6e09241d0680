"""The audit log in the UI (``Perm.AUDIT_VIEW``: privacy officer, auditor).

Reading the log is itself recorded: ``audit.view`` for the log, and for one
person's access history ``audit.subject_view`` and ``audit.export`` (CSV),
both carrying the person's id so they show up in that same history.
"""

from __future__ import annotations

import csv
import uuid
from collections.abc import Iterator

from django.apps import apps
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from rekisteri.access import families
from rekisteri.accounts.permissions import Perm, require
from rekisteri.audit.models import AuditEvent
from rekisteri.audit.services import audit_record
from rekisteri.auditlog import selectors
from rekisteri.auditlog.forms import EventFilterForm
from rekisteri.core import formats
from rekisteri.core.csvsafe import safe_cell


@require(Perm.AUDIT_VIEW)
def log(request: HttpRequest) -> HttpResponse:
    """Events newest first, filtered; denied attempts included."""
    form = EventFilterForm(request.GET or None)
    page = None
    if form.is_bound and form.is_valid():
        page = selectors.event_list(user=request.user, **form.selector_args())
        used = form.used()
    elif not form.is_bound:
        page = selectors.event_list(user=request.user)
        used = []
    if page is not None:
        audit_record(
            actor=request.user,
            action="audit.view",
            target_type="audit",
            categories=[families.ACCOUNT],
            purpose="security",
            details={"filters": used, "count": len(page.items)},
            request=request,
        )
    return render(
        request,
        "audit/log.html",
        {
            "form": form,
            "page": page,
            "filter_query": form.query_string() if form.is_bound else "",
        },
    )


def _subject(person_id: uuid.UUID) -> uuid.UUID:
    """A person with history: one that exists, or did (events remain)."""
    # A lazy model reference, as foreign keys across apps are written: the
    # log's pages sit below the registry, whose person page shows the history.
    Person = apps.get_model("registry", "Person")  # noqa: N806
    if Person.objects.filter(pk=person_id).exists():
        return person_id
    if AuditEvent.objects.filter(subject_id=person_id).exists():
        return person_id
    raise Http404


@require(Perm.AUDIT_VIEW)
def person_access(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    """Who accessed this person, when and why."""
    subject = _subject(person_id)
    before = request.GET.get("before")
    page = selectors.subject_events(
        user=request.user,
        subject_id=subject,
        before=formats.request_number(before),
    )
    audit_record(
        actor=request.user,
        action="audit.subject_view",
        target_type="person",
        target_id=subject,
        subject_id=subject,
        categories=[families.ACCOUNT],
        purpose="security",
        details={"count": len(page.items)},
        request=request,
    )
    return render(
        request,
        "audit/person_access.html",
        {"person_id": subject, "page": page},
    )


CSV_HEADER = [
    "time",
    "user",
    "action",
    "outcome",
    "data",
    "fields",
    "purpose",
    "client",
]


@require(Perm.AUDIT_VIEW)
def person_access_csv(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    """The whole access history of one person as CSV (recorded as an export)."""
    subject = _subject(person_id)
    count = selectors.subject_event_count(user=request.user, subject_id=subject)
    audit_record(
        actor=request.user,
        action="audit.export",
        target_type="person",
        target_id=subject,
        subject_id=subject,
        categories=[families.ACCOUNT],
        purpose="security",
        details={"format": "csv", "rows": count},
        request=request,
    )
    events = selectors.subject_events_iter(user=request.user, subject_id=subject)

    class Echo:
        def write(self, value: str) -> str:
            return value

    writer = csv.writer(Echo())

    def rows() -> Iterator[str]:
        yield "\ufeff" + writer.writerow(CSV_HEADER)
        for event in events:
            yield writer.writerow(
                [
                    timezone.localtime(event.at).isoformat(timespec="seconds"),
                    _safe(event.actor_label),
                    event.action,
                    event.outcome,
                    " ".join(event.categories),
                    " ".join(event.fields),
                    event.purpose,
                    event.client,
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="access-history.csv"'
    response["Cache-Control"] = "no-store"
    return response


# Defuse spreadsheet formulas in a cell (CSV injection).
_safe = safe_cell
