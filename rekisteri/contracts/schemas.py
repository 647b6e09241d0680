"""Request and response schemas of the contracts API.

Types and length caps only; every business rule is in the services so the
API and the staff UI answer with the same error codes. Unknown fields are an
error. No ``from __future__ import annotations``: ninja reads these at runtime.
"""

import datetime as dt
import uuid
from typing import Annotated

from ninja import Field, Schema
from pydantic import StringConstraints

from rekisteri.contracts.choices import ContractStatus, NoticeUnit, PartyKind
from rekisteri.core.schemas import InputSchema, Page
from rekisteri.registry.schemas import OrganizationRef, PersonRef

ProductCode = Annotated[str, StringConstraints(max_length=40)]
Terms = Annotated[str, StringConstraints(max_length=20_000)]
Note = Annotated[str, StringConstraints(max_length=2_000)]


class ProductOut(Schema):
    code: str
    name: str
    description: str
    is_active: bool


class ContractOut(Schema):
    id: uuid.UUID
    number: str
    organization: OrganizationRef
    product: ProductOut
    status: ContractStatus
    start_date: dt.date
    end_date: dt.date | None
    notice_period: int
    notice_unit: NoticeUnit
    terms: str | None = Field(None, description="Free-text terms (may be null).")
    notice_given_on: dt.date | None
    termination_date: dt.date | None
    notice_overridden: bool
    ends_on: dt.date | None = Field(
        None, description="Last day in force; null while open-ended."
    )
    activated_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime


class ContractSummary(Schema):
    id: uuid.UUID
    number: str
    organization: OrganizationRef
    product: ProductOut
    status: ContractStatus
    start_date: dt.date
    end_date: dt.date | None
    ends_on: dt.date | None


class ContractPage(Page):
    items: list[ContractSummary]


class ContractCreate(InputSchema):
    organization_id: uuid.UUID
    product: ProductCode = Field(..., description="Product code, e.g. HR-PRO.")
    start_date: dt.date
    end_date: dt.date | None = Field(None, description="null: open-ended")
    notice_period: int = Field(0, description="In notice_unit; 0 for none.")
    notice_unit: NoticeUnit = NoticeUnit.MONTHS
    terms: Terms = ""


class ContractPatch(InputSchema):
    product: ProductCode = None  # type: ignore[assignment]
    start_date: dt.date = None  # type: ignore[assignment]
    end_date: dt.date | None = Field(None, description="null: open-ended")
    notice_period: int = None  # type: ignore[assignment]
    notice_unit: NoticeUnit = None  # type: ignore[assignment]
    terms: Terms = None  # type: ignore[assignment]


class ContractEnd(InputSchema):
    end_date: dt.date | None = Field(
        None, description="Last day in force; the end date or today by default."
    )


class ContractTerminate(InputSchema):
    notice_given_on: dt.date | None = Field(None, description="Defaults to today.")
    termination_date: dt.date | None = Field(
        None, description="Defaults to the end of the notice period."
    )
    override_notice: bool = Field(
        False, description="Allow a date before the notice period ends (needs note)."
    )
    note: Note = ""


class PartyOut(Schema):
    id: uuid.UUID
    contract_id: uuid.UUID
    person: PersonRef
    kind: PartyKind
    start_date: dt.date
    end_date: dt.date | None


class PartyCreate(InputSchema):
    person_id: uuid.UUID
    kind: PartyKind
    start_date: dt.date | None = None
    end_date: dt.date | None = None


class PartyRemove(InputSchema):
    end_date: dt.date | None = Field(None, description="Defaults to today.")
