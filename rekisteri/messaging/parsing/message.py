"""One message from bytes: headers, participants, body and attachments,
with notes on whatever had to be degraded."""

from __future__ import annotations

from email import errors as email_errors

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rekisteri.messaging.parsing.headers import (
    HEADER_PARSER,
    header_addresses,
    header_block,
    header_date,
    header_text,
    looks_like_headers,
    message_ids,
    repair_header_block,
    unspace_field_names,
)
from rekisteri.messaging.parsing.msgfile import OLE_SIGNATURE
from rekisteri.messaging.parsing.outlook import read_outlook
from rekisteri.messaging.parsing.parts import body_and_attachments
from rekisteri.messaging.parsing.values import (
    BrokenMessage,
    ParsedMessage,
)

# Headers that make a header block a message even without an envelope.
_MESSAGE_HEADERS = ("subject", "mime-version", "content-type")


def parse_message(raw: bytes) -> ParsedMessage:
    """Parse the bytes of one message (RFC 5322, or an Outlook .msg, whose
    signature is its first 8 bytes); raise BrokenMessage if it is none."""
    if not raw.strip():
        raise BrokenMessage("empty", _("The message is empty."))
    if raw.startswith(OLE_SIGNATURE):
        return _parse_outlook(raw)
    return _parse_rfc5322(raw)


def _parse_outlook(raw: bytes) -> ParsedMessage:
    """An Outlook .msg: its headers and bodies read as the RFC 5322 message
    parsing/outlook.py makes of them, its attachments as it read them."""
    outlook = read_outlook(raw)
    result = _parse_rfc5322(outlook.rfc822)
    result.attachments = outlook.attachments + result.attachments
    result.notes = list(dict.fromkeys(outlook.notes + result.notes))
    return result


def _parse_rfc5322(raw: bytes) -> ParsedMessage:
    raw = unspace_field_names(raw.lstrip(b"\r\n"))
    if not looks_like_headers(raw):
        raise BrokenMessage(
            "no_headers", _("The message does not start with a header block.")
        )
    notes: list[str] = []
    try:
        msg = HEADER_PARSER.parsebytes(raw)
        if any(
            isinstance(d, email_errors.MissingHeaderBodySeparatorDefect)
            for d in msg.defects
        ):
            mended, joined, dropped = repair_header_block(raw)
            if joined or dropped:
                msg = HEADER_PARSER.parsebytes(mended)
            if joined:
                notes.append(
                    ngettext(
                        "%(n)s header line was not in the form 'Name: value' "
                        "and was joined to the header above it.",
                        "%(n)s header lines were not in the form 'Name: value' "
                        "and were joined to the header above them.",
                        joined,
                    )
                    % {"n": joined}
                )
            if dropped:
                notes.append(
                    ngettext(
                        "%(n)s header line was not in the form 'Name: value' "
                        "and was left out.",
                        "%(n)s header lines were not in the form 'Name: value' "
                        "and were left out.",
                        dropped,
                    )
                    % {"n": dropped}
                )
            if not (joined or dropped):
                notes.append(
                    _(
                        "The headers did not end with a blank line; the text "
                        "after the last header was read as the body."
                    )
                )
    except Exception as exc:  # noqa: BLE001 - reported by position, never raised on
        raise BrokenMessage(
            "unparseable",
            _("The message could not be parsed (%(error)s).")
            % {"error": type(exc).__name__},
        ) from None
    result = ParsedMessage(notes=notes)
    try:
        result.message_id = next(
            iter(message_ids(header_text(msg, "message-id", notes))), ""
        )
        parents = message_ids(header_text(msg, "references", notes)) + message_ids(
            header_text(msg, "in-reply-to", notes)
        )
        result.parent_ids = list(dict.fromkeys(p for p in parents if p))
        result.date = header_date(msg, notes)
        result.subject = (
            header_text(msg, "subject", notes).replace("\r", "").replace("\n", " ")
        )
        result.participants = header_addresses(msg, notes)
    except Exception as exc:  # noqa: BLE001
        raise BrokenMessage(
            "unparseable",
            _("The headers could not be read (%(error)s).")
            % {"error": type(exc).__name__},
        ) from None
    if not (result.participants or result.message_id or result.date):
        # A saved web page (MHTML) or a draft has only a subject or its MIME
        # headers: kept, with a note. Nothing a message would have: refused.
        if not any(msg.get(name) is not None for name in _MESSAGE_HEADERS):
            raise BrokenMessage(
                "no_envelope",
                _(
                    "The message has no From, To, Cc, Date, Message-ID, "
                    "Subject or MIME header."
                ),
            )
        notes.append(
            _("The message has no sender, recipients, date or Message-ID header.")
        )
    result.headers = header_block(msg, notes)
    try:
        result.body, result.attachments = body_and_attachments(msg, notes)
    except Exception as exc:  # noqa: BLE001
        raise BrokenMessage(
            "unparseable",
            _("The message body could not be read (%(error)s).")
            % {"error": type(exc).__name__},
        ) from None
    if any(d.__class__.__name__ == "StartBoundaryNotFoundDefect" for d in msg.defects):
        notes.append(_("The multipart structure is broken; the text was kept as is."))
    result.notes = list(dict.fromkeys(notes))
    return result
