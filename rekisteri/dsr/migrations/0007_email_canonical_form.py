"""Requesters' email addresses in their one canonical form.

A case keeps the requester's normalised address (sealed under the case's
own key) and its keyed digest, which finds the requester's other open cases
(``services.open_duplicates``) for as long as the case is kept. Addresses
whose canonical form changed (registry 0014: the domain in Unicode after
IDNA's UTS #46 mapping) are sealed again through the field's own sealing
path and given the canonical form's digest, written with ``update()``, so
no signal of a later app runs inside the migration.

An objection answered with "no data held" put the requester's addresses on
the suppression list (``case_answer_none_held``); the canonical digest of
such a requester's email joins the list here, before the restrictions
app's migration looks the register's addresses up in it.

Not here: a portal draft lives 30 minutes (its address is normalised again
when its code is confirmed), the rate limits' cache counters an hour, and a
sent letter's recipient is the record of where it went.
"""

from django.db import migrations

from rekisteri.core import keyring
from rekisteri.core.crypto.fields import Placeholder
from rekisteri.core.formats import FormatError, normalise_email
from rekisteri.dsr.models import RequestCase as CurrentCase
from rekisteri.dsr.services.codes import contact_digest
from rekisteri.restrictions import suppression

BATCH = 2000


def _renormalise(apps, field, batch, objected, counts):
    RequestCase = apps.get_model("dsr", "RequestCase")  # noqa: N806
    SuppressedContact = apps.get_model("restrictions", "SuppressedContact")  # noqa: N806
    with keyring.key_scope():
        keyring.prefetch([pk for pk, _sealed in batch], field.classification.key_class)
        for pk, sealed in batch:
            value = field.open_value(pk, str(pk), sealed)
            if not isinstance(value, str) or isinstance(value, Placeholder):
                continue  # none, or erased with the case's key
            try:
                new = normalise_email(value)
            except FormatError:
                continue
            if new != value:
                RequestCase.objects.filter(pk=pk).update(
                    requester_email=field.encrypt(CurrentCase(pk=pk), new),
                    email_digest=contact_digest("email", new),
                )
                counts["changed"] += 1
            digest = suppression.digest("email", new) if pk in objected else None
            if digest:
                _row, created = SuppressedContact.objects.get_or_create(
                    kind="email", digest=digest
                )
                counts["suppressed"] += created


def renormalise(apps, schema_editor):
    RequestCase = apps.get_model("dsr", "RequestCase")  # noqa: N806
    CaseAction = apps.get_model("dsr", "CaseAction")  # noqa: N806
    field = CurrentCase._meta.get_field("requester_email")
    objected = set(
        CaseAction.objects.filter(kind="objection", reference="none_held").values_list(
            "case_id", flat=True
        )
    )
    rows = (
        RequestCase.objects.filter(requester_email__isnull=False)
        .order_by("id")
        .values_list("id", "requester_email")
        .iterator(BATCH)
    )
    batch = []
    counts = {"changed": 0, "suppressed": 0}
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            _renormalise(apps, field, batch, objected, counts)
            batch = []
    if batch:
        _renormalise(apps, field, batch, objected, counts)
    if counts["changed"] or counts["suppressed"]:
        print(
            f"  {counts['changed']} requesters' email addresses in their canonical"
            f" form, {counts['suppressed']} put on the suppression list in it"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("dsr", "0006_export_hand_over"),
        ("registry", "0014_email_canonical_form"),
        ("restrictions", "0003_covered_fk_indexes"),
    ]
    run_before = [
        ("restrictions", "0004_email_canonical_form"),
    ]

    operations = [
        migrations.RunPython(renormalise, migrations.RunPython.noop),
    ]
