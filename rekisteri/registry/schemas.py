"""Request and response schemas of the registry API.

Input schemas check types and generous length caps only. Business rules
(Y-tunnus check digit, postcodes, email and phone formats, duplicates, date
order) stay in the services, so the API and the staff UI report the same
error codes. Caps on identifier-like fields are wider than the stored column
because the services accept spaces and other separators before normalising.

Unknown fields are refused (``extra="forbid"``): a misspelt field in a PATCH
would otherwise be silently ignored.

No ``from __future__ import annotations`` here: ninja and pydantic read these
annotations at runtime from other modules.
"""

import datetime as dt
import uuid
from typing import Annotated

from ninja import Field, Schema
from pydantic import StringConstraints

from rekisteri.core.schemas import InputSchema, Page
from rekisteri.registry import hooks
from rekisteri.registry.choices import (
    Language,
    OrganizationStatus,
    RoleKind,
)
from rekisteri.registry.models import (
    Organization,
    OrganizationValueSource,
    Person,
    Provenance,
)

MAX_LIST_ITEMS = 20

Name200 = Annotated[str, StringConstraints(max_length=200)]
Name100 = Annotated[str, StringConstraints(max_length=100)]
Title = Annotated[str, StringConstraints(max_length=120)]
Street = Annotated[str, StringConstraints(max_length=200)]
City = Annotated[str, StringConstraints(max_length=100)]
PostalCode = Annotated[str, StringConstraints(max_length=20)]
Country = Annotated[str, StringConstraints(max_length=8)]
BusinessId = Annotated[str, StringConstraints(max_length=32)]
VatNumber = Annotated[str, StringConstraints(max_length=32)]
Email = Annotated[str, StringConstraints(max_length=254)]
Phone = Annotated[str, StringConstraints(max_length=32)]
SourceCode = Annotated[str, StringConstraints(max_length=40)]
SearchQuery = Annotated[str, StringConstraints(max_length=200)]


# --------------------------------------------------------------------------
# Shared output pieces
# --------------------------------------------------------------------------


class EmailOut(Schema):
    email: str
    is_primary: bool


class PhoneOut(Schema):
    number: str = Field(..., description="E.164, for example +358401234567")
    kind: str
    is_primary: bool


class ProvenanceOut(Schema):
    source_code: str
    source_name: str
    obtained_at: dt.datetime
    import_batch_id: uuid.UUID | None = None
    source_modified_at: dt.datetime | None = Field(
        None, description="When the source itself last changed the values"
    )

    @staticmethod
    def resolve_source_code(obj: Provenance) -> str:
        return obj.source.code

    @staticmethod
    def resolve_source_name(obj: Provenance) -> str:
        return obj.source.name


class ValueSourceOut(Schema):
    """Where one field of an organization came from (docs/connectors.md,
    Provenance and review)."""

    field: str
    source_code: str
    source_name: str
    obtained_at: dt.datetime
    import_batch_id: uuid.UUID | None = None
    source_modified_at: dt.datetime | None = Field(
        None, description="For a registry: its lastModified of the company"
    )

    @staticmethod
    def resolve_source_code(obj: OrganizationValueSource) -> str:
        return obj.provenance.source.code

    @staticmethod
    def resolve_source_name(obj: OrganizationValueSource) -> str:
        return obj.provenance.source.name

    @staticmethod
    def resolve_obtained_at(obj: OrganizationValueSource) -> dt.datetime:
        return obj.provenance.obtained_at

    @staticmethod
    def resolve_import_batch_id(obj: OrganizationValueSource) -> uuid.UUID | None:
        return obj.provenance.import_batch_id

    @staticmethod
    def resolve_source_modified_at(obj: OrganizationValueSource) -> dt.datetime | None:
        return obj.provenance.source_modified_at


def _day(value: str) -> dt.date | None:
    """A date the registry fields keep as ISO text ("" for none)."""
    try:
        return dt.date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


class RegisteredNameOut(Schema):
    name: str
    type: str = Field(
        description="1 trade name, 2 parallel name, 3 auxiliary name, 4 translation"
    )
    version: int | None = None
    registration_date: dt.date | None = None
    end_date: dt.date | None = Field(None, description="Set for a previous name")

    @staticmethod
    def resolve_registration_date(obj: dict) -> dt.date | None:
        return _day(obj.get("registration_date", ""))

    @staticmethod
    def resolve_end_date(obj: dict) -> dt.date | None:
        return _day(obj.get("end_date", ""))


