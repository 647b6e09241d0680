"""Reads of the registry connectors; each takes the user."""

from __future__ import annotations

from typing import Any

from rekisteri.accounts.permissions import Perm, has_perm
from rekisteri.connectors.choices import ReviewStatus
from rekisteri.connectors.models import RegistryReview
from rekisteri.core.errors import NotFound
from rekisteri.registry import selectors as registry_selectors
from rekisteri.registry.models import Organization


def _require_change(user: Any) -> None:
    if not has_perm(user, Perm.REGISTRY_CHANGE):
        raise NotFound()


def reviews_pending(*, user: Any, limit: int = 200) -> list[RegistryReview]:
    """Pending proposals, oldest first, for organizations the user may see."""
    _require_change(user)
    visible = registry_selectors.organization_queryset(user).values("pk")
    return list(
        RegistryReview.objects.filter(
            status=ReviewStatus.PENDING, organization__in=visible
        )
        .select_related(
            "organization", "provenance__source", "provenance__import_batch"
        )
        .order_by("created_at", "id")[:limit]
    )


def review_get(*, user: Any, review_id: Any) -> RegistryReview:
    _require_change(user)
    visible = registry_selectors.organization_queryset(user).values("pk")
    review = (
        RegistryReview.objects.filter(pk=review_id, organization__in=visible)
        .select_related("organization", "provenance__source")
        .first()
    )
    if review is None:
        raise NotFound()
    return review


def organization_reviews(
    *, user: Any, organization: Organization
) -> list[RegistryReview]:
    """Pending proposals for one organization the caller already read."""
    if not has_perm(user, Perm.REGISTRY_VIEW):
        raise NotFound()
    return list(
        RegistryReview.objects.filter(
            organization=organization, status=ReviewStatus.PENDING
        ).select_related("provenance__source")
    )
