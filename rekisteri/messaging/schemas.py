"""API schemas of the message history."""

import datetime as dt
import uuid
from typing import Annotated

from ninja import Field, Schema
from pydantic import StringConstraints

from rekisteri.core.schemas import InputSchema, Page
from rekisteri.messaging.choices import Channel, Direction, ParticipantRole
from rekisteri.messaging.models import Message, MessageParticipant

Subject = Annotated[str, StringConstraints(max_length=998)]
Address = Annotated[str, StringConstraints(max_length=320)]
DisplayName = Annotated[str, StringConstraints(max_length=200)]


class ParticipantOut(Schema):
    role: str
    person_id: uuid.UUID | None = None
    address: str | None = None
    display_name: str | None = None

    @staticmethod
    def resolve_address(obj: MessageParticipant) -> str | None:
        return str(obj.address) if obj.address else None

    @staticmethod
    def resolve_display_name(obj: MessageParticipant) -> str | None:
        return str(obj.display_name) if obj.display_name else None


class AttachmentOut(Schema):
    id: uuid.UUID
    filename: str
    content_type: str
    size: int


class MessageSummary(Schema):
    id: uuid.UUID
    thread_id: uuid.UUID
    organization_id: uuid.UUID | None = None
    person_id: uuid.UUID | None = None
    contract_id: uuid.UUID | None = None
    channel: str
    direction: str
    occurred_at: dt.datetime
    subject: str
    source: str
    participants: list[ParticipantOut]

    @staticmethod
    def resolve_participants(obj: Message) -> list[MessageParticipant]:
        return list(obj.participants.all())


class MessageOut(MessageSummary):
    body: str
    attachments: list[AttachmentOut]

    @staticmethod
    def resolve_attachments(obj: Message) -> list:
        return list(obj.attachments.all())


class MessagePage(Page):
    items: list[MessageSummary]


class ParticipantIn(InputSchema):
    role: ParticipantRole = ParticipantRole.TO
    person_id: uuid.UUID | None = None
    address: Address = ""
    display_name: DisplayName = ""


class MessageCreate(InputSchema):
    organization_id: uuid.UUID | None = Field(
        None, description="The customer; give this or person_id, not both."
    )
    person_id: uuid.UUID | None = Field(
        None, description="The one person, for a message with no organization."
    )
    thread_id: uuid.UUID | None = Field(
        None, description="Reply within this conversation (same customer)."
    )
    contract_id: uuid.UUID | None = Field(
        None, description="The organization's contract the message concerns."
    )
    channel: Channel
    direction: Direction
    occurred_at: dt.datetime
    subject: Subject
    body: str = ""
    participants: list[ParticipantIn] = Field(default_factory=list, max_length=100)