class RegisteredEntryOut(Schema):
    type: str
    register_code: str = Field(description="PRH's code of the register")
    authority: str
    description: str
    registration_date: dt.date | None = None
    end_date: dt.date | None = None

    @staticmethod
    def resolve_register_code(obj: dict) -> str:
        return str(obj.get("register", ""))

    @staticmethod
    def resolve_registration_date(obj: dict) -> dt.date | None:
        return _day(obj.get("registration_date", ""))

    @staticmethod
    def resolve_end_date(obj: dict) -> dt.date | None:
        return _day(obj.get("end_date", ""))


# --------------------------------------------------------------------------
# Organizations
# --------------------------------------------------------------------------


class OrganizationOut(Schema):
    id: uuid.UUID
    customer_number: str
    name: str
    business_id: str | None
    vat_number: str
    status: str
    sole_trader: bool
    no_marketing: bool
    postal_street: str
    postal_postal_code: str
    postal_city: str
    postal_country: str
    visiting_street: str
    visiting_postal_code: str
    visiting_city: str
    visiting_country: str
    # What the trade register (PRH / YTJ) says: set by the registry
    # connectors, never typed (docs/connectors.md, What a company becomes).
    registered_names: list[RegisteredNameOut] = Field(
        description="Current and previous names with their types and versions"
    )
    company_form: str = Field(description="Code of the legal form")
    company_form_name: str
    industry_code: str = Field(description="Main business line")
    industry_code_set: str
    industry_name: str
    trade_register_status: str
    registered_entries: list[RegisteredEntryOut]
    registry_situation: str | None = Field(
        description=(
            "'' active, or dissolved, bankruptcy, liquidation, reorganisation. "
            "null when withheld: a sole trader's situation is the trader's "
            "financial data, returned only to roles that may view that family."
        )
    )
    registry_end_date: dt.date | None
    registry_modified_at: dt.datetime | None = Field(
        description="The register's lastModified of the company"
    )
    registry_checked_at: dt.datetime | None = Field(
        description="When the register was last read"
    )
    value_sources: list[ValueSourceOut] = Field(
        description="Where each field that has its own record came from"
    )
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_registry_situation(obj: Organization) -> str | None:
        return obj.registry_situation if situation_returned(obj) else None

    @staticmethod
    def resolve_value_sources(obj: Organization) -> list[OrganizationValueSource]:
        shown = situation_returned(obj)
        return [
            v
            for v in obj.value_sources.all()
            if shown or v.field != "registry_situation"
        ]


def situation_returned(obj: Organization) -> bool:
    """Whether the API returns the organization's trade-register situation:
    the view marks each organization for its caller
    (``registry.auditing.situation_returned``); unmarked, a sole trader's is
    withheld."""
    return getattr(obj, "situation_returned", not obj.sole_trader)


class OrganizationPage(Page):
    items: list[OrganizationOut]


class OrganizationCreate(InputSchema):
    name: Name200
    business_id: BusinessId | None = Field(
        None, description="Y-tunnus, for example 1234567-8", examples=["0737546-2"]
    )
    vat_number: VatNumber = Field(
        "", description="EU VAT number; derived from the business ID when empty."
    )
    status: OrganizationStatus = OrganizationStatus.PROSPECT
    sole_trader: bool = False
    no_marketing: bool = False
    postal_street: Street = ""
    postal_postal_code: PostalCode = ""
    postal_city: City = ""
    postal_country: Country = "FI"
    visiting_street: Street = ""
    visiting_postal_code: PostalCode = ""
    visiting_city: City = ""
    visiting_country: Country = "FI"
    source: SourceCode = Field("staff", description="Data source code.")


# In the PATCH schemas a ``None`` default marks "not sent" (the handler dumps
# with exclude_unset); only fields where null means "clear" accept null.
class OrganizationPatch(InputSchema):
    name: Name200 = None  # type: ignore[assignment]
    business_id: BusinessId | None = Field(
        None, description="null removes the business ID"
    )
    vat_number: VatNumber = None  # type: ignore[assignment]
    status: OrganizationStatus = None  # type: ignore[assignment]
    sole_trader: bool = None  # type: ignore[assignment]
    no_marketing: bool = None  # type: ignore[assignment]
    postal_street: Street = None  # type: ignore[assignment]
    postal_postal_code: PostalCode = None  # type: ignore[assignment]
    postal_city: City = None  # type: ignore[assignment]
    postal_country: Country = None  # type: ignore[assignment]
    visiting_street: Street = None  # type: ignore[assignment]
    visiting_postal_code: PostalCode = None  # type: ignore[assignment]
    visiting_city: City = None  # type: ignore[assignment]
    visiting_country: Country = None  # type: ignore[assignment]
    source: SourceCode = None  # type: ignore[assignment]


