"""Writes of the registry connectors: PRH refresh and import, reviews.

Keyword-only, a mandatory ``actor`` (None for scheduled jobs and the
command line), errors from ``rekisteri.core.errors`` with stable codes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from rekisteri.access.enforce import NONE, write_service
from rekisteri.audit.services import audit_record
from rekisteri.connectors.choices import ReviewStatus
from rekisteri.connectors.models import RegistryReview
from rekisteri.connectors.prh import files
from rekisteri.connectors.prh.client import PrhClient, PrhError
from rekisteri.connectors.prh.importer import (
    Failure,
    ImportReport,
    batch_start,
    import_companies,
)
from rekisteri.core import formats, keyring
from rekisteri.core.crypto.fields import Placeholder
from rekisteri.core.errors import Conflict, NotFound, ValidationFailed
from rekisteri.registry import sealing
from rekisteri.registry import services as registry
from rekisteri.registry.models import Organization

_WRITES_NO_PERSON_ROWS = (
    "company data from PRH, gated by registry.change in the views and "
    "commands; each company's organization fields pass the enforcement point "
    "in apply_company, organization_create or organization_set_from_source "
    "before anything is written (docs/connectors.md)"
)


class PrhFailed(Conflict):
    """PRH or the file could not be read; ``code`` says which way."""

    code = "prh_failed"


def _client(client: PrhClient | None) -> PrhClient:
    return client or PrhClient()


def _valid_business_id(value: str) -> str:
    try:
        return formats.normalise_business_id(value)
    except formats.FormatError as exc:
        raise ValidationFailed.single("business_id", exc.code, exc.message) from None


@write_service(subject=NONE, reason=_WRITES_NO_PERSON_ROWS)
def prh_refresh_organization(
    *, actor: Any, organization: Organization, client: PrhClient | None = None
) -> ImportReport:
    """Read the organization's company from PRH and apply it."""
    if not organization.business_id:
        raise ValidationFailed.single(
            "business_id",
            "business_id_missing",
            _("The organization has no business ID to look up."),
        )
    own = client is None
    client = _client(client)
    try:
        company = client.company(organization.business_id)
    except PrhError as exc:
        raise PrhFailed(str(exc), code=exc.code) from None
    finally:
        if own:
            client.close()
    if company is None:
        raise NotFound(_("PRH has no company with this business ID."))
    report = import_companies(
        actor=actor, companies=[company], description="PRH refresh (1)"
    )
    if report.failures:
        failure = report.failures[0]
        raise PrhFailed(
            _("PRH's data could not be used: %(reason)s") % {"reason": failure.message},
            code=failure.code,
        )
    return report


def _business_ids() -> Iterator[str]:
    """Every organization's business ID, 500 organizations at a time by
    keyset, a sole trader's opened from its sealed document
    (registry/sealing.py) in the page's key scope. Not a server-side
    cursor: the refresh may stop half-way (PRH fails), and a cursor left
    open is closed whenever its iterator is collected, which on psycopg can
    fall inside another statement of the same connection and wait on it for
    ever."""
    rows = (
        Organization.objects.filter(
            Q(business_id__isnull=False)
            | Q(sole_trader=True, sole_trader_sealed__isnull=False)
        )
        .only("pk", "sole_trader", "business_id", "sole_trader_sealed")
        .order_by("pk")
    )
    last = None
    while True:
        page = list((rows if last is None else rows.filter(pk__gt=last))[:500])
        if not page:
            return
        last = page[-1].pk
        with keyring.ensure_scope():
            found = [o.business_id for o in page]
        yield from (b for b in found if b and not isinstance(b, Placeholder))


