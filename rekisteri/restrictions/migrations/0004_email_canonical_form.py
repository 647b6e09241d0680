"""The suppression list and its matches under the canonical email form.

The list holds keyed digests only, with no link to a person: a digest
cannot be normalised again. Every entry came from an address of a person
who objected to direct marketing (``services.objection_record`` and the
contact listener) or of a requester the register did not hold who objected
(``suppression_add``; dsr 0007, which runs before this, digests those
again from their cases). So the addresses that can still be read are
digested again: here each email address of a person with a
direct-marketing objection joins the list in its canonical form (registry
0014: the domain in Unicode after IDNA's UTS #46 mapping). The entries of
erased persons, of expired cases and of addresses a person no longer has
stay as they were recorded; the lookups also try the two spellings such
an entry may be in (the domain in punycode, or decomposed:
``suppression.digests``).

Then every email address in the register is looked up as the listener
looks it up, and a person holding a listed address who has no email match
yet gets one (out of marketing, a note on the page), as the listener would
have flagged them had the address been spelled alike. No audit event is
recorded here; the count is printed.
"""

from django.db import migrations

from rekisteri.core import keyring
from rekisteri.core.crypto.fields import Placeholder
from rekisteri.registry.models import PersonEmail as CurrentEmail
from rekisteri.restrictions import suppression

BATCH = 2000
EMAIL = "email"


def _opened(field, batch):
    """(person id, address) of a batch of (pk, person id, sealed) rows, their
    keys fetched together; erased values left out."""
    out = []
    with keyring.key_scope():
        keyring.prefetch({p for _pk, p, _s in batch}, field.classification.key_class)
        for pk, person, sealed in batch:
            value = field.open_value(person, str(pk), sealed)
            if isinstance(value, str) and not isinstance(value, Placeholder):
                out.append((person, value))
    return out


def _addresses(field, rows):
    batch = []
    for row in rows.iterator(BATCH):
        batch.append(row)
        if len(batch) == BATCH:
            yield from _opened(field, batch)
            batch = []
    if batch:
        yield from _opened(field, batch)


def renormalise(apps, schema_editor):
    PersonEmail = apps.get_model("registry", "PersonEmail")  # noqa: N806
    Objection = apps.get_model("restrictions", "Objection")  # noqa: N806
    SuppressedContact = apps.get_model("restrictions", "SuppressedContact")  # noqa: N806
    SuppressionMatch = apps.get_model("restrictions", "SuppressionMatch")  # noqa: N806
    field = CurrentEmail._meta.get_field("email")
    columns = ("id", "person_id", "email")
    objecting = set(
        Objection.objects.filter(purpose="direct_marketing").values_list(
            "person_id", flat=True
        )
    )
    listed = set(
        SuppressedContact.objects.filter(kind=EMAIL).values_list("digest", flat=True)
    )
    added = 0
    ids = sorted(objecting)
    for start in range(0, len(ids), 500):
        rows = (
            PersonEmail.objects.filter(person_id__in=ids[start : start + 500])
            .order_by("id")
            .values_list(*columns)
        )
        for _person, address in _addresses(field, rows):
            digest = suppression.digest(EMAIL, address)
            if digest and digest not in listed:
                SuppressedContact.objects.create(kind=EMAIL, digest=digest)
                listed.add(digest)
                added += 1

    matched = set(
        SuppressionMatch.objects.filter(kind=EMAIL).values_list("person_id", flat=True)
    )
    flagged = set()
    if listed:
        rows = PersonEmail.objects.order_by("id").values_list(*columns)
        for person, address in _addresses(field, rows):
            if person in objecting or person in matched or person in flagged:
                continue
            if any(d in listed for d in suppression.digests(EMAIL, address)):
                flagged.add(person)
    SuppressionMatch.objects.bulk_create(
        [SuppressionMatch(person_id=p, kind=EMAIL) for p in sorted(flagged)],
        batch_size=500,
    )
    if added or flagged:
        print(
            f"  suppression list: {added} addresses in their canonical form,"
            f" {len(flagged)} persons newly matched"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("restrictions", "0003_covered_fk_indexes"),
        ("registry", "0014_email_canonical_form"),
    ]

    operations = [
        migrations.RunPython(renormalise, migrations.RunPython.noop),
    ]
