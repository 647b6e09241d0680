"""Staff UI of the registry connectors: refresh from PRH, the review list."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rekisteri.accounts.permissions import Perm, has_perm, require
from rekisteri.audit.services import audit_record
from rekisteri.connectors import selectors, services
from rekisteri.connectors.contacts import inform
from rekisteri.connectors.hooks import field_label
from rekisteri.connectors.models import InformTask
from rekisteri.core import keyring
from rekisteri.core.errors import NotFound, ServiceError
from rekisteri.registry import selectors as registry_selectors
from rekisteri.registry.auditing import organization_families, purpose_of


@require(Perm.REGISTRY_CHANGE)
@require_POST
def prh_refresh(request: HttpRequest, organization_id: uuid.UUID) -> HttpResponse:
    """Read the company from PRH now and apply it (typed values to review)."""
    org = registry_selectors.organization_get(
        user=request.user, organization_id=organization_id
    )
    try:
        report = services.prh_refresh_organization(actor=request.user, organization=org)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        if report.reviews:
            messages.warning(
                request,
                _(
                    "Updated from PRH. %(count)d values differ from what was typed "
                    "and wait for review."
                )
                % {"count": report.reviews},
            )
        elif report.updated:
            messages.success(request, _("Updated from PRH."))
        else:
            messages.success(request, _("PRH has nothing new."))
    return redirect("registry:organization_detail", organization_id=organization_id)


@require(Perm.REGISTRY_CHANGE)
def review_list(request: HttpRequest) -> HttpResponse:
    """Values a registry proposes in place of what a person typed."""
    reviews = selectors.reviews_pending(user=request.user)
    audit_record(
        actor=request.user,
        action="registry_review.list",
        target_type="registry_review",
        categories=organization_families(sorted({r.field for r in reviews})),
        purpose=purpose_of(request.user),
        details={"count": len(reviews)},
        request=request,
    )
    return render(
        request,
        "connectors/review_list.html",
        {"reviews": [(r, field_label(r.field)) for r in reviews]},
    )


@require(Perm.REGISTRY_CHANGE)
@require_POST
def review_decide(request: HttpRequest, review_id: uuid.UUID) -> HttpResponse:
    """Accept (write the registry's value) or reject (keep the typed one)."""
    review = selectors.review_get(user=request.user, review_id=review_id)
    decision = request.POST.get("decision")
    try:
        if decision == "accept":
            services.review_accept(actor=request.user, review=review)
            messages.success(request, _("The registry's value was saved."))
        elif decision == "reject":
            services.review_reject(actor=request.user, review=review)
            messages.success(request, _("The typed value was kept."))
        else:
            messages.error(request, _("Choose accept or reject."))
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("connectors:review_list")


# --------------------------------------------------------------------------
# Art. 14 inform tasks (docs/connectors.md, Contact lists)
# --------------------------------------------------------------------------


@require(Perm.PRIVACY_VIEW)
def inform_list(request: HttpRequest) -> HttpResponse:
    """Persons whose data came from a third party and who are not yet told."""
    today = timezone.localdate()
    tasks = list(inform.open_tasks().select_related("person")[:500])
    audit_record(
        actor=request.user,
        action="connectors.inform_list",
        target_type="inform_task",
        categories=["user.name"],
        purpose="customer_relationship",
        details={"count": len(tasks)},
        request=request,
    )
    with keyring.ensure_scope():
        rows = [
            (
                t,
                f"{t.person.first_name} {t.person.last_name}".strip(),
                inform.is_overdue(t, today),
            )
            for t in tasks
        ]
    return render(
        request,
        "connectors/inform_list.html",
        {
            "rows": rows,
            "channels": [c for c in inform.CHANNELS if c != "email"],
            "can_act": has_perm(request.user, Perm.PRIVACY_MANAGE),
        },
    )


@require(Perm.PRIVACY_MANAGE)
@require_POST
def inform_act(request: HttpRequest, task_id: uuid.UUID) -> HttpResponse:
    """Send the notice by email, or record a letter or a call."""
    task = InformTask.objects.filter(pk=task_id).select_related("source").first()
    if task is None:
        raise NotFound()
    try:
        if request.POST.get("op") == "send":
            inform.inform_send(actor=request.user, task=task)
            messages.success(request, _("The notice was sent."))
        else:
            inform.inform_record(
                actor=request.user, task=task, channel=request.POST.get("channel", "")
            )
            messages.success(request, _("Recorded."))
    except ServiceError as exc:
        reasons = exc.reasons() if hasattr(exc, "reasons") else [exc.message]
        messages.error(request, " ".join(str(r) for r in reasons))
    return redirect("connectors:inform_list")
