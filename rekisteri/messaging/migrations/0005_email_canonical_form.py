"""Participants' address digests from the canonical form of their address.

A participant row keeps the address as typed (sealed under the message's
key) and a keyed digest of its normal form, by which an erasure finds a
person's appearances no one matched to them. An email address's normal
form is now its canonical one (registry 0014: the domain in Unicode after
IDNA's UTS #46 mapping), so the digest of a row typed with a punycode or
decomposed domain is computed again, by the same function the import uses
(``services.normalise_address``). The address itself stays as typed.

Not recomputable: a row whose message's key was shredded keeps its digest,
and the erasure ledger's marks (the digests of an erased person's
addresses, kept for a restore's replay) were taken under the old form: a
replay after restoring an older backup finds an unmatched row typed with a
punycode domain by its address only where the address is still readable.
"""

from django.db import migrations

from rekisteri.core import keyring
from rekisteri.core.crypto.fields import Placeholder
from rekisteri.messaging.choices import AddressKind
from rekisteri.messaging.models import MessageParticipant as CurrentParticipant
from rekisteri.messaging.services import address_digest, normalise_address

BATCH = 2000


def _renormalise(MessageParticipant, field, batch):  # noqa: N803
    changed = 0
    with keyring.key_scope():
        keyring.prefetch(
            {org or person for _pk, org, person, _a, _d in batch},
            field.classification.key_class,
        )
        for pk, org, person, sealed, digest in batch:
            value = field.open_value(org or person, str(pk), sealed)
            if not isinstance(value, str) or isinstance(value, Placeholder):
                continue  # no address, or the message's key was shredded
            kind, normal = normalise_address(value)
            if kind != AddressKind.EMAIL:
                continue
            new = address_digest(normal)
            if new != digest:
                MessageParticipant.objects.filter(pk=pk).update(address_digest=new)
                changed += 1
    return changed


def renormalise(apps, schema_editor):
    MessageParticipant = apps.get_model("messaging", "MessageParticipant")  # noqa: N806
    field = CurrentParticipant._meta.get_field("address")
    rows = (
        MessageParticipant.objects.filter(address_digest__isnull=False)
        .order_by("id")
        .values_list(
            "id",
            "message__organization_id",
            "message__person_id",
            "address",
            "address_digest",
        )
        .iterator(BATCH)
    )
    batch = []
    changed = 0
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            changed += _renormalise(MessageParticipant, field, batch)
            batch = []
    if batch:
        changed += _renormalise(MessageParticipant, field, batch)
    if changed:
        print(f"  {changed} message participants' address digests recomputed")


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0004_covered_fk_indexes"),
        ("registry", "0014_email_canonical_form"),
    ]

    operations = [
        migrations.RunPython(renormalise, migrations.RunPython.noop),
    ]
