"""Reads of the message history.

Every selector takes the user; without the messaging permission it raises
Forbidden, and a message the user may not see is NotFound, like a missing
one. Timelines are keyset-paginated on (time, id), newest first, so a page
costs the same at the 10th message and the 10,000th.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from rekisteri.accounts.permissions import Perm, has_perm
from rekisteri.core import keyring
from rekisteri.core.catalogue import KeyClass
from rekisteri.core.errors import Forbidden, NotFound
from rekisteri.core.ids import as_uuid
from rekisteri.core.paging import Page
from rekisteri.messaging.conf import setting
from rekisteri.messaging.models import Attachment, Message, MessageParticipant
from rekisteri.registry.models import Organization, Person

SNIPPET_CHARS = 240


def _require_view(user: Any) -> None:
    if not has_perm(user, Perm.MESSAGES_VIEW):
        raise Forbidden()


def message_queryset(user: Any) -> QuerySet[Message]:
    _require_view(user)
    return Message.objects.all()


def _timeline_qs(
    user: Any, organization: Organization | None, person: Person | None
) -> QuerySet[Message]:
    qs = message_queryset(user)
    if organization is not None:
        return qs.filter(organization=organization)
    if person is not None:
        took_part = MessageParticipant.objects.filter(person=person).values(
            "message_id"
        )
        return qs.filter(Q(person=person) | Q(id__in=took_part))
    raise NotFound()


def timeline(
    *,
    user: Any,
    organization: Organization | None = None,
    person: Person | None = None,
    after: str | None = None,
    limit_to: int | None = None,
) -> Page:
    """Messages of an organization, or that a person took part in, newest
    first, ``limit_to`` at a time after the cursor (the id of the last
    message shown; it carries no personal data)."""
    size = min(limit_to or setting("REKISTERI_MESSAGING_PAGE_SIZE"), 100)
    qs = _timeline_qs(user, organization, person)
    if after:
        anchor = (
            Message.objects.filter(pk=as_uuid(after))
            .values_list("occurred_at", "id")
            .first()
        )
        if anchor is None:
            raise NotFound()
        qs = qs.filter(
            Q(occurred_at__lt=anchor[0]) | Q(occurred_at=anchor[0], id__lt=anchor[1])
        )
    rows = list(
        qs.order_by("-occurred_at", "-id")
        .defer("headers")
        .prefetch_related(
            Prefetch(
                "participants",
                queryset=MessageParticipant.objects.order_by("position"),
            )
        )[: size + 1]
    )
    more = len(rows) > size
    rows = rows[:size]
    with keyring.ensure_scope():
        keyring.prefetch({m.key_owner_id for m in rows}, KeyClass.CRM)
        for m in rows:
            body = str(m.body or "")
            m.snippet = body[:SNIPPET_CHARS] + (
                "…" if len(body) > SNIPPET_CHARS else ""
            )
    return Page(rows, str(rows[-1].id) if more and rows else None)


def message_get(*, user: Any, message_id: Any) -> Message:
    """One message with its participants and attachments (content not loaded)."""
    try:
        return (
            message_queryset(user)
            .select_related("thread", "organization", "author", "contract")
            .prefetch_related(
                Prefetch(
                    "participants",
                    queryset=MessageParticipant.objects.select_related(
                        "person"
                    ).order_by("position"),
                ),
                Prefetch(
                    "attachments",
                    queryset=Attachment.objects.defer("content").order_by("position"),
                ),
            )
            .get(pk=as_uuid(message_id))
        )
    except Message.DoesNotExist:
        raise NotFound() from None


def thread_messages(*, user: Any, message: Message) -> list[Message]:
    """The other messages of a message's conversation, oldest first."""
    _require_view(user)
    return list(
        Message.objects.filter(thread_id=message.thread_id)
        .exclude(pk=message.pk)
        .defer("headers", "body")
        .order_by("occurred_at", "id")[:200]
    )


def attachment_get(*, user: Any, attachment_id: Any) -> Attachment:
    """An attachment with its content and its message (for the key)."""
    _require_view(user)
    try:
        return Attachment.objects.select_related("message").get(
            pk=as_uuid(attachment_id)
        )
    except Attachment.DoesNotExist:
        raise NotFound() from None
