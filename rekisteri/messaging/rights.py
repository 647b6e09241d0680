"""Message history as a rights participant (rekisteri.core.participants).

A person's data in the message history is not a row of their own:

* messages keyed to the person alone (no organization): the whole message,
  its thread, participants and attachments are theirs, and are deleted on
  erasure;
* messages of an organization's relationship where they appear as a
  participant (matched to them, or with one of their addresses): their
  participant rows are theirs (deleted on erasure), and so is their
  address or name in the stored headers (scrubbed). The message itself is
  the relationship's history and stays for the other people in it.

Registered in :class:`rekisteri.messaging.apps.MessagingConfig.ready`.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.db.models import Count, Q

from rekisteri.access.enforce import not_a_write_service
from rekisteri.core import keyring
from rekisteri.core.participants import Participant, PlanItem, Record
from rekisteri.messaging import erasure as batch_erasure
from rekisteri.messaging.models import Attachment, Message, MessageParticipant, Thread
from rekisteri.messaging.services import (
    person_participant_rows,
    person_participation_erase,
    person_participation_replay,
)

THREAD = "messaging.Thread"
MESSAGE = "messaging.Message"
PARTICIPANT = "messaging.MessageParticipant"
ATTACHMENT = "messaging.Attachment"

# What of a message is exported: the whole message when it is keyed to the
# person, its content (not the other people's addresses in its headers)
# when the person took part in an organization's message.
OWN_MESSAGE_FIELDS = ("subject", "body", "headers", "notes")
SHARED_MESSAGE_FIELDS = ("subject", "body")
PARTICIPANT_FIELDS = ("address", "display_name", "address_digest")
ATTACHMENT_FIELDS = ("filename", "content")


def _own_messages(person: Any):
    return Message.objects.filter(person=person)


def _participation(person: Any) -> list[MessageParticipant]:
    """The person's participant rows (reads their addresses to match)."""
    with keyring.ensure_scope():
        return person_participant_rows(person)[1]


def history_scope(person: Any) -> dict[str, tuple[str, ...]]:
    """Which kinds of rows the person has, from ids alone."""
    found: dict[str, tuple[str, ...]] = {}
    own = _own_messages(person)
    if Thread.objects.filter(person=person).exists():
        found[THREAD] = ("subject",)
    # Unmatched appearances are found through the person's addresses, which
    # are read only after the matrix allows the export: what such a message
    # would show (its content, the participant row, attachments) is always
    # declared, so the check covers it.
    found[MESSAGE] = OWN_MESSAGE_FIELDS if own.exists() else SHARED_MESSAGE_FIELDS
    found[PARTICIPANT] = PARTICIPANT_FIELDS
    found[ATTACHMENT] = ATTACHMENT_FIELDS
    return found


def _attachment_record(a: Attachment) -> Record:
    content = a.content
    raw = bytes(content) if isinstance(content, bytes | bytearray | memoryview) else b""
    return Record(
        model=ATTACHMENT,
        id=str(a.pk),
        values={
            "filename": str(a.filename),
            "content": {
                "bytes": a.size,
                "sha256": hashlib.sha256(raw).hexdigest() if raw else "",
            },
        },
        context={
            "message": str(a.message_id),
            "size": a.size,
            "content_type": a.content_type,
        },
    )


def _message_record(m: Message, names: tuple[str, ...]) -> Record:
    return Record(
        model=MESSAGE,
        id=str(m.pk),
        values={n: getattr(m, n) for n in names},
        context={
            "occurred_at": m.occurred_at.isoformat(),
            "channel": m.channel,
            "direction": m.direction,
            "thread": str(m.thread_id),
            "keyed_to": "person" if m.person_id else "organization",
        },
    )


def history_export(person: Any) -> list[Record]:
    """Every value of the person's message history, as described above."""
    records: list[Record] = []
    with keyring.ensure_scope():
        mine = _participation(person)
        # Attachments and participant rows are read below, once each.
        own = list(_own_messages(person))
        for t in Thread.objects.filter(person=person).order_by("created_at"):
            records.append(
                Record(
                    model=THREAD,
                    id=str(t.pk),
                    values={"subject": t.subject},
                    context={"created_at": t.created_at.isoformat()},
                )
            )
        own_ids = {m.pk for m in own}
        for m in own:
            records.append(_message_record(m, OWN_MESSAGE_FIELDS))
        shared = {r.message_id: r.message for r in mine if r.message_id not in own_ids}
        for m in sorted(shared.values(), key=lambda m: (m.occurred_at, str(m.pk))):
            records.append(_message_record(m, SHARED_MESSAGE_FIELDS))
        for r in sorted(mine, key=lambda r: (str(r.message_id), r.position)):
            records.append(
                Record(
                    model=PARTICIPANT,
                    id=str(r.pk),
                    values={n: getattr(r, n) for n in PARTICIPANT_FIELDS},
                    context={
                        "message": str(r.message_id),
                        "role": r.role,
                        "kind": r.kind,
                    },
                )
            )
        # The person's own messages by the join, the shared ones by id (a
        # few): no thousand-id IN list for a long history.
        attachments = Attachment.objects.filter(
            Q(message__person=person) | Q(message_id__in=set(shared))
        ).order_by("message_id", "position")
        for a in attachments:
            records.append(_attachment_record(a))
    return records


