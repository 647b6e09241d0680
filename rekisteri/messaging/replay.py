"""The message history's part of the replay after a restore (docs/rights.md,
Erasure; docs/security.md, Restore and the erasure ledger).

A restored database may predate erasures: :func:`participation_replay`
erases again, for the persons of the erasure ledger, what
``erasure.participation_erase_many`` erased. Their own keys are gone by
now, so their addresses are mostly not read from the register. They come
from:

- the participant rows matched to them, sealed under the message's key (the
  organization's), still readable;
- the persons' register addresses where their key still opens (a key-store
  restore replays before it shreds again);
- the ledger's marks: the keyed digests of their addresses taken at the
  erasure (``erasure.address_marks_many``), which find the rows no one
  matched to them even when no readable address is left.

Their participant rows (matched, or with one of their addresses) are
deleted, those messages' headers scrubbed of the addresses and names the
rows and the register give, and their own messages and threads deleted.
Run by the restore as the system: nothing here is a new decision about the
person, only the one already recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction

from rekisteri.core import idlist, keyring
from rekisteri.messaging.erasure import (
    normal_form,
    person_addresses_many,
    readable,
)
from rekisteri.messaging.models import Message, MessageParticipant, Thread
from rekisteri.messaging.services import (
    address_digest,
    normalise_address,
    scrub_text,
)
from rekisteri.registry.models import Person


def participation_replay(
    person_ids: Sequence[Any], marks: dict[Any, list[Any]] | None = None
) -> dict[str, int]:
    """Erase again the message history of the persons ``person_ids`` (see
    the module's text); ``marks``: person id → their address digests from
    the ledger. Statements per chunk of persons and of digests, not per
    person."""
    ids = list(dict.fromkeys(person_ids))
    marked = {int(d) for found in (marks or {}).values() for d in found}
    with keyring.ensure_scope(), transaction.atomic():
        persons: list[Person] = []
        rows: dict[Any, MessageParticipant] = {}
        for chunk in idlist.chunks(ids):
            persons += Person.objects.filter(idlist.among("pk", chunk))
            for r in MessageParticipant.objects.filter(
                idlist.among("person_id", chunk)
            ).select_related("message"):
                rows[r.pk] = r
        known = {a for found in person_addresses_many(persons).values() for a in found}
        normalised = {normal_form(a) for a in known}
        normalised |= {
            normalise_address(a)[1]
            for a in (readable(r.address) for r in rows.values())
            if a
        }
        normalised.discard("")
        digests = {d for d in (address_digest(n) for n in normalised) if d}
        for chunk in idlist.chunks(sorted(digests | marked)):
            for r in MessageParticipant.objects.filter(
                idlist.among("address_digest", chunk)
            ).select_related("message"):
                # Digests are truncated. A row found by a readable address
                # counts only if its address really is one of theirs; one
                # found by a mark (the ledger keeps no address to compare)
                # by its 62-bit keyed digest alone.
                if r.pk not in rows and (
                    r.address_digest in marked
                    or normalise_address(readable(r.address) or "")[1] in normalised
                ):
                    rows[r.pk] = r
        addresses = known | {readable(r.address) for r in rows.values()}
        names = {readable(r.display_name) for r in rows.values()}
        for person in persons:
            names.add(readable(person.full_name))
        # An address as a row stores it (as typed) and in its normal form,
        # as the erasure scrubbed the register's stored forms.
        normalised |= {normalise_address(a)[1] for a in addresses if a}
        needles = {n for n in addresses | normalised | names if n}
        scrubbed = 0
        for message in {r.message_id: r.message for r in rows.values()}.values():
            headers = readable(message.headers)
            if headers:
                new = scrub_text(headers, needles)
                if new != headers:
                    message.headers = new
                    message.save(update_fields=["headers"])
                    scrubbed += 1
        deleted = own_count = 0
        for chunk in idlist.chunks(sorted(rows)):
            deleted += (
                MessageParticipant.objects.filter(idlist.among("pk", chunk))
                .delete()[1]
                .get(MessageParticipant._meta.label, 0)
            )
        for chunk in idlist.chunks(ids):
            own = Message.objects.filter(idlist.among("person_id", chunk))
            own_count += own.count()
            own.delete()
            Thread.objects.filter(idlist.among("person_id", chunk)).delete()
    return {
        "participations": deleted,
        "headers_scrubbed": scrubbed,
        "messages_deleted": own_count,
    }
