"""A sole trader's company data sealed under the organization's own key,
and a keyed digest of every business ID (registry/sealing.py).

The data step seals the values of the sole traders already in the register
and puts their stand-ins in the columns, writes their names' blind-index
rows, and gives every organization with a business ID its digest. It only
touches rows without a digest or (for a sole trader) without a document, so
an interrupted run is finished by running ``migrate`` again.
"""

import json
import uuid

import rekisteri.registry.sealing
from django.db import migrations, models, transaction

BATCH = 1000
# The fields sealed for a sole trader when this migration was written (the
# live list is registry/sealing.py's sealed_names(Organization)).
SEALED = (
    "name",
    "business_id",
    "vat_number",
    "postal_street",
    "postal_postal_code",
    "postal_city",
    "postal_country",
    "visiting_street",
    "visiting_postal_code",
    "visiting_city",
    "visiting_country",
    "registered_names",
)


def seal(apps, schema_editor):
    from rekisteri.core import keyring
    from rekisteri.core.blindindex import field_code, keys_for_label
    from rekisteri.core.crypto.envelope import Place, seal as seal_value
    from rekisteri.core.crypto.fields import Sealed
    from rekisteri.core.formats import search_key
    from rekisteri.registry import sealing

    Organization = apps.get_model("registry", "Organization")
    BlindIndex = apps.get_model("core", "BlindIndex")
    alias = schema_editor.connection.alias
    table = Organization._meta.db_table
    pending = Organization.objects.using(alias).filter(
        models.Q(business_id_digest=None, business_id__isnull=False)
        | models.Q(sole_trader=True, sole_trader_sealed=None)
    )
    code = field_code(sealing.NAME_LABEL)
    last = None
    while True:
        page = pending.order_by("pk")
        if last is not None:
            page = page.filter(pk__gt=last)
        rows = list(
            page.values("pk", "customer_number", "sole_trader", *SEALED)[
                :BATCH
            ]
        )
        if not rows:
            break
        last = rows[-1]["pk"]
        with keyring.key_scope(), transaction.atomic(using=alias):
            for row in rows:
                pk = row["pk"] if isinstance(row["pk"], uuid.UUID) else uuid.UUID(str(row["pk"]))
                update = {}
                if row["business_id"]:
                    update["business_id_digest"] = sealing.digest(row["business_id"])
                name = sealing.pseudonym(row["customer_number"])
                if row["sole_trader"] and row["name"] != name:
                    # (A pseudonymised sole trader has nothing left to seal.)
                    values = {n: row[n] for n in SEALED}
                    version, key = keyring.current_key(pk, "crm")
                    place = Place(table, "sole_trader_sealed", str(pk), "crm")
                    text = json.dumps(values, ensure_ascii=False, sort_keys=True)
                    update["sole_trader_sealed"] = Sealed(
                        seal_value(key, version, place, text)
                    )
                    for n in SEALED:
                        field = Organization._meta.get_field(n)
                        update[n] = (
                            None if field.null else [] if n == "registered_names" else ""
                        )
                    update["name"] = name
                    update["name_key"] = search_key(name)
                    BlindIndex.objects.using(alias).filter(
                        subject_id=pk, key__gte=code << 32, key__lt=(code + 1) << 32
                    ).delete()
                    BlindIndex.objects.using(alias).bulk_create(
                        BlindIndex(key=k, subject_id=pk)
                        for k in set(
                            keys_for_label(sealing.NAME_LABEL, "name", values["name"])
                        )
                    )
                Organization.objects.using(alias).filter(pk=pk).update(**update)


class Migration(migrations.Migration):
    atomic = False
    dependencies = [
        ("registry", "0011_sequence_to_core"),
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="organization",
            name="business_id_digest",
            field=models.CharField(
                blank=True, editable=False, max_length=64, null=True, unique=True
            ),
        ),
        migrations.AddField(
            model_name="organization",
            name="sole_trader_sealed",
            field=rekisteri.registry.sealing.SealedValuesField(blank=True, null=True),
        ),
        migrations.RunPython(seal, migrations.RunPython.noop),
    ]
