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

from django.db.models import Q

from rekisteri.access.enforce import not_a_write_service
from rekisteri.core import keyring
from rekisteri.core.participants import Participant, PlanItem, Record
from rekisteri.messaging import erasure as batch_erasure
from rekisteri.messaging.models import Attachment, Message, MessageParticipant, Thread
from rekisteri.messaging.replay import participation_replay
from rekisteri.messaging.services import (
    person_participant_rows,
    person_participation_erase,
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


def _opened(model: Any, names: tuple[str, ...], owner: Any, rows: Any) -> Any:
    """``rows`` of ``values()`` (with ``pk``) keyed to ``owner`` alone, with
    the sealed ``names`` opened: a long history is read without building a
    model instance per row (docs/rights.md, Access export)."""
    fields = [(n, model._meta.get_field(n)) for n in names]
    for row in rows:
        row_id = str(row["pk"])
        for n, f in fields:
            row[n] = f.open_value(owner, row_id, row[n])
        yield row


def _own_message_records(person: Any) -> list[Record]:
    """The person's own threads and messages: keyed to them alone (no
    organization), so sealed under their key (MESSAGE_KEY)."""
    records = [
        Record(
            model=THREAD,
            id=str(t["pk"]),
            values={"subject": t["subject"]},
            context={"created_at": t["created_at"].isoformat()},
        )
        for t in _opened(
            Thread,
            ("subject",),
            person.pk,
            Thread.objects.filter(person=person)
            .order_by("created_at")
            .values("pk", "subject", "created_at"),
        )
    ]
    context = ("occurred_at", "channel", "direction", "thread_id")
    for m in _opened(
        Message,
        OWN_MESSAGE_FIELDS,
        person.pk,
        _own_messages(person).values("pk", *OWN_MESSAGE_FIELDS, *context),
    ):
        records.append(
            Record(
                model=MESSAGE,
                id=str(m["pk"]),
                values={n: m[n] for n in OWN_MESSAGE_FIELDS},
                context={
                    "occurred_at": m["occurred_at"].isoformat(),
                    "channel": m["channel"],
                    "direction": m["direction"],
                    "thread": str(m["thread_id"]),
                    "keyed_to": "person",
                },
            )
        )
    return records


def history_export(person: Any) -> list[Record]:
    """Every value of the person's message history, as described above."""
    with keyring.ensure_scope():
        mine = _participation(person)
        records = _own_message_records(person)
        own_ids = {r.id for r in records if r.model == MESSAGE}
        # Attachments and participant rows are read below, once each.
        shared = {
            r.message_id: r.message for r in mine if str(r.message_id) not in own_ids
        }
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
        # few): no thousand-id IN list for a long history. Their message
        # comes along: it names the key that seals them (VIA_MESSAGE_KEY).
        attachments = (
            Attachment.objects.filter(
                Q(message__person=person) | Q(message_id__in=set(shared))
            )
            .select_related("message")
            .order_by("message_id", "position")
        )
        for a in attachments:
            records.append(_attachment_record(a))
    return records


def history_plan(person: Any) -> list[PlanItem]:
    """What erasure does to the person's message history (the one-person
    case of :func:`history_plan_many`)."""
    return history_plan_many([person])[person.pk]


def _own_items(own_count: int, attachments: int) -> list[PlanItem]:
    """The plan's items of the messages keyed to the person alone."""
    if not own_count:
        return []
    items = [
        PlanItem(
            model=MESSAGE,
            count=own_count,
            fate="deleted",
            fields=OWN_MESSAGE_FIELDS,
            note="messages keyed to the person alone, with their threads, "
            "participants and attachments",
        )
    ]
    if attachments:
        items.append(
            PlanItem(
                model=ATTACHMENT,
                count=attachments,
                fate="deleted",
                fields=ATTACHMENT_FIELDS,
            )
        )
    return items


def _participation_items(
    person_id: Any, mine: list[MessageParticipant]
) -> list[PlanItem]:
    """The plan's items of the person's part in organizations' messages.
    ``mine`` are the person's participant rows with their messages loaded:
    a row in a message keyed to the person is deleted with the message."""
    items = []
    own_rows = [r for r in mine if r.message.person_id != person_id]
    shared = {r.message_id for r in own_rows}
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


def history_scope_many(persons: list[Any]) -> dict[Any, dict[str, tuple[str, ...]]]:
    """:func:`history_scope` for many persons."""
    ids = [p.pk for p in persons]
    owned = batch_erasure.owned_many(ids)
    out = {}
    for pid in ids:
        threads, own, _attachments = owned.get(pid, (0, 0, 0))
        found: dict[str, tuple[str, ...]] = {}
        if threads:
            found[THREAD] = ("subject",)
        found[MESSAGE] = OWN_MESSAGE_FIELDS if own else SHARED_MESSAGE_FIELDS
        found[PARTICIPANT] = PARTICIPANT_FIELDS
        found[ATTACHMENT] = ATTACHMENT_FIELDS
        out[pid] = found
    return out


def history_plan_many(persons: list[Any]) -> dict[Any, list[PlanItem]]:
    """What erasure does to each person's message history, with a fixed
    number of queries: the participant rows (with their messages) and the
    counts of what is keyed to the persons alone (``erasure.owned_many``)."""
    ids = [p.pk for p in persons]
    with keyring.ensure_scope():
        _addresses, rows = batch_erasure.participant_rows_many(persons)
    owned = batch_erasure.owned_many(ids)
    return {
        pid: [
            *_own_items(*owned.get(pid, (0, 0, 0))[1:]),
            *_participation_items(pid, rows[pid]),
        ]
        for pid in ids
    }


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
    # After a restore: the same erasure again, from the ledger's ids and
    # the digests of the persons' addresses it kept (their marks).
    replay=participation_replay,
    marks_many=batch_erasure.address_marks_many,
    scope_many=history_scope_many,
    plan_many=history_plan_many,
    erase_many=history_erase_many,
)