def history_plan(person: Any) -> list[PlanItem]:
    """What erasure does to the person's message history."""
    with keyring.ensure_scope():
        mine = _participation(person)
    own = _own_messages(person)
    own_count = own.count()
    own_ids = set(own.values_list("pk", flat=True))
    shared = {r.message_id for r in mine if r.message_id not in own_ids}
    items = []
    if own_count:
        items.append(
            PlanItem(
                model=MESSAGE,
                count=own_count,
                fate="deleted",
                fields=OWN_MESSAGE_FIELDS,
                note="messages keyed to the person alone, with their threads, "
                "participants and attachments",
            )
        )
        attachments = Attachment.objects.filter(message__person=person).count()
        if attachments:
            items.append(
                PlanItem(
                    model=ATTACHMENT,
                    count=attachments,
                    fate="deleted",
                    fields=ATTACHMENT_FIELDS,
                )
            )
    items.extend(_participation_items(mine, own_ids, shared))
    return items


def _participation_items(
    mine: list[MessageParticipant], own_ids: set[Any], shared: set[Any]
) -> list[PlanItem]:
    """The plan's items of the person's part in organizations' messages."""
    items = []
    own_rows = [r for r in mine if r.message_id not in own_ids]
    if own_rows:
        items.append(
            PlanItem(
                model=PARTICIPANT,
                count=len(own_rows),
                fate="deleted",
                fields=PARTICIPANT_FIELDS,
                note="the person's participation in organizations' messages",
            )
        )
    if shared:
        items.append(
            PlanItem(
                model=MESSAGE,
                count=len(shared),
                fate="anonymised",
                fields=("headers",),
                note="the person's addresses and name scrubbed from stored headers",
            )
        )
        items.append(
            PlanItem(
                model=MESSAGE,
                count=len(shared),
                fate="kept",
                fields=SHARED_MESSAGE_FIELDS,
                ground="customer_relationship_history",
                retention="relationship",
                note="the organization's message history stays for the other "
                "people in it; the person's participation is removed",
            )
        )
    return items


@not_a_write_service(
    "a rights participant's erasure, run inside person_shred after it authorized"
)
def history_erase(*, actor: Any, person: Any) -> dict[str, int]:
    return person_participation_erase(actor=actor, person=person)


# -- many persons at once (a batch erasure) ----------------------------------


def _by_person(qs: Any, ids: list[Any], column: str = "person_id") -> dict[Any, int]:
    """Rows per person among ``ids`` (one grouped query per chunk)."""
    out: dict[Any, int] = {}
    for chunk in batch_erasure.chunks(ids):
        out.update(
            qs.filter(**{f"{column}__in": chunk})
            .order_by()
            .values_list(column)
            .annotate(n=Count("pk"))
        )
    return out


def history_scope_many(persons: list[Any]) -> dict[Any, dict[str, tuple[str, ...]]]:
    """:func:`history_scope` for many persons."""
    ids = [p.pk for p in persons]
    threads = _by_person(Thread.objects.all(), ids)
    own = _by_person(Message.objects.all(), ids)
    out = {}
    for pid in ids:
        found: dict[str, tuple[str, ...]] = {}
        if threads.get(pid):
            found[THREAD] = ("subject",)
        found[MESSAGE] = OWN_MESSAGE_FIELDS if own.get(pid) else SHARED_MESSAGE_FIELDS
        found[PARTICIPANT] = PARTICIPANT_FIELDS
        found[ATTACHMENT] = ATTACHMENT_FIELDS
        out[pid] = found
    return out


def history_plan_many(persons: list[Any]) -> dict[Any, list[PlanItem]]:
    """:func:`history_plan` for many persons, with a fixed number of queries."""
    ids = [p.pk for p in persons]
    with keyring.ensure_scope():
        _addresses, rows = batch_erasure.participant_rows_many(persons)
    own_count = _by_person(Message.objects.all(), ids)
    own_ids: dict[Any, set[Any]] = {}
    if any(own_count.values()):
        wanted = [pid for pid in ids if own_count.get(pid)]
        for chunk in batch_erasure.chunks(wanted):
            for mid, pid in Message.objects.filter(person_id__in=chunk).values_list(
                "pk", "person_id"
            ):
                own_ids.setdefault(pid, set()).add(mid)
    attachments = (
        _by_person(Attachment.objects.all(), ids, "message__person_id")
        if own_ids
        else {}
    )
    out: dict[Any, list[PlanItem]] = {}
    for pid in ids:
        mine = rows[pid]
        own = own_ids.get(pid, set())
        shared = {r.message_id for r in mine if r.message_id not in own}
        items = []
        if own_count.get(pid):
            items.append(
                PlanItem(
                    model=MESSAGE,
                    count=own_count[pid],
                    fate="deleted",
                    fields=OWN_MESSAGE_FIELDS,
                    note="messages keyed to the person alone, with their threads, "
                    "participants and attachments",
                )
            )
            if attachments.get(pid):
                items.append(
                    PlanItem(
                        model=ATTACHMENT,
                        count=attachments[pid],
                        fate="deleted",
                        fields=ATTACHMENT_FIELDS,
                    )
                )
        items.extend(_participation_items(mine, own, shared))
        out[pid] = items
    return out


@not_a_write_service(
    "a rights participant's batch erasure: participation_erase_many authorizes"
)
def history_erase_many(*, actor: Any, persons: list[Any]) -> dict[Any, dict[str, int]]:
    return batch_erasure.participation_erase_many(actor=actor, persons=persons)


PARTICIPANT_ENTRY = Participant(
    name="messaging.history",
    covers=(THREAD, MESSAGE, PARTICIPANT, ATTACHMENT),
    scope=history_scope,
    export=history_export,
    plan=history_plan,
    erase=history_erase,
    # After a restore: the same erasure again, from the ledger's ids.
    replay=person_participation_replay,
    scope_many=history_scope_many,
    plan_many=history_plan_many,
    erase_many=history_erase_many,
)
