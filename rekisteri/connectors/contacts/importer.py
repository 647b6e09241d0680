"""Importing a third-party contact list (docs/connectors.md, Contact lists).

Each row is read through the saved mapping, cleaned with the register's own
validators, matched (organizations by business ID; persons by email, then
phone, through the blind index) and given a *fate*:

- ``create``: a new person (and, when needed, their organization) with the
  mapping's role;
- ``update``: a matched person gets only what they lack (an email, a phone,
  an address, a role at the organization); a differing name or address is
  reported, never overwritten;
- ``unchanged``: matched, nothing to add (a re-imported file ends here);
- ``suppressed``: an address on the suppression list (Art. 21(3)); nothing
  is written;
- ``duplicate``: the same address earlier in the same file;
- ``error``: the row's reasons, with its row number.

A dry run computes the same fates and writes nothing. A real run writes a
batch's new persons together, in one transaction, through the register's
bulk write service (registry/bulk.py: the enforcement point, provenance
with the source and the import batch, the audit events); when the batch is
refused as a whole, its rows are written one at a time, each in its own
transaction through the single services, so each failing row gets its own
reason. Matched rows that gain something are written one at a time. A
failing row leaves nothing half-written and the rows before it stay. Every
person whose data came from the list gets an Art. 14 inform task
(:mod:`rekisteri.connectors.contacts.inform`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rekisteri.access.enforce import NONE, write_service
from rekisteri.audit.services import audit_record
from rekisteri.audit.services import batch as audit_batch
from rekisteri.connectors.contacts import inform, rows
from rekisteri.connectors.contacts.reader import ENCODINGS, ContactFile, open_contacts
from rekisteri.connectors.contacts.rows import FIELDS, Cleaned
from rekisteri.connectors.contacts.seen import SeenAddresses
from rekisteri.connectors.models import ContactMapping
from rekisteri.core import formats, gcpause, keyring
from rekisteri.core.bulkload import GrowingTables, sqlite_bulk_settings
from rekisteri.core.errors import FieldErrors, ServiceError, ValidationFailed
from rekisteri.core.models import BlindIndex
from rekisteri.registry import bulk, sealing
from rekisteri.registry import services as registry
from rekisteri.registry.choices import RoleKind
from rekisteri.registry.models import (
    DataSource,
    ImportBatch,
    Organization,
    Person,
    Role,
)

REQUIRED = ("last_name", "business_id")
ADDRESS = ("street", "postal_code", "city")
FATES = ("create", "update", "unchanged", "suppressed", "duplicate", "error")
# Reports keep this many row outcomes; the counts cover every row.
REPORT_ROWS = 1000
# Persons in the register before the import first analyzes the tables it
# grows (PostgreSQL, core/bulkload.py): about 70,000 blind-index rows.
STATISTICS_FIRST = 5_000
# Rows matched and written together (docs/connectors.md, Speed).
BATCH = 2500

__all__ = ["FIELDS", "ContactImporter", "import_contacts", "mapping_save"]


@dataclass
class RowOutcome:
    number: int
    fate: str
    reasons: list[str] = field(default_factory=list)
    person_id: Any = None


@dataclass
class ContactReport:
    dry_run: bool
    encoding: str = ""
    notes: list[str] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)
    rows: list[RowOutcome] = field(default_factory=list)
    inform_tasks: int = 0
    organizations_created: int = 0
    batch_id: Any = None

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def add(self, outcome: RowOutcome) -> None:
        self.counts[outcome.fate] += 1
        if len(self.rows) < REPORT_ROWS:
            self.rows.append(outcome)

    def summary(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "rows": self.total,
            **{fate: self.counts.get(fate, 0) for fate in FATES},
            "inform_tasks": self.inform_tasks,
            "organizations_created": self.organizations_created,
        }


# --------------------------------------------------------------------------
# Mappings
# --------------------------------------------------------------------------


def check_mapping(columns: dict[str, str], headers: list[str] | None = None) -> None:
    """Refuse a mapping that names an unknown field, leaves a required one
    out, or (given the file's headers) names a column the file lacks."""
    errors: list[str] = []
    unknown = sorted(set(columns) - set(FIELDS))
    if unknown:
        errors.append(_("Unknown fields: %(fields)s.") % {"fields": ", ".join(unknown)})
    missing = [f for f in REQUIRED if not columns.get(f)]
    if missing:
        errors.append(
            _("These fields must be mapped: %(fields)s.")
            % {"fields": ", ".join(str(FIELDS[f]) for f in missing)}
        )
    if not (columns.get("email") or columns.get("phone")):
        errors.append(_("Map an email or a phone column to match persons by."))
    if headers is not None:
        present = {h.casefold() for h in headers}
        absent = sorted(
            {h for h in columns.values() if h and h.casefold() not in present}
        )
        if absent:
            errors.append(
                _("The file has no column named %(columns)s.")
                % {"columns": ", ".join(absent)}
            )
    if errors:
        raise ValidationFailed.single("mapping", "invalid_mapping", " ".join(errors))


_MAPPING_NO_PERSON_DATA = (
    "a vendor's column layout: no personal data; the command line and the "
    "import page are gated by registry.change (docs/connectors.md)"
)
_ROWS_AUTHORIZE_THEMSELVES = (
    "each row is written through the register's services (person_create, "
    "person_update, role_create, organization_create), which pass the "
    "enforcement point before they write; a refused row is reported as an "
    "error and nothing of it is written"
)


@write_service(subject=NONE, reason=_MAPPING_NO_PERSON_DATA)
def mapping_save(
    *,
    actor: Any,
    name: str,
    source: str,
    columns: dict[str, str],
    encoding: str = "auto",
    role_kind: str = RoleKind.CONTACT,
) -> ContactMapping:
    """Create or replace the mapping called ``name``."""
    errors = FieldErrors()
    slug = (name or "").strip()
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,39}", slug):
        errors.add(
            "name",
            "invalid",
            _("Lowercase letters, digits, - and _ only, at most 40."),
        )
    # The built-in sources are recreated on demand (a database emptied by
    # hand still knows them).
    data_source = registry.data_source_get(source)
    if data_source is None or not data_source.is_active:
        errors.add("source", "source_unknown", _("Unknown data source."))
    if encoding not in ENCODINGS:
        errors.add("encoding", "invalid_choice", _("Unknown encoding."))
    if role_kind not in RoleKind.values:
        errors.add("role_kind", "invalid_choice", _("Unknown role."))
    clean_columns = {
        str(k).strip(): str(v).strip() for k, v in (columns or {}).items() if v
    }
    try:
        check_mapping(clean_columns)
    except ValidationFailed as exc:
        errors.add("columns", "invalid_mapping", " ".join(exc.reasons()))
    errors.raise_if_any()
    with transaction.atomic():
        mapping, _created = ContactMapping.objects.update_or_create(
            name=slug,
            defaults=dict(
                source=data_source,
                columns=clean_columns,
                encoding=encoding,
                role_kind=role_kind,
            ),
        )
        audit_record(
            actor=actor,
            action="connectors.mapping_save",
            target_type="contact_mapping",
            target_id=mapping.pk,
            purpose="customer_relationship",
            details={"source": source, "fields": sorted(clean_columns)},
        )
    return mapping


