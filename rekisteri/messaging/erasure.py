"""The message history's part of a batch erasure (docs/rights.md).

:func:`participation_erase_many` is ``services.person_participation_erase``
for many persons at once, with a fixed number of queries per batch: the
persons' addresses are read together (their keys prefetched), their
participant rows found with one query, their messages' headers scrubbed,
their rows and their own messages deleted with one statement per kind of
row. The rights engine's batch erasure (``rights.erasure``) calls it through
the participant's ``erase_many`` (``messaging.rights``), before the
persons' keys are shredded, while their addresses can still be read.

A message several of the batch's persons took part in is scrubbed once of
all their addresses and names; a participant row whose address belongs to
two of them is removed once and counted for both.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Count, IntegerField, Q, Value

from rekisteri.access.choices import Action
from rekisteri.access.enforce import PERSON, authorize_write, write_service
from rekisteri.audit.services import audit_record_many
from rekisteri.core import compiled, formats, idlist, keyring, participants, rawdelete
from rekisteri.core.catalogue import KeyClass
from rekisteri.messaging.models import (
    Attachment,
    Message,
    MessageParticipant,
    Thread,
)
from rekisteri.messaging.services import (
    CONTENT_CATEGORIES,
    PARTICIPANT_CATEGORIES,
    address_digest,
    normalise_address,
    scrub_text,
)
from rekisteri.registry.models import Person, PersonEmail, PersonPhone


def readable(value: Any) -> str | None:
    """A decrypted value, or None for none or an erased one (a placeholder)."""
    text = str(value) if value else ""
    return text if text and not text.startswith("[") else None


_E164 = re.compile(r"\+[1-9][0-9]{6,14}")


def normal_form(address: str) -> str:
    """``normalise_address(address)[1]`` of an address the register stores,
    without its parsing where the answer is known: an email address is
    ``core.formats.email_key``'s (``normalise_email``'s canonical form, or
    the trimmed lower case of one that does not validate), and a phone
    number is stored as ``core.formats.normalise_phone`` wrote it, in E.164,
    which is its own normal form (as that function's memo holds)."""
    text = (address or "").strip()
    if "@" in text:
        return formats.email_key(text)
    if _E164.fullmatch(text):
        return text
    return normalise_address(text)[1]


# What the plan and the erasure read of a participant row and its message:
# the addresses and names with their key owner (VIA_MESSAGE_KEY), the
# message's owner and its headers (scrubbed and saved with update_fields).
ROW_COLUMNS = (
    "message_id",
    "person_id",
    "address",
    "display_name",
    "message__organization_id",
    "message__person_id",
    "message__headers",
)


def _owned_counts(ids: list[Any]) -> Any:
    """The threads, messages and attachments keyed to the persons ``ids``,
    counted per person, tagged 0, 1 and 2, in one UNION."""
    parts = [
        qs.filter(idlist.among(column, ids))
        .order_by()
        .values_list(column)
        .annotate(n=Count("pk"), kind=Value(i, output_field=IntegerField()))
        for i, (qs, column) in enumerate(
            (
                (Thread.objects.all(), "person_id"),
                (Message.objects.all(), "person_id"),
                (Attachment.objects.all(), "message__person_id"),
            )
        )
    ]
    return parts[0].union(*parts[1:], all=True)


def owned_many(ids: list[Any]) -> dict[Any, tuple[int, int, int]]:
    """Person id → how many threads, messages and attachments are keyed to
    them alone, with one query per chunk (a UNION of the three counts). The
    scope, the plan and the erasure ask it: inside a batch
    (``participants.batch_scope``) it is read once."""

    def read() -> dict[Any, tuple[int, int, int]]:
        counts: dict[Any, list[int]] = {}
        for chunk in idlist.chunks(ids):
            # Compiled once per process (core/compiled.py).
            for pid, n, kind in compiled.among_rows(
                "messaging.owned", _owned_counts, chunk, model=Message
            ):
                counts.setdefault(pid, [0, 0, 0])[kind] = n
        return {pid: (c[0], c[1], c[2]) for pid, c in counts.items()}

    key = ("messaging.owned", participants.ids_key(ids))
    return participants.memo(key, read)


def _threads(ids: list[Any]) -> Any:
    return Thread.objects.filter(idlist.among("person_id", ids))


def _of_theirs(ids: list[Any]) -> Q:
    """A participant row or attachment of a message keyed to the persons
    ``ids``, or in one of their threads."""
    return idlist.among("message__person_id", ids) | Q(
        message__thread__in=_threads(ids).values("pk")
    )


# What is keyed to the persons alone, deleted in this order (what refers to
# a row before the row): name, model, the rows of the persons ``ids``.
_OWNED_DELETES: tuple[tuple[str, Any, Any], ...] = (
    (
        "messaging.owned.participants",
        MessageParticipant,
        lambda ids: MessageParticipant.objects.filter(_of_theirs(ids)),
    ),
    (
        "messaging.owned.attachments",
        Attachment,
        lambda ids: Attachment.objects.filter(_of_theirs(ids)),
    ),
    (
        "messaging.owned.messages",
        Message,
        lambda ids: Message.objects.filter(
            idlist.among("person_id", ids) | Q(thread__in=_threads(ids).values("pk"))
        ),
    ),
    ("messaging.owned.threads", Thread, _threads),
)


def participant_rows_many(
    persons: list[Person],
) -> tuple[dict[Any, set[str]], dict[Any, list[MessageParticipant]]]:
    """``services.person_participant_rows`` for many persons: person id →
    readable addresses, person id → participant rows that are theirs
    (matched to them, or unmatched with one of their addresses). Call it
    inside a key scope. Inside a batch erasure the plan's reading serves the
    erasure (``participants.memo``)."""
    key = ("messaging.participant_rows", participants.ids_key(p.pk for p in persons))
    return participants.memo(key, lambda: _participant_rows_many(persons))


def _owned_by_person(model: type, column: str) -> Any:
    """The encrypted field ``column`` of ``model``, whose catalogue entry
    must seal it under the row's person's key (read by ``person_id``)."""
    field = model._meta.get_field(column)
    if field.classification.subject != "person":
        raise ImproperlyConfigured(
            f"{model._meta.label}.{column} is not sealed under its person's key"
        )
    return field


def person_addresses_many(persons: list[Person]) -> dict[Any, set[str]]:
    """Person id → the person's readable email addresses and phone numbers
    in the register, as stored. Call it inside a key scope; inside a batch
    erasure it is read once (``participants.memo``)."""
    ids = [p.pk for p in persons]

    def read() -> dict[Any, set[str]]:
        keyring.prefetch(ids, KeyClass.CRM)
        addresses: dict[Any, set[str]] = {pid: set() for pid in ids}
        sources = [
            (model, column, _owned_by_person(model, column))
            for model, column in ((PersonEmail, "email"), (PersonPhone, "number"))
        ]
        # Only the columns read, as values: the row's id, its key owner and
        # the address, opened as the attribute would open it (thousands of
        # rows a batch erasure; no model instance is needed).
        for chunk in idlist.chunks(ids):
            for model, column, field in sources:
                # Each statement compiled once per process (core/compiled.py).
                for pk, pid, sealed in compiled.among_rows(
                    ("messaging.addresses", column),
                    lambda keys, model=model, column=column: (
                        model.objects.filter(idlist.among("person_id", keys))
                        .order_by()
                        .values_list("pk", "person_id", column)
                    ),
                    chunk,
                    model=model,
                ):
                    value = field.open_value(pid, str(pk), sealed)
                    if (a := readable(value)) is not None:
                        addresses[pid].add(a)
        return addresses

    key = ("messaging.addresses", participants.ids_key(ids))
    return participants.memo(key, read)


def address_marks_many(persons: list[Person]) -> dict[Any, list[int]]:
    """Person id → the keyed digests of their addresses (``address_digest``
    of the normal form, as a participant row stores it), for the erasure
    ledger: after a restore, the replay finds by them the rows no one
    matched to the person (:mod:`rekisteri.messaging.replay`)."""
    addresses = person_addresses_many(persons)
    digest = _digests_many(persons, addresses)
    return {
        pid: sorted({d for d in (digest[normal_form(a)] for a in found) if d})
        for pid, found in addresses.items()
    }


def _digests_many(
    persons: list[Person], addresses: dict[Any, set[str]]
) -> dict[str, int | None]:
    """Normal form → ``address_digest`` of every address of the persons:
    inside a batch erasure made once for the plan's participant rows and
    the ledger's marks (``participants.memo``), a keyed hash per address."""
    key = ("messaging.digests", participants.ids_key(p.pk for p in persons))
    return participants.memo(
        key,
        lambda: {
            n: address_digest(n)
            for n in {normal_form(a) for found in addresses.values() for a in found}
        },
    )


def _participant_rows_many(
    persons: list[Person],
) -> tuple[dict[Any, set[str]], dict[Any, list[MessageParticipant]]]:
    ids = [p.pk for p in persons]
    addresses = person_addresses_many(persons)
    # Parsing a phone number is slow: the persons' own addresses are in
    # their stored forms (normal_form), and an address as typed in a row is
    # normalised once per call (so no address outlives the batch in memory).
    normalised: dict[str, str] = {}

    def _normalised(address: str) -> str:
        if address not in normalised:
            normalised[address] = normalise_address(address)[1]
        return normalised[address]

    owners: dict[str, set[Any]] = {}  # normalised address → persons
    for pid, found in addresses.items():
        for a in found:
            owners.setdefault(normal_form(a), set()).add(pid)
    digest = _digests_many(persons, addresses)
    digests = sorted({d for d in (digest[n] for n in owners) if d})
    rows: dict[Any, list[MessageParticipant]] = {pid: [] for pid in ids}
    seen: set[Any] = set()
    wanted = set(ids)
    queries = [idlist.among("person_id", chunk) for chunk in idlist.chunks(ids)]
    queries += [
        idlist.among("address_digest", chunk) for chunk in idlist.chunks(digests)
    ]
    if len(queries) == 2 and (
        idlist.is_postgresql() or len(ids) + len(digests) <= idlist.CHUNK
    ):
        # Both fit one statement: the rows matched to the persons and those
        # with one of their addresses in one query.
        queries = [queries[0] | queries[1]]
    for q in queries:
        for r in (
            MessageParticipant.objects.filter(q)
            .select_related("message")
            .only(*ROW_COLUMNS)
        ):
            if r.pk in seen:
                continue
            seen.add(r.pk)
            # Digests are truncated: an unmatched row counts only if its
            # address really is one of the person's.
            mine = set(owners.get(_normalised(str(r.address or "")), ()))
            if r.person_id in wanted:
                mine.add(r.person_id)
            for pid in mine:
                rows[pid].append(r)
    return addresses, rows


@write_service(subject=PERSON)
def participation_erase_many(
    *, actor: Any, persons: list[Person]
) -> dict[Any, dict[str, int]]:
    """Remove the persons' identifiers and participation from messages, as
    ``services.person_participation_erase`` does for one: person id →
    counts (``participations``, ``headers_scrubbed``, ``messages_deleted``).
    """
    persons = list({p.pk: p for p in persons}.values())
    ids = [p.pk for p in persons]
    if not ids:
        return {}
    authorize_write(
        actor=actor,
        person_ids=ids,
        families=CONTENT_CATEGORIES + PARTICIPANT_CATEGORIES,
        action=Action.ERASE,
        operation="person.shred",
    )
    # Its own transaction when called alone; inside an erasure's, no
    # savepoint of its own: a failure here fails the whole erasure.
    with keyring.ensure_scope(), transaction.atomic(savepoint=False):
        addresses, rows = participant_rows_many(persons)
        needles: dict[Any, set[str]] = {}  # message id → what to scrub
        involved: dict[Any, set[Any]] = {}  # message id → persons
        messages: dict[Any, Message] = {}
        for person in persons:
            mine = rows[person.pk]
            if not mine:
                continue  # no message to scrub: the name is not read
            names = {str(r.display_name) for r in mine if r.display_name}
            full_name = readable(person.full_name)
            if full_name:
                names.add(full_name)
            for r in mine:
                messages[r.message_id] = r.message
                needles.setdefault(r.message_id, set()).update(
                    addresses[person.pk] | names
                )
                involved.setdefault(r.message_id, set()).add(person.pk)
        scrubbed: dict[Any, int] = dict.fromkeys(ids, 0)
        for mid, message in messages.items():
            if message.headers and not str(message.headers).startswith("["):
                new = scrub_text(str(message.headers), needles[mid])
                if new != message.headers:
                    message.headers = new
                    message.save(update_fields=["headers"])
                    for pid in involved[mid]:
                        scrubbed[pid] += 1
        doomed = sorted({r.pk for found in rows.values() for r in found})
        for chunk in idlist.chunks(doomed):
            rawdelete.delete_among(
                "messaging.participants",
                lambda keys: MessageParticipant.objects.filter(
                    idlist.among("pk", keys)
                ),
                chunk,
                model=MessageParticipant,
            )
        # What is keyed to the persons alone (their threads and messages,
        # with every participant row and attachment of those messages) goes
        # with one statement per kind of row, no row read first: counted by
        # the scope's query inside a batch erasure (owned_many).
        owned = owned_many(ids)
        for chunk in idlist.chunks(ids):
            if not any(owned.get(pid, (0, 0, 0))[:2] != (0, 0) for pid in chunk):
                continue
            # Their threads' messages too, as the threads' cascade took them
            # (each condition on a column of the message, so each an index).
            # Each statement compiled once per process (core/compiled.py).
            for name, model, build in _OWNED_DELETES:
                rawdelete.delete_among(name, build, chunk, model=model)
        own = {pid: found[1] for pid, found in owned.items()}
        out: dict[Any, dict[str, int]] = {
            pid: {
                "participations": len(rows[pid]),
                "headers_scrubbed": scrubbed[pid],
                "messages_deleted": own.get(pid, 0),
            }
            for pid in ids
        }
        # The event of each person whose message history changed, recorded
        # together. Nothing written, nothing recorded: most persons erased
        # by a sweep never appear in a message, and the erasure's own event
        # and receipt already count their messages (0).
        audit_record_many(
            actor=actor,
            action="message.participation_erase",
            target_type="person",
            records=(
                (
                    pid,
                    pid,
                    ["participants", "headers"],
                    PARTICIPANT_CATEGORIES + CONTENT_CATEGORIES,
                    out[pid],
                )
                for pid in ids
                if any(out[pid].values())
            ),
            purpose="customer_relationship",
        )
    return out
