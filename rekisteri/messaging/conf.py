"""Limits of the message history, overridable in settings.

``settings.REKISTERI_MESSAGING`` may set any of the keys of :data:`DEFAULTS`;
the rest keep their defaults. Sizes are bytes.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # One attachment, and all attachments of one message together.
    "MAX_ATTACHMENT_BYTES": 10 * 1024 * 1024,
    "MAX_MESSAGE_ATTACHMENT_BYTES": 25 * 1024 * 1024,
    # One message as read from a file (headers, body and encoded parts).
    "MAX_MESSAGE_BYTES": 40 * 1024 * 1024,
    # An uploaded .eml or mbox file on the upload page.
    "MAX_UPLOAD_BYTES": 100 * 1024 * 1024,
    # Subject and body lengths of a message (characters).
    "MAX_SUBJECT_CHARS": 998,
    "MAX_BODY_CHARS": 1_000_000,
    # Mail from these domains is ours: its direction is "out".
    "OWN_DOMAINS": (),
    "PAGE_SIZE": 20,
}


def limit(name: str) -> Any:
    """The configured value of ``name`` (see :data:`DEFAULTS`)."""
    overrides = getattr(settings, "REKISTERI_MESSAGING", {}) or {}
    return overrides.get(name, DEFAULTS[name])
