"""What parsing gives: the parsed message, its addresses and attachments,
and the refusal of bytes that are not a message."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from rekisteri.messaging.choices import ParticipantRole


class BrokenMessage(Exception):
    """The bytes are not a message we can store. ``code`` is stable; the
    message says why in words and never quotes the input."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(message)


@dataclass
class ParsedAddress:
    role: str
    address: str
    display_name: str = ""


@dataclass
class ParsedAttachment:
    filename: str
    content_type: str
    data: bytes


@dataclass
class ParsedMessage:
    message_id: str = ""
    parent_ids: list[str] = field(default_factory=list)
    date: dt.datetime | None = None
    subject: str = ""
    body: str = ""
    headers: str = ""
    participants: list[ParsedAddress] = field(default_factory=list)
    attachments: list[ParsedAttachment] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def sender(self) -> ParsedAddress | None:
        return next(
            (p for p in self.participants if p.role == ParticipantRole.FROM), None
        )
