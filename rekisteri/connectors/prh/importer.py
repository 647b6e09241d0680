"""Applying PRH company data to the register.

Each company is applied in its own transaction: a company that fails
(unusable JSON, a value the register's validation refuses) is rolled back
whole and reported with its position and a stable code; the others go on.

- An organization is matched by business ID. Unknown companies are created
  (as prospects) only when asked (``create=True``).
- Registry-only fields (company form, main business line, situation, names
  history, …) are always written. A field a person can type (name,
  addresses) is written when it is empty or was set by PRH before; when a
  person typed it, a differing PRH value becomes a :class:`RegistryReview`
  instead (unless the same proposal was already rejected).
- Every value written points at a provenance record: source PRH, when it
  was fetched, PRH's ``lastModified`` and the import batch.
- A company whose values are all already in the register writes nothing:
  importing the same file twice adds nothing the second time.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from rekisteri.access.enforce import NONE, authorize_write, write_service
from rekisteri.audit.services import audit_record
from rekisteri.audit.services import batch as audit_batch
from rekisteri.connectors.choices import ReviewStatus
from rekisteri.connectors.models import RegistryReview
from rekisteri.connectors.prh.mapping import (
    CompanyValues,
    MappingError,
    business_id_of,
    map_company,
)
from rekisteri.core import gcpause
from rekisteri.core.errors import ServiceError, ValidationFailed
from rekisteri.core.idlist import among
from rekisteri.registry import auditing, sealing
from rekisteri.registry import services as registry
from rekisteri.registry.choices import OrganizationStatus
from rekisteri.registry.models import (
    ImportBatch,
    Organization,
    OrganizationValueSource,
    Provenance,
)

_WRITES_NO_PERSON_ROWS = (
    "company data from PRH, gated by registry.change in the views and "
    "commands; each company's organization fields pass the enforcement point "
    "in apply_company, organization_create or organization_set_from_source "
    "before anything is written (docs/connectors.md)"
)

SOURCE = "prh"
# Fields a person may also type: PRH never silently replaces a typed value.
TYPED_FIELDS = (
    "name",
    *(
        f"{prefix}_{name}"
        for prefix in ("visiting", "postal")
        for name in ("street", "postal_code", "city", "country")
    ),
)


@dataclass
class Failure:
    position: int
    business_id: str
    code: str
    message: str


@dataclass
class ImportReport:
    batch: ImportBatch | None = None
    seen: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    not_in_register: int = 0
    reviews: int = 0
    flagged: int = 0
    failures: list[Failure] = field(default_factory=list)
    unknown_keys: Counter = field(default_factory=Counter)

    @property
    def failed(self) -> int:
        return len(self.failures)

    def counts(self) -> dict[str, int]:
        return {
            "seen": self.seen,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "not_in_register": self.not_in_register,
            "reviews": self.reviews,
            "flagged": self.flagged,
            "failed": self.failed,
        }


@write_service(subject=NONE, reason=_WRITES_NO_PERSON_ROWS)
def batch_start(*, actor: Any, description: str) -> ImportBatch:
    return ImportBatch.objects.create(
        source=registry.data_source_get(SOURCE),
        description=description[:200],
        created_by=actor if getattr(actor, "pk", None) else None,
    )


def _is_typed(org: Organization, name: str, sources: dict[str, Provenance]) -> bool:
    """Whether a person set the field's current value."""
    value = getattr(org, name)
    if value in ("", None):
        return False
    if name.endswith("_country"):
        # The country defaults to FI; it only counts as typed with a street.
        prefix = name.removesuffix("_country")
        if value == "FI" or not getattr(org, f"{prefix}_street"):
            return False
    prov = sources.get(name) or org.provenance
    return prov is None or prov.source.code != SOURCE


def _provenance(
    *, actor: Any, mapped: CompanyValues, batch: ImportBatch, fetched_at: dt.datetime
) -> Provenance:
    return registry.provenance_record(
        actor=actor,
        source=batch.source,
        obtained_at=fetched_at,
        import_batch=batch,
        source_modified_at=mapped.last_modified,
    )


def _create(
    *, actor: Any, mapped: CompanyValues, batch: ImportBatch, fetched_at: dt.datetime
) -> Organization:
    prov = _provenance(actor=actor, mapped=mapped, batch=batch, fetched_at=fetched_at)
    values = mapped.values
    address = {
        k: values[k] for k in TYPED_FIELDS if k != "name" and k in values and values[k]
    }
    org = registry.organization_create(
        actor=actor,
        name=values["name"],
        business_id=mapped.business_id,
        status=OrganizationStatus.PROSPECT,
        sole_trader=mapped.sole_trader,
        provenance=prov,
        **address,
    )
    registry.organization_set_from_source(
        actor=actor,
        organization=org,
        provenance=prov,
        values={k: v for k, v in values.items() if k in registry.ORG_REGISTRY_FIELDS},
    )
    registry.value_sources_record(
        organization=org,
        fields=[
            "name",
            "business_id",
            "vat_number",
            *address,
            *(["sole_trader"] if mapped.sole_trader else []),
        ],
        provenance=prov,
    )
    return org


