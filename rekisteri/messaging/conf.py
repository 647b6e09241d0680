"""Limits of the message history (docs/messaging.md).

Declared and read as ``rekisteri/core/conf.py`` describes: the settings
module's value, else the default (no environment variable sets these).
Sizes are bytes.
"""

from __future__ import annotations

from rekisteri.core.conf import AppSettings, Setting

SETTINGS = AppSettings(
    __name__,
    Setting(
        "REKISTERI_MESSAGING_MAX_ATTACHMENT_BYTES",
        10 * 1024 * 1024,
        "Bytes of one attachment.",
    ),
    Setting(
        "REKISTERI_MESSAGING_MAX_MESSAGE_ATTACHMENT_BYTES",
        25 * 1024 * 1024,
        "Bytes of all attachments of one message together.",
    ),
    Setting(
        "REKISTERI_MESSAGING_MAX_MESSAGE_ATTACHMENTS",
        200,
        "Attachments of one message.",
    ),
    Setting(
        "REKISTERI_MESSAGING_MAX_MESSAGE_BYTES",
        40 * 1024 * 1024,
        "Bytes of one message as read from a file (headers, body, encoded parts).",
    ),
    Setting(
        "REKISTERI_MESSAGING_MAX_UPLOAD_BYTES",
        100 * 1024 * 1024,
        "Bytes of an .eml, .msg or mbox file uploaded on the upload page.",
    ),
    Setting(
        "REKISTERI_MESSAGING_MAX_SUBJECT_CHARS",
        998,
        "Characters of a message's subject.",
    ),
    Setting(
        "REKISTERI_MESSAGING_MAX_BODY_CHARS",
        1_000_000,
        "Characters of a message's body.",
    ),
    Setting(
        "REKISTERI_MESSAGING_OWN_DOMAINS",
        (),
        "Mail from these domains is ours: its direction is out.",
    ),
    Setting(
        "REKISTERI_MESSAGING_PAGE_SIZE",
        20,
        "Messages per page of the history.",
    ),
)
setting = SETTINGS.value
