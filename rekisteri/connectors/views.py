"""Staff UI of the registry connectors: refresh from PRH, the review list."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rekisteri.accounts.permissions import Perm, require
from rekisteri.audit.services import audit_record
from rekisteri.connectors import selectors, services
from rekisteri.connectors.hooks import field_label
from rekisteri.core.errors import ServiceError
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