@dataclass
class Known:
    """What the register holds for a chunk of companies, read in three
    queries instead of three per company."""

    orgs: dict[str, Organization]
    sources: dict[Any, dict[str, Provenance]]
    proposed: set[tuple[Any, str, str]]
    # (organization, field) with a review waiting: a new proposal
    # supersedes it.
    pending: set[tuple[Any, str]]

    @classmethod
    def lookup(cls, business_ids: Iterable[str]) -> Known:
        orgs = {
            o.business_id: o
            for o in Organization.objects.select_related("provenance__source").filter(
                # The chunk's 500 business IDs as one parameter (core/idlist.py),
                # by their keyed digests: a sole trader's own is sealed
                # (registry/sealing.py).
                among(
                    sealing.DIGEST,
                    [sealing.digest(b) for b in business_ids if b],
                    text=True,
                )
            )
        }
        ids = [o.pk for o in orgs.values()]
        sources: dict[Any, dict[str, Provenance]] = {}
        for row in OrganizationValueSource.objects.filter(
            among("organization_id", ids)
        ).select_related("provenance__source"):
            sources.setdefault(row.organization_id, {})[row.field] = row.provenance
        # Instances, not values: a sole trader's proposed value is sealed
        # and opens through the field (registry/sealing.py).
        reviews = RegistryReview.objects.filter(
            among("organization_id", ids),
            status__in=(ReviewStatus.PENDING, ReviewStatus.REJECTED),
        ).only(
            "organization_id",
            "field",
            "proposed_value",
            "status",
            "sole_trader",
            "sole_trader_sealed",
        )
        proposed, pending = set(), set()
        for review in reviews:
            oid, name = review.organization_id, review.field
            proposed.add((oid, name, review.proposed_value))
            if review.status == ReviewStatus.PENDING:
                pending.add((oid, name))
        return cls(orgs, sources, proposed, pending)


def plan(
    org: Organization, mapped: CompanyValues, known: Known
) -> tuple[dict[str, Any], list[tuple[str, str, str]]]:
    """The values to write straight away, and the proposals for review."""
    sources = known.sources.get(org.pk, {})
    direct: dict[str, Any] = {}
    proposals: list[tuple[str, str, str]] = []
    for name, value in mapped.values.items():
        current = getattr(org, name)
        if current == value:
            continue
        if name in TYPED_FIELDS:
            if value in ("", None):
                continue  # PRH has nothing: a typed value is never cleared
            if _is_typed(org, name, sources):
                if (org.pk, name, value) not in known.proposed:
                    proposals.append((name, str(current), str(value)))
                continue
        direct[name] = value
    if mapped.sole_trader and not org.sole_trader:
        direct["sole_trader"] = True
    return direct, proposals


@write_service(subject=NONE, reason=_WRITES_NO_PERSON_ROWS)
def apply_company(
    *,
    actor: Any,
    mapped: CompanyValues,
    batch: ImportBatch,
    create: bool,
    fetched_at: dt.datetime,
    report: ImportReport,
    known: Known | None = None,
) -> Organization | None:
    """Apply one company (inside the caller's transaction)."""
    known = known or Known.lookup([mapped.business_id])
    org = known.orgs.get(mapped.business_id)
    if org is None:
        if not create:
            report.not_in_register += 1
            return None
        org = _create(actor=actor, mapped=mapped, batch=batch, fetched_at=fetched_at)
        known.orgs[mapped.business_id] = org
        report.created += 1
        return org
    direct, proposals = plan(org, mapped, known)
    if not direct and not proposals:
        Organization.objects.filter(pk=org.pk).update(
            registry_checked_at=timezone.now()
        )
        report.unchanged += 1
        return org
    # Nothing is written, provenance included, before the enforcement point
    # allows the fields this company's values and proposals touch (a sole
    # trader's are personal data).
    authorize_write(
        actor=actor,
        families=auditing.organization_families(
            [*direct, *(name for name, _current, _proposed in proposals)]
        ),
        operation="organization.registry_update",
    )
    prov = _provenance(actor=actor, mapped=mapped, batch=batch, fetched_at=fetched_at)
    if direct:
        registry.organization_set_from_source(
            actor=actor, organization=org, provenance=prov, values=direct
        )
    for name, current, proposed in proposals:
        if (org.pk, name) in known.pending:
            RegistryReview.objects.filter(
                organization=org, field=name, status=ReviewStatus.PENDING
            ).update(status=ReviewStatus.SUPERSEDED, decided_at=timezone.now())
        RegistryReview.objects.create(
            organization=org,
            field=name,
            sole_trader=org.sole_trader,
            current_value=current,
            proposed_value=proposed,
            provenance=prov,
        )
        known.proposed.add((org.pk, name, proposed))
        known.pending.add((org.pk, name))
        report.reviews += 1
    report.updated += 1
    return org


# Companies read ahead and matched against the register together.
CHUNK = 500


