"""Stored email addresses in their one canonical form.

``core.formats.normalise_email`` now keeps an address's domain in Unicode
after IDNA's UTS #46 mapping (docs/security.md, One form of an address):
``matti@xn--prssi-jua.fi``, a decomposed ``pörssi`` and ``matti@pörssi.fi``
are one address. Each stored address is read through the current model,
as 0006 does (decrypting needs the field's catalogue entry, which
historical models lack), in batches whose keys are read together. A row
whose canonical form differs is sealed again through the model, whose save
rewrites the person's blind-index rows; its unique digest is the canonical
form's.

Two rows that become the same address: the older keeps the digest, the
later is left NULL (the count is printed), to be merged by hand, as 0006
left the duplicates it found. A row whose digest is already NULL (erased,
or such a duplicate) keeps NULL. A stored value that is no longer a valid
address (a punycode label IDNA refuses, a local part that is not ASCII)
is left as it is, and counted.
"""

from django.db import migrations

from rekisteri.core import keyring
from rekisteri.core.catalogue import KeyClass
from rekisteri.core.crypto.fields import Placeholder
from rekisteri.core.formats import FormatError, normalise_email
from rekisteri.registry.models import PersonEmail as CurrentEmail
from rekisteri.registry.models import email_digest

BATCH = 2000
# Parameters per IN list: below SQLite's oldest limit of 999.
CHUNK = 500


def _chunks(values):
    values = list(values)
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _read(batch, field, changes, counts):
    """Open a batch of (pk, person, sealed, digest, created) rows; note
    the rows whose value or digest the canonical form changes."""
    with keyring.key_scope():
        keyring.prefetch({row[1] for row in batch}, KeyClass.CRM)
        for pk, person_id, sealed, digest, created in batch:
            value = field.open_value(person_id, str(pk), sealed)
            if not isinstance(value, str) or isinstance(value, Placeholder):
                continue  # erased: no value, no digest
            try:
                new = normalise_email(value)
            except FormatError:
                counts["invalid"] += 1
                new = value
            new_digest = email_digest(new) if digest is not None else None
            if new != value or new_digest != digest:
                changes[pk] = (created, new if new != value else None, new_digest)


def renormalise(apps, schema_editor):
    PersonEmail = apps.get_model("registry", "PersonEmail")  # noqa: N806
    field = CurrentEmail._meta.get_field("email")
    changes = {}  # pk -> (created_at, new value or None, new digest or None)
    counts = {"invalid": 0, "duplicates": 0}
    rows = (
        PersonEmail.objects.order_by("created_at", "id")
        .values_list("id", "person_id", "email", "email_digest", "created_at")
        .iterator(BATCH)
    )
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            _read(batch, field, changes, counts)
            batch = []
    if batch:
        _read(batch, field, changes, counts)

    # Who holds each digest afterwards: the changed rows that take it and
    # the rows that hold it already and keep it. The oldest keeps it.
    contenders = {}
    for pk, (created, _value, new_digest) in changes.items():
        if new_digest is not None:
            contenders.setdefault(new_digest, []).append((created, pk))
    for chunk in _chunks(contenders):
        for pk, digest, created in PersonEmail.objects.filter(
            email_digest__in=chunk
        ).values_list("id", "email_digest", "created_at"):
            if pk not in changes:
                contenders[digest].append((created, pk))
    winners = {}
    losers = set()
    for digest, holders in contenders.items():
        holders.sort()
        winners[holders[0][1]] = digest
        losers.update(pk for _created, pk in holders[1:])
    counts["duplicates"] = len(losers)

    # Digests that move or go are cleared first, so that no two rows ever
    # hold one at the same time (the unique constraint).
    moving = {pk for pk, (_c, _v, digest) in changes.items() if digest is not None}
    for chunk in _chunks(moving | losers):
        PersonEmail.objects.filter(pk__in=chunk).update(email_digest=None)
    resealed = [pk for pk, (_c, value, _d) in changes.items() if value is not None]
    for chunk in _chunks(resealed):
        with keyring.key_scope():
            for row in CurrentEmail.objects.filter(pk__in=chunk).only(
                "id", "person_id", "email"
            ):
                row.email = changes[row.pk][1]
                # Only the sealed value: the digest is written below. The
                # save's signal rewrites the person's blind-index rows.
                row.save(update_fields=["email"])
    for pk, digest in winners.items():
        if pk in changes:
            PersonEmail.objects.filter(pk=pk).update(email_digest=digest)
    if counts["duplicates"]:
        print(
            f"  {counts['duplicates']} email addresses are held by two persons;"
            " merge them"
        )
    if counts["invalid"]:
        print(
            f"  {counts['invalid']} stored email addresses are not valid"
            " addresses; left as they were"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0013_covered_fk_indexes"),
    ]

    operations = [
        migrations.RunPython(renormalise, migrations.RunPython.noop),
    ]