# --------------------------------------------------------------------------
# Rows
# --------------------------------------------------------------------------


def _cells(
    columns: dict[str, str], headers: dict[str, str]
) -> list[tuple[str, str | None]]:
    """Each register field and the file's header it is read from (None for
    a field the mapping leaves out), found once per file."""
    return [
        (name, headers.get(h.casefold(), h) if (h := columns.get(name)) else None)
        for name in FIELDS
    ]


class ContactImporter:
    """One run over one file with one mapping, :data:`BATCH` rows at a time."""

    def __init__(
        self,
        *,
        actor: Any,
        mapping: ContactMapping,
        dry_run: bool,
        progress: Callable[[int], None] | None = None,
        row_by_row: bool = False,
    ) -> None:
        self.actor = actor
        # New persons through the single services, one transaction each
        # (the bulk path's fallback; the benchmark's baseline).
        self.row_by_row = row_by_row
        self.mapping = mapping
        self.source: DataSource = mapping.source
        self.dry_run = dry_run
        self.progress = progress
        self.report = ContactReport(dry_run=dry_run)
        self.seen = SeenAddresses()
        self.batch: ImportBatch | None = None
        self.today = timezone.localdate()
        # The batch's organizations by business ID (read per batch, so
        # memory does not grow with the file).
        self._orgs: dict[str, Organization] = {}
        # The tables each batch looks up, analyzed on PostgreSQL as the
        # import grows them (core/bulkload.py).
        self.statistics: GrowingTables | None = None

    # -- a batch of rows ----------------------------------------------------

    def _prepare(
        self, items: list[tuple[int, dict[str, str]]], outcomes: dict[int, RowOutcome]
    ) -> list[tuple[int, Cleaned]]:
        """Clean the rows and check each against the earlier rows of the
        file; the outcome of each row that ends here."""
        cleaned: list[tuple[int, Cleaned, list[int]]] = []
        for number, raw in items:
            reasons: list[str] = []
            if "\x00extra" in raw:
                reasons.append(_("The row has more cells than the header."))
            c = rows.clean(raw, reasons)
            if reasons:
                outcomes[number] = RowOutcome(number, "error", reasons)
                continue
            keys_of_row = [
                self.seen.digest(kind, value)
                for kind, value in (("email", c.email), ("phone", c.phone))
                if value
            ]
            cleaned.append((number, c, keys_of_row))
        # The earlier batches' addresses in one lookup, the batch's own in
        # order, row by row.
        before = self.seen.earlier([k for _n, _c, keys in cleaned for k in keys])
        pending: list[tuple[int, Cleaned]] = []
        for number, c, keys_of_row in cleaned:
            if any(k in before or self.seen.in_batch(k) for k in keys_of_row):
                outcomes[number] = RowOutcome(
                    number, "duplicate", [_("The same address is on an earlier row.")]
                )
                continue
            self.seen.update(keys_of_row)
            pending.append((number, c))
        return pending

    def _run_batch(self, items: list[tuple[int, dict[str, str]]]) -> None:
        # A batch allocates tens of thousands of short-lived containers (rows,
        # instances, parameters) and makes no reference cycles: the cyclic
        # collector, triggered by those allocations, would walk the whole
        # process's heap again and again for nothing (core/gcpause.py). It
        # runs again between batches, so memory stays flat.
        with gcpause.paused(), formats.memo():
            self._batch(items)
        self.seen.flush()
        if self.statistics is not None:
            # Persons lead: the blind index and the roles grow with them.
            self.statistics.loaded(self.report.counts.get("create", 0))

    def _batch(self, items: list[tuple[int, dict[str, str]]]) -> None:
        outcomes: dict[int, RowOutcome] = {}
        pending = self._prepare(items, outcomes)
        # One key scope per batch: the matched persons' keys are read with
        # one query, the new persons' keys made with one insert, and none
        # outlive the batch.
        with keyring.ensure_scope():
            if pending:
                self._decide(pending, outcomes)
        # The batch's companies are read again by the next batch that names
        # them: held until then, they were a second batch's worth of heap.
        self._orgs = {}
        for number, _raw in items:
            self.report.add(outcomes[number])
        if self.progress:
            self.progress(self.report.total)

    def _decide(
        self, pending: list[tuple[int, Cleaned]], outcomes: dict[int, RowOutcome]
    ) -> None:
        kind = self.mapping.role_kind
        found = rows.Matches.lookup([c for _n, c in pending], kind)
        self._orgs = dict(found.organizations)
        creates: list[tuple[int, Cleaned]] = []
        unnamed: list[tuple[int, Cleaned, bool]] = []
        for number, c in pending:
            if found.is_suppressed(c):
                outcomes[number] = RowOutcome(
                    number,
                    "suppressed",
                    [
                        _(
                            "The address is on the suppression list; "
                            "the row was left out."
                        )
                    ],
                )
                continue
            owners = found.owners(c)
            if len(owners) > 1:
                outcomes[number] = RowOutcome(
                    number,
                    "error",
                    [_("Several persons in the register match this row.")],
                )
                continue
            org = self._orgs.get(c.business_id)
            if org is None and not c.organization_name:
                # Fine if a row of this batch that creates it names it.
                unnamed.append((number, c, bool(owners)))
                continue
            if not owners:
                creates.append((number, c))
                continue
            person = found.persons[next(iter(owners))]
            plan = rows.plan_update(
                person, c, has_role=found.has_role(person, org, kind)
            )
            outcomes[number] = self._matched(number, person, c, plan)
        named = {c.business_id: c.organization_name for _n, c in creates}
        for number, c, matched in unnamed:
            if named.get(c.business_id) and not matched:
                c.organization_name = named[c.business_id]
                creates.append((number, c))
            else:
                outcomes[number] = RowOutcome(
                    number,
                    "error",
                    [
                        _(
                            "The organization is not in the register "
                            "and the row names none."
                        )
                    ],
                )
        creates.sort(key=lambda item: item[0])
        if not creates:
            return
        if self.dry_run:
            for number, _c in creates:
                outcomes[number] = RowOutcome(number, "create")
            return
        if not self.row_by_row:
            try:
                self._create_many(creates, outcomes)
                return
            except (ServiceError, IntegrityError):
                # Row by row, each with its own reason (the enforcement
                # point refused the batch, or a parallel write took an
                # address).
                self._orgs = {
                    c.business_id: o
                    for c in (c for _n, c in creates)
                    if (o := self._lookup_org(c.business_id)) is not None
                }
        for number, c in creates:
            try:
                person = self._create(c)
            except ServiceError as exc:
                outcomes[number] = RowOutcome(number, "error", [_service_reason(exc)])
            else:
                outcomes[number] = RowOutcome(number, "create", [], person.pk)

    def _matched(
        self, number: int, person: Person, c: Cleaned, plan: rows.Plan
    ) -> RowOutcome:
        notes = (
            [
                _("Differs from the register, not changed: %(fields)s.")
                % {"fields": ", ".join(plan.differs)}
            ]
            if plan.differs
            else []
        )
        if not plan.writes:
            return RowOutcome(number, "unchanged", notes, person.pk)
        if not self.dry_run:
            try:
                self._update(person, c, plan)
            except ServiceError as exc:
                return RowOutcome(number, "error", [_service_reason(exc)])
        return RowOutcome(number, "update", notes, person.pk)

    def _create_many(
        self, creates: list[tuple[int, Cleaned]], outcomes: dict[int, RowOutcome]
    ) -> None:
        """The batch's new persons in one transaction through the registry's
        bulk service (with the new organizations they name: an organization
        is made only with one of its persons), the inform tasks in one
        insert."""
        new_orgs: dict[str, bulk.NewOrganization] = {}
        # One transaction whose audit events (the organizations', the
        # persons') are appended to the chain together when it ends.
        with audit_batch():
            contacts = []
            for _number, c in creates:
                org = self._orgs.get(c.business_id)
                if org is None:
                    org = new_orgs.get(c.business_id)
                    if org is None:
                        org = new_orgs[c.business_id] = bulk.NewOrganization(
                            name=c.organization_name, business_id=c.business_id
                        )
                contacts.append(
                    bulk.NewContact(
                        first_name=c.first_name,
                        last_name=c.last_name,
                        preferred_language=c.language,
                        email=c.email,
                        phone=c.phone,
                        street=c.street,
                        postal_code=c.postal_code,
                        city=c.city,
                        organization=org,
                        role_kind=self.mapping.role_kind,
                        title=c.title,
                    )
                )
            result = bulk.contacts_create(
                actor=self.actor,
                contacts=contacts,
                source=self.source.code,
                import_batch=self.batch,
            )
            informed = inform.tasks_for_many(
                person_ids=[p.pk for p in result.created.values()],
                source=self.source,
                import_batch=self.batch,
                obtained_on=self.today,
                new=True,
            )
        self.report.inform_tasks += informed
        self.report.organizations_created += len(result.organizations)
        self._orgs.update(result.organizations)
        for i, (number, _c) in enumerate(creates):
            if i in result.created:
                outcomes[number] = RowOutcome(
                    number, "create", [], result.created[i].pk
                )
            else:
                outcomes[number] = RowOutcome(number, "error", result.refused[i])

    # -- one row at a time (the fallback, and matched rows that write) ------

    def _lookup_org(self, business_id: str) -> Organization | None:
        return Organization.objects.filter(sealing.business_id_q([business_id])).first()

    def _organization_or_create(self, c: Cleaned) -> Organization:
        org = self._orgs.get(c.business_id)
        if org is not None:
            return org
        org = registry.organization_create(
            actor=self.actor,
            name=c.organization_name,
            business_id=c.business_id,
            source=self.source.code,
            import_batch=self.batch,
        )
        self._orgs[c.business_id] = org
        self.report.organizations_created += 1
        return org

    def _create(self, c: Cleaned) -> Person:
        with transaction.atomic():
            org = self._organization_or_create(c)
            person = registry.person_create(
                actor=self.actor,
                first_name=c.first_name,
                last_name=c.last_name,
                preferred_language=c.language,
                emails=[c.email] if c.email else [],
                phones=[c.phone] if c.phone else [],
                source=self.source.code,
                import_batch=self.batch,
                street=c.street,
                postal_code=c.postal_code,
                city=c.city,
            )
            registry.role_create(
                actor=self.actor,
                person=person,
                organization=org,
                kind=self.mapping.role_kind,
                title=c.title,
                source=self.source.code,
                import_batch=self.batch,
            )
            self._inform(person)
        return person

    def _update(self, person: Person, c: Cleaned, plan: rows.Plan) -> None:
        with transaction.atomic():
            changes: dict[str, Any] = {}
            if plan.add_email:
                changes["emails"] = [c.email]
            if plan.add_phone:
                changes["phones"] = [c.phone]
            if plan.add_address:
                changes.update(street=c.street, postal_code=c.postal_code, city=c.city)
            if changes:
                registry.person_update(
                    actor=self.actor,
                    person=person,
                    source=self.source.code,
                    import_batch=self.batch,
                    **changes,
                )
            if plan.add_role:
                registry.role_create(
                    actor=self.actor,
                    person=person,
                    organization=self._organization_or_create(c),
                    kind=self.mapping.role_kind,
                    title=c.title,
                    source=self.source.code,
                    import_batch=self.batch,
                )
            self._inform(person)

    def _inform(self, person: Person) -> None:
        if inform.task_for(
            person=person,
            source=self.source,
            import_batch=self.batch,
            obtained_on=self.today,
        ):
            self.report.inform_tasks += 1

    # -- the run ------------------------------------------------------------

    def run(self, contacts: ContactFile) -> ContactReport:
        columns = self.mapping.columns
        check_mapping(columns, contacts.headers)
        headers = {h.casefold(): h for h in contacts.headers}
        cells = _cells(columns, headers)
        self.report.encoding = contacts.encoding
        self.report.notes = list(contacts.notes)
        if not self.dry_run:
            self.batch = ImportBatch.objects.create(
                source=self.source,
                description=f"contacts:{self.mapping.name}"[:200],
                created_by=self.actor if getattr(self.actor, "pk", None) else None,
            )
            self.report.batch_id = self.batch.pk
            self.statistics = GrowingTables(
                Person,
                BlindIndex,
                Organization,
                Role,
                first=STATISTICS_FIRST,
                estimate=True,
            )
        items: list[tuple[int, dict[str, str]]] = []
        try:
            for number, raw in contacts.rows:
                values = {
                    name: raw.get(header, "") if header else ""
                    for name, header in cells
                }
                if "\x00extra" in raw:
                    values["\x00extra"] = raw["\x00extra"]
                items.append((number, values))
                if len(items) >= BATCH:
                    self._run_batch(items)
                    items = []
            if items:
                self._run_batch(items)
        finally:
            self.seen.close()
        if self.batch is not None:
            ImportBatch.objects.filter(pk=self.batch.pk).update(
                finished_at=timezone.now(), row_count=self.report.total
            )
        return self.report


def _service_reason(exc: ServiceError) -> str:
    if isinstance(exc, ValidationFailed):
        return " ".join(exc.reasons()) or str(exc)
    return str(exc)


@write_service(subject=NONE, reason=_ROWS_AUTHORIZE_THEMSELVES)
def import_contacts(
    *,
    actor: Any,
    path: Path,
    mapping: ContactMapping,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
    row_by_row: bool = False,
) -> ContactReport:
    contacts = open_contacts(path, encoding=mapping.encoding)
    importer = ContactImporter(
        actor=actor,
        mapping=mapping,
        dry_run=dry_run,
        progress=progress,
        row_by_row=row_by_row,
    )
    # A long load: SQLite's page cache sized for it (core/bulkload.py).
    with sqlite_bulk_settings():
        return importer.run(contacts)
