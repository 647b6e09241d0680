"""Reading real email: one RFC 5322 message from bytes into plain values.

Pure functions, no database: :func:`parse_message` turns the bytes of one
message into a :class:`ParsedMessage` or raises :class:`BrokenMessage` with a
code and a reason that never quotes the message. Anything the parser can
read is kept; what it has to degrade (an unknown charset, an undecodable
header, an oversized attachment) is described in ``notes`` instead of
failing the message.

Uses the stdlib ``email`` package (``policy.compat32`` for speed, with our
own RFC 2047 header decoding and charset handling; quoted-printable, base64
and 8bit transfer encodings), plus RFC 3676 ``format=flowed`` unwrapping,
which the stdlib leaves to the caller.

The modules, by concern (this package re-exports their public names):

- ``values``: the parsed message and the refusal;
- ``text``: safe text, ``format=flowed``, HTML to text;
- ``headers``: header decoding, addresses, dates, Message-IDs, mending;
- ``parts``: the MIME body and the attachments;
- ``message``: :func:`parse_message`, which puts them together;
- ``msgfile``, ``outlook``, ``rtf``: Outlook .msg files (MS-OXMSG), read
  into the RFC 5322 message ``parse_message`` reads, and their attachments.
"""

from rekisteri.messaging.parsing.headers import (
    ADDRESS_HEADERS,
    HEADER_PARSER,
    decode_words,
    header_addresses,
    header_block,
    header_date,
    header_text,
    looks_like_headers,
    message_ids,
    repair_header_block,
)
from rekisteri.messaging.parsing.message import (
    parse_message,
)
from rekisteri.messaging.parsing.parts import (
    body_and_attachments,
)
from rekisteri.messaging.parsing.text import (
    charset_label,
    html_to_text,
    safe_text,
    unflow,
)
from rekisteri.messaging.parsing.values import (
    BrokenMessage,
    ParsedAddress,
    ParsedAttachment,
    ParsedMessage,
)

__all__ = [
    "ADDRESS_HEADERS",
    "BrokenMessage",
    "HEADER_PARSER",
    "ParsedAddress",
    "ParsedAttachment",
    "ParsedMessage",
    "body_and_attachments",
    "charset_label",
    "decode_words",
    "header_addresses",
    "header_block",
    "header_date",
    "header_text",
    "html_to_text",
    "looks_like_headers",
    "message_ids",
    "parse_message",
    "repair_header_block",
    "safe_text",
    "unflow",
]