@write_service(subject=NONE, reason=_WRITES_NO_PERSON_ROWS)
def prh_refresh(
    *,
    actor: Any,
    business_id: str | None = None,
    client: PrhClient | None = None,
    progress: Callable[[ImportReport], None] | None = None,
) -> ImportReport:
    """Refresh one organization (``business_id``) or every one that has a
    business ID. Companies PRH does not know are reported as failures."""
    if business_id is not None:
        business_id = _valid_business_id(business_id)
        if not Organization.objects.filter(
            sealing.business_id_q([business_id])
        ).exists():
            raise NotFound(_("No organization in the register has this business ID."))
        ids: Any = [business_id]
    else:
        ids = _business_ids()
    own = client is None
    client = _client(client)
    missing: list[str] = []

    def companies() -> Iterator[dict]:
        for bid in ids:
            company = client.company(bid)
            if company is None:
                missing.append(bid)
                continue
            yield company

    stream = companies()
    try:
        report = import_companies(
            actor=actor,
            companies=stream,
            description=f"PRH refresh ({business_id or 'all'})",
            progress=progress,
        )
    except PrhError as exc:
        raise PrhFailed(str(exc), code=exc.code) from None
    finally:
        # A refresh stopped part-way (PRH unavailable) leaves the business-ID
        # stream half read. Close it here, in this transaction: on PostgreSQL
        # it holds a server-side cursor, and left to the garbage collector it
        # would be closed later inside whatever transaction is open then.
        stream.close()
        if hasattr(ids, "close"):
            ids.close()
        if own:
            client.close()
    report.failures.extend(
        Failure(0, bid, "not_in_prh", "PRH has no company with this business ID.")
        for bid in missing
    )
    return report


@write_service(subject=NONE, reason=_WRITES_NO_PERSON_ROWS)
def prh_import_file(
    *,
    actor: Any,
    path: Path,
    create: bool = False,
    progress: Callable[[ImportReport], None] | None = None,
) -> ImportReport:
    """Import a saved ``/companies`` answer or the bulk file, streamed."""
    if not path.is_file():
        raise ValidationFailed.single("file", "file_missing", _("No such file."))
    batch = batch_start(actor=actor, description=f"PRH file {path.name}")
    try:
        report = import_companies(
            actor=actor,
            companies=files.iter_companies(path),
            description=batch.description,
            create=create,
            progress=progress,
            batch=batch,
        )
    except PrhError as exc:
        raise PrhFailed(str(exc), code=exc.code) from None
    if report.seen == 0:
        raise PrhFailed(_("The file holds no companies."), code="no_companies")
    return report


# --------------------------------------------------------------------------
# Reviews
# --------------------------------------------------------------------------


def _pending(review: RegistryReview) -> RegistryReview:
    locked = (
        RegistryReview.objects.select_for_update()
        .select_related("organization", "provenance__source")
        .filter(pk=review.pk)
        .first()
    )
    if locked is None:
        raise NotFound()
    if locked.status != ReviewStatus.PENDING:
        raise Conflict(_("This change was already decided."), code="review_decided")
    return locked


@write_service(subject=NONE, reason=_WRITES_NO_PERSON_ROWS)
def review_accept(*, actor: Any, review: RegistryReview) -> RegistryReview:
    """Write the registry's value (with the registry's provenance)."""
    with transaction.atomic():
        review = _pending(review)
        registry.organization_set_from_source(
            actor=actor,
            organization=review.organization,
            provenance=review.provenance,
            values={review.field: review.proposed_value},
            action="organization.registry_accept",
        )
        review.status = ReviewStatus.ACCEPTED
        review.decided_at = timezone.now()
        review.decided_by = actor if getattr(actor, "pk", None) else None
        review.save(update_fields=["status", "decided_at", "decided_by"])
        audit_record(
            actor=actor,
            action="registry_review.accept",
            target_type="organization",
            target_id=review.organization_id,
            fields=[review.field],
            details={"review": str(review.pk), "source": review.provenance.source.code},
        )
    return review


@write_service(subject=NONE, reason=_WRITES_NO_PERSON_ROWS)
def review_reject(*, actor: Any, review: RegistryReview) -> RegistryReview:
    """Keep the typed value; the same proposal is not raised again."""
    with transaction.atomic():
        review = _pending(review)
        review.status = ReviewStatus.REJECTED
        review.decided_at = timezone.now()
        review.decided_by = actor if getattr(actor, "pk", None) else None
        review.save(update_fields=["status", "decided_at", "decided_by"])
        audit_record(
            actor=actor,
            action="registry_review.reject",
            target_type="organization",
            target_id=review.organization_id,
            fields=[review.field],
            details={"review": str(review.pk), "source": review.provenance.source.code},
        )
    return review
