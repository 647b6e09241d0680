"""A sole trader's two values in a registry review, sealed under the
organization's own key like its own columns (registry/sealing.py).

The data step seals the sole traders' reviews stored before and empties
their columns; it touches only rows with a value left in the clear, so an
interrupted run is finished by running ``migrate`` again. A review whose
organization's key is already shredded has nothing left to protect: its
values are emptied.
"""

import json
import uuid

import rekisteri.registry.sealing
from django.db import migrations, models, transaction

BATCH = 1000


def seal(apps, schema_editor):
    from rekisteri.core import keyring
    from rekisteri.core.crypto.envelope import Place, seal as seal_value
    from rekisteri.core.crypto.fields import Sealed

    Review = apps.get_model("connectors", "RegistryReview")
    alias = schema_editor.connection.alias
    table = Review._meta.db_table
    pending = Review.objects.using(alias).filter(sole_trader=True).filter(
        ~models.Q(current_value="") | ~models.Q(proposed_value="")
    )
    while True:
        rows = list(
            pending.order_by("pk").values(
                "pk", "organization_id", "current_value", "proposed_value"
            )[:BATCH]
        )
        if not rows:
            break
        with keyring.key_scope(), transaction.atomic(using=alias):
            for row in rows:
                pk = row["pk"] if isinstance(row["pk"], uuid.UUID) else uuid.UUID(str(row["pk"]))
                org = row["organization_id"]
                org = org if isinstance(org, uuid.UUID) else uuid.UUID(str(org))
                update = {"current_value": "", "proposed_value": ""}
                try:
                    version, key = keyring.current_key(org, "crm")
                except keyring.KeyDestroyed:
                    update["sole_trader_sealed"] = None
                else:
                    text = json.dumps(
                        {
                            "current_value": row["current_value"],
                            "proposed_value": row["proposed_value"],
                        },
                        ensure_ascii=False,
                        sort_keys=True,
                    )
                    place = Place(table, "sole_trader_sealed", str(pk), "crm")
                    update["sole_trader_sealed"] = Sealed(
                        seal_value(key, version, place, text)
                    )
                Review.objects.using(alias).filter(pk=pk).update(**update)


class Migration(migrations.Migration):
    atomic = False
    dependencies = [
        ("connectors", "0004_inform_first_message"),
    ]

    operations = [
        migrations.AddField(
            model_name="registryreview",
            name="sole_trader_sealed",
            field=rekisteri.registry.sealing.SealedValuesField(blank=True, null=True),
        ),
        migrations.RunPython(seal, migrations.RunPython.noop),
    ]