# --------------------------------------------------------------------------
# Persons and roles
# --------------------------------------------------------------------------


class OrganizationRef(Schema):
    id: uuid.UUID
    customer_number: str
    name: str


class PersonRef(Schema):
    id: uuid.UUID
    first_name: str
    last_name: str


class PersonSummary(PersonRef):
    preferred_language: str
    emails: list[EmailOut]
    created_at: dt.datetime
    updated_at: dt.datetime


class PersonPage(Page):
    items: list[PersonSummary]


class RoleOut(Schema):
    id: uuid.UUID
    person_id: uuid.UUID
    organization_id: uuid.UUID
    kind: str
    title: str
    start_date: dt.date
    end_date: dt.date | None
    is_current: bool
    created_at: dt.datetime
    updated_at: dt.datetime


class PersonRoleOut(RoleOut):
    organization: OrganizationRef


class PersonContact(PersonRef):
    emails: list[EmailOut]
    phones: list[PhoneOut]


class OrganizationRoleOut(RoleOut):
    person: PersonContact


class PersonProvenance(Schema):
    name: ProvenanceOut | None
    address: ProvenanceOut | None


class PersonOut(PersonSummary):
    street: str
    postal_code: str
    city: str
    country: str
    phones: list[PhoneOut]
    roles: list[PersonRoleOut]
    provenance: PersonProvenance
    withheld: list[str] = Field(
        default_factory=list,
        description=(
            "Data categories the caller's role may not view (need-to-know); "
            "their fields are returned empty."
        ),
    )
    restricted: bool = Field(
        False,
        description=(
            "Processing is restricted (GDPR Art. 18): every change is refused "
            "with code `restricted` until the privacy officer lifts it."
        ),
    )

    @staticmethod
    def resolve_restricted(obj: Person) -> bool:
        return hooks.person_restricted(obj.pk)

    @staticmethod
    def resolve_provenance(obj: Person) -> dict:
        return {"name": obj.name_provenance, "address": obj.address_provenance}


class PersonCreate(InputSchema):
    first_name: Name100
    last_name: Name100
    preferred_language: Language = Language.FI
    emails: list[Email] = Field(
        default_factory=list,
        max_length=MAX_LIST_ITEMS,
        description="The first address is the primary one.",
    )
    phones: list[Phone] = Field(
        default_factory=list,
        max_length=MAX_LIST_ITEMS,
        description="Finnish national or international form; stored as E.164.",
    )
    street: Street = ""
    postal_code: PostalCode = ""
    city: City = ""
    country: Country = "FI"
    source: SourceCode = Field("staff", description="Data source code.")


class PersonPatch(InputSchema):
    first_name: Name100 = None  # type: ignore[assignment]
    last_name: Name100 = None  # type: ignore[assignment]
    preferred_language: Language = None  # type: ignore[assignment]
    emails: list[Email] = Field(
        None,
        max_length=MAX_LIST_ITEMS,
        description="When given, replaces all addresses; the first is primary.",
    )
    phones: list[Phone] = Field(
        None,
        max_length=MAX_LIST_ITEMS,
        description="When given, replaces all numbers; the first is primary.",
    )
    street: Street = None  # type: ignore[assignment]
    postal_code: PostalCode = None  # type: ignore[assignment]
    city: City = None  # type: ignore[assignment]
    country: Country = None  # type: ignore[assignment]
    source: SourceCode = None  # type: ignore[assignment]


class RoleCreate(InputSchema):
    person_id: uuid.UUID
    organization_id: uuid.UUID
    kind: RoleKind
    title: Title = ""
    start_date: dt.date | None = Field(None, description="Defaults to today.")
    end_date: dt.date | None = None


class RolePatch(InputSchema):
    kind: RoleKind = None  # type: ignore[assignment]
    title: Title = None  # type: ignore[assignment]
    start_date: dt.date = None  # type: ignore[assignment]
    end_date: dt.date | None = Field(None, description="null reopens the role")


class RoleEnd(InputSchema):
    end_date: dt.date | None = Field(None, description="Defaults to today.")


# --------------------------------------------------------------------------
# Search
# --------------------------------------------------------------------------


class SearchIn(InputSchema):
    q: SearchQuery = Field(
        ...,
        description=(
            "Customer number, business ID, email, phone number or the start of a name."
        ),
    )


class SearchOut(Schema):
    kind: str = Field(..., description="How the query was understood.")
    organizations: list[OrganizationOut]
    persons: list[PersonSummary]
    more_persons: bool = Field(
        False,
        description=(
            "A name search found more persons than it returns; a longer query "
            "narrows the list."
        ),
    )
