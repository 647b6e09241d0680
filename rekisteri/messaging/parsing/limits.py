"""The notes on attachments left out by the limits of one message
(``REKISTERI_MESSAGING_MAX_*``): written where a stored message's parts are
counted (importing) and where an Outlook file's parts are never read for
being over them (outlook), in the same words."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def more_attachments(rest: int, most: int) -> str:
    return ngettext(
        "%(rest)s more attachment was not stored: a message keeps at most %(most)s.",
        "%(rest)s more attachments were not stored: a message keeps at most %(most)s.",
        rest,
    ) % {"rest": rest, "most": most}


def attachment_too_large(n: int, size: int) -> str:
    return _(
        "Attachment %(n)s (%(size)s bytes) is over the size limit and was not stored."
    ) % {"n": n, "size": size}


def over_message_limit(n: int) -> str:
    return _(
        "Attachment %(n)s would exceed the limit for one message and was not stored."
    ) % {"n": n}