def _take(iterator: Iterator[Any], count: int) -> tuple[list[Any], Exception | None]:
    """Up to ``count`` items, and the error that stopped the source early
    (applied after the items already read, so nothing read is lost)."""
    items: list[Any] = []
    try:
        for _ in range(count):
            items.append(next(iterator))
    except StopIteration:
        pass
    except Exception as exc:  # the source failed: the caller re-raises it
        return items, exc
    return items, None


@write_service(subject=NONE, reason=_WRITES_NO_PERSON_ROWS)
def import_companies(
    *,
    actor: Any,
    companies: Iterable[Any],
    description: str,
    create: bool = False,
    fetched_at: dt.datetime | None = None,
    progress: Callable[[ImportReport], None] | None = None,
    batch: ImportBatch | None = None,
) -> ImportReport:
    """Apply every company; one transaction per company; a report back.

    Companies are read :data:`CHUNK` at a time and matched against the
    register in three queries; unknown companies (without ``create``) and
    unchanged ones cost no write but one ``registry_checked_at`` update per
    chunk. A failure of the source itself (the file breaks off, the API
    gives up) raises after the companies read before it are applied and the
    batch is closed: what was applied stays, each company whole.
    """
    fetched_at = fetched_at or timezone.now()
    report = ImportReport(
        batch=batch or batch_start(actor=actor, description=description)
    )
    iterator = iter(companies)
    try:
        while True:
            # Parsing a chunk makes thousands of dicts and lists, and none
            # is part of a reference cycle: the cyclic collector that those
            # allocations trigger would walk the whole process's heap for
            # nothing (core/gcpause.py); it runs again between chunks.
            with gcpause.paused():
                items, error = _take(iterator, CHUNK)
                _apply_chunk(
                    actor=actor,
                    items=items,
                    create=create,
                    fetched_at=fetched_at,
                    report=report,
                )
            if progress is not None and items:
                progress(report)
            if error is not None:
                raise error
            if len(items) < CHUNK:
                break
    finally:
        _finish(actor=actor, report=report)
    return report


def _apply_chunk(
    *,
    actor: Any,
    items: list[Any],
    create: bool,
    fetched_at: dt.datetime,
    report: ImportReport,
) -> None:
    # The business ID first: a company that is not in the register (most of
    # the bulk file) is matched and passed over without being mapped.
    identified: list[tuple[int, str, Any]] = []
    for company in items:
        report.seen += 1
        try:
            identified.append((report.seen, business_id_of(company), company))
        except MappingError as exc:
            report.failures.append(Failure(report.seen, "", exc.code, exc.message))
    known = Known.lookup(bid for _p, bid, _c in identified)
    mapped_items: list[tuple[int, CompanyValues]] = []
    for position, bid, company in identified:
        if bid not in known.orgs and not create:
            report.not_in_register += 1
            continue
        try:
            mapped = map_company(company)
        except MappingError as exc:
            report.failures.append(Failure(position, bid, exc.code, exc.message))
            continue
        report.unknown_keys.update(mapped.unknown_keys)
        mapped_items.append((position, mapped))
    # The chunk's companies in one transaction, each in a savepoint of its
    # own (a company that fails is rolled back whole, the others go on):
    # their audit events are appended to the chain together and the
    # retention dates of their organizations recomputed once, when it
    # commits (docs/connectors.md, Three ways in).
    with audit_batch():
        unchanged = []
        for position, mapped in mapped_items:
            org = known.orgs.get(mapped.business_id)
            if org is not None and plan(org, mapped, known) == ({}, []):
                unchanged.append(org.pk)
                report.unchanged += 1
                report.flagged += org.is_flagged
                continue
            try:
                with transaction.atomic():
                    org = apply_company(
                        actor=actor,
                        mapped=mapped,
                        batch=report.batch,
                        create=create,
                        fetched_at=fetched_at,
                        report=report,
                        known=known,
                    )
                if org is not None and org.is_flagged:
                    report.flagged += 1
            except ValidationFailed as exc:
                codes = sorted(
                    {f"{f}:{c}" for f, errs in exc.fields.items() for c, _m in errs}
                )
                report.failures.append(
                    Failure(
                        position, mapped.business_id, "invalid_value", ", ".join(codes)
                    )
                )
            except ServiceError as exc:
                report.failures.append(
                    Failure(position, mapped.business_id, exc.code, exc.message)
                )
        if unchanged:
            Organization.objects.filter(among("pk", unchanged)).update(
                registry_checked_at=timezone.now()
            )


def _finish(*, actor: Any, report: ImportReport) -> None:
    batch = report.batch
    batch.finished_at = timezone.now()
    batch.row_count = report.seen
    batch.save(update_fields=["finished_at", "row_count"])
    audit_record(
        actor=actor,
        action="prh.import",
        target_type="import_batch",
        target_id=batch.pk,
        details={
            **report.counts(),
            "failures": [f"{f.position}:{f.code}" for f in report.failures[:50]],
        },
    )
