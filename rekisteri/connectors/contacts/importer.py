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

A dry run computes the same fates and writes nothing. A real run writes
each row in its own transaction through the register's services (the
enforcement point, provenance with the source and the import batch, the
audit events), so a failing row leaves nothing half-written and the rows
before it stay. Every person whose data came from the list gets an Art. 14
inform task (:mod:`rekisteri.connectors.contacts.inform`).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rekisteri.access.enforce import NONE, write_service
from rekisteri.audit.services import audit_record
from rekisteri.connectors.contacts import inform
from rekisteri.connectors.contacts.reader import ENCODINGS, ContactFile, open_contacts
from rekisteri.connectors.models import ContactMapping
from rekisteri.core import blindindex, formats, keyring
from rekisteri.core.errors import FieldErrors, ServiceError, ValidationFailed
from rekisteri.registry import hooks
from rekisteri.registry import services as registry
from rekisteri.registry.choices import Language, RoleKind
from rekisteri.registry.models import (
    DataSource,
    ImportBatch,
    Organization,
    Person,
    PersonPhone,
    Role,
)

# Register fields a column can be mapped to, with their labels.
FIELDS: dict[str, Any] = {
    "first_name": gettext_lazy("First name"),
    "last_name": gettext_lazy("Last name"),
    "email": gettext_lazy("Email"),
    "phone": gettext_lazy("Phone"),
    "business_id": gettext_lazy("Business ID"),
    "organization_name": gettext_lazy("Organization name"),
    "title": gettext_lazy("Job title"),
    "language": gettext_lazy("Language"),
    "street": gettext_lazy("Street address"),
    "postal_code": gettext_lazy("Postal code"),
    "city": gettext_lazy("Post office"),
}
REQUIRED = ("last_name", "business_id")
ADDRESS = ("street", "postal_code", "city")
FATES = ("create", "update", "unchanged", "suppressed", "duplicate", "error")
# Reports keep this many row outcomes; the counts cover every row.
REPORT_ROWS = 1000


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
    data_source = DataSource.objects.filter(code=source, is_active=True).first()
    if data_source is None:
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


@dataclass
class Cleaned:
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""
    business_id: str = ""
    organization_name: str = ""
    title: str = ""
    language: str = ""
    street: str = ""
    postal_code: str = ""
    city: str = ""


def _value(row: dict[str, str], headers: dict[str, str], name: str, columns) -> str:
    header = columns.get(name)
    if not header:
        return ""
    return row.get(headers.get(header.casefold(), header), "")


def _clean(raw: dict[str, str], reasons: list[str]) -> Cleaned:
    c = Cleaned()
    for name, limit in (
        ("first_name", 100),
        ("last_name", 100),
        ("organization_name", 200),
        ("title", 100),
        ("street", 200),
        ("city", 100),
    ):
        try:
            setattr(c, name, formats.clean_text(raw.get(name, ""), max_length=limit))
        except formats.FormatError as exc:
            reasons.append(f"{FIELDS[name]}: {exc.message}")
    if not c.last_name:
        reasons.append(_("The last name is missing."))
    for name, fn in (
        ("email", formats.normalise_email),
        ("phone", formats.normalise_phone),
        ("business_id", formats.normalise_business_id),
    ):
        value = raw.get(name, "")
        if not value:
            continue
        try:
            setattr(c, name, fn(value))
        except formats.FormatError as exc:
            reasons.append(f"{FIELDS[name]}: {exc.message}")
    if not raw.get("business_id"):
        reasons.append(_("The business ID is missing."))
    if not (raw.get("email") or raw.get("phone")):
        reasons.append(_("Neither an email nor a phone number is given."))
    language = raw.get("language", "").strip().lower()[:2]
    if language and language not in Language.values:
        reasons.append(_("Unknown language."))
    c.language = language if language in Language.values else Language.FI
    code = raw.get("postal_code", "")
    if code:
        try:
            c.postal_code = formats.normalise_postal_code(code, "FI")
        except formats.FormatError as exc:
            reasons.append(f"{FIELDS['postal_code']}: {exc.message}")
    return c


def _phone_owners(phone: str) -> set[Any]:
    candidates = blindindex.subjects_matching(PersonPhone, "number", phone)
    if not candidates:
        return set()
    rows = PersonPhone.objects.filter(person_id__in=candidates)
    return {row.person_id for row in rows if row.number == phone}


def _match(c: Cleaned, reasons: list[str]) -> Person | None:
    owners: set[Any] = set()
    if c.email:
        owners = registry.email_owners(c.email)
    if not owners and c.phone:
        owners = _phone_owners(c.phone)
    if len(owners) > 1:
        reasons.append(_("Several persons in the register match this row."))
        return None
    if not owners:
        return None
    return Person.objects.get(pk=next(iter(owners)))


def _suppressed(c: Cleaned) -> bool:
    return bool(
        (c.email and hooks.contact_suppressed("email", c.email))
        or (c.phone and hooks.contact_suppressed("phone", c.phone))
    )


def _seen_key(kind: str, value: str) -> bytes:
    # Eight bytes per address keep the in-file duplicate check small.
    return hashlib.blake2b(f"{kind}:{value}".encode(), digest_size=8).digest()


@dataclass
class _Plan:
    """What a row will do to a matched person."""

    add_email: bool = False
    add_phone: bool = False
    add_address: bool = False
    add_role: bool = False
    differs: list[str] = field(default_factory=list)

    @property
    def writes(self) -> bool:
        return self.add_email or self.add_phone or self.add_address or self.add_role


def _plan_update(
    person: Person, c: Cleaned, org: Organization | None, role_kind: str
) -> _Plan:
    plan = _Plan()
    with keyring.ensure_scope():
        emails = [e.email for e in person.emails.all()]
        phones = [p.number for p in person.phones.all()]
        if c.email and c.email not in emails:
            if emails:
                plan.differs.append(str(FIELDS["email"]))
            else:
                plan.add_email = True
        if c.phone and c.phone not in phones:
            if phones:
                plan.differs.append(str(FIELDS["phone"]))
            else:
                plan.add_phone = True
        if (c.first_name, c.last_name) != (person.first_name, person.last_name) and (
            c.first_name or c.last_name
        ):
            plan.differs.append(_("name"))
        if c.street and not person.street:
            plan.add_address = True
        elif c.street and c.street != person.street:
            plan.differs.append(_("address"))
    if (
        org is None
        or not Role.objects.filter(
            person=person, organization=org, kind=role_kind, end_date__isnull=True
        ).exists()
    ):
        plan.add_role = True
    return plan


class ContactImporter:
    """One run over one file with one mapping."""

    def __init__(
        self,
        *,
        actor: Any,
        mapping: ContactMapping,
        dry_run: bool,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        self.actor = actor
        self.mapping = mapping
        self.source: DataSource = mapping.source
        self.dry_run = dry_run
        self.progress = progress
        self.report = ContactReport(dry_run=dry_run)
        self.seen: set[bytes] = set()
        self.batch: ImportBatch | None = None
        self.today = timezone.localdate()
        self._orgs: dict[str, Organization | None] = {}

    # -- organizations ------------------------------------------------------

    def _organization(self, c: Cleaned) -> Organization | None:
        if c.business_id not in self._orgs:
            self._orgs[c.business_id] = Organization.objects.filter(
                business_id=c.business_id
            ).first()
        return self._orgs[c.business_id]

    def _organization_or_create(self, c: Cleaned) -> Organization:
        org = self._organization(c)
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

    # -- one row ------------------------------------------------------------

    def row(self, number: int, raw: dict[str, str]) -> RowOutcome:
        reasons: list[str] = []
        if "\x00extra" in raw:
            reasons.append(_("The row has more cells than the header."))
        c = _clean(raw, reasons)
        if reasons:
            return RowOutcome(number, "error", reasons)
        keys_of_row = [
            _seen_key(kind, value)
            for kind, value in (("email", c.email), ("phone", c.phone))
            if value
        ]
        if any(k in self.seen for k in keys_of_row):
            return RowOutcome(
                number, "duplicate", [_("The same address is on an earlier row.")]
            )
        self.seen.update(keys_of_row)
        if _suppressed(c):
            return RowOutcome(
                number,
                "suppressed",
                [_("The address is on the suppression list; the row was left out.")],
            )
        person = _match(c, reasons)
        if reasons:
            return RowOutcome(number, "error", reasons)
        org = self._organization(c)
        if org is None and not c.organization_name:
            return RowOutcome(
                number,
                "error",
                [_("The organization is not in the register and the row names none.")],
            )
        if person is None:
            if not self.dry_run:
                person = self._create(c)
            return RowOutcome(number, "create", [], getattr(person, "pk", None))
        plan = _plan_update(person, c, org, self.mapping.role_kind)
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
            self._update(person, c, plan)
        return RowOutcome(number, "update", notes, person.pk)

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

    def _update(self, person: Person, c: Cleaned, plan: _Plan) -> None:
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
        self.report.encoding = contacts.encoding
        self.report.notes = list(contacts.notes)
        if not self.dry_run:
            self.batch = ImportBatch.objects.create(
                source=self.source,
                description=f"contacts:{self.mapping.name}"[:200],
                created_by=self.actor if getattr(self.actor, "pk", None) else None,
            )
            self.report.batch_id = self.batch.pk
        for number, raw in contacts.rows:
            values = {name: _value(raw, headers, name, columns) for name in FIELDS}
            if "\x00extra" in raw:
                values["\x00extra"] = raw["\x00extra"]
            try:
                # One key scope per row: matching, planning and writing the
                # row load each person's key once, and none outlive the row.
                with keyring.ensure_scope():
                    outcome = self.row(number, values)
            except ServiceError as exc:
                outcome = RowOutcome(number, "error", [_service_reason(exc)])
            self.report.add(outcome)
            if self.progress:
                self.progress(self.report.total)
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
) -> ContactReport:
    contacts = open_contacts(path, encoding=mapping.encoding)
    importer = ContactImporter(
        actor=actor, mapping=mapping, dry_run=dry_run, progress=progress
    )
    return importer.run(contacts)
