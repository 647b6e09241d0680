"""Step 2 of 3: encrypt existing plaintext into the sealed columns.

Runs outside one big transaction: each batch commits on its own and only rows
whose sealed column is still empty are touched, so an interrupted run is
finished by running ``migrate`` again. Ciphertext is bound to the final column
name (step 3 renames ``x_sealed`` to ``x``) and each subject's blind-index rows
are written with it.
"""

import uuid

from django.db import migrations, transaction

BATCH = 2000

# model, subject ("self" or the FK to the person), fields, blind kinds
PLAN = [
    (
        "person",
        "self",
        ["first_name", "last_name", "preferred_language", "street", "postal_code",
         "city", "country"],
        {"first_name": "name", "last_name": "name"},
    ),
    ("personemail", "person", ["email"], {"email": "exact"}),
    ("personphone", "person", ["number"], {"number": "exact"}),
    ("role", "person", ["title"], {}),
]
LABELS = {
    "person": "Person",
    "personemail": "PersonEmail",
    "personphone": "PersonPhone",
    "role": "Role",
}


def encrypt(apps, schema_editor):
    from rekisteri.core.blindindex import keys_for_label
    from rekisteri.core.crypto.envelope import Place, seal
    from rekisteri.core.crypto.fields import Sealed
    from rekisteri.core import keyring

    BlindIndex = apps.get_model("core", "BlindIndex")
    alias = schema_editor.connection.alias
    for model_name, subject, fields, blind in PLAN:
        Model = apps.get_model("registry", model_name)
        table = Model._meta.db_table
        subject_attr = "id" if subject == "self" else f"{subject}_id"
        pending = Model.objects.using(alias).filter(**{f"{fields[0]}_sealed": None})
        while True:
            rows = list(
                pending.order_by("pk").values("pk", subject_attr, *fields)[:BATCH]
            )
            if not rows:
                break
            with keyring.key_scope(), transaction.atomic(using=alias):
                index_rows = []
                for row in rows:
                    sid = row[subject_attr]
                    sid = sid if isinstance(sid, uuid.UUID) else uuid.UUID(str(sid))
                    version, key = keyring.current_key(sid, "crm")
                    update = {}
                    for name in fields:
                        value = row[name] if row[name] is not None else ""
                        place = Place(table, name, str(row["pk"]), "crm")
                        update[f"{name}_sealed"] = Sealed(seal(key, version, place, value))
                        if name in blind:
                            label = f"registry.{LABELS[model_name]}.{name}"
                            index_rows.extend(
                                BlindIndex(key=k, subject_id=sid)
                                for k in set(keys_for_label(label, blind[name], value))
                            )
                    Model.objects.using(alias).filter(pk=row["pk"]).update(**update)
                BlindIndex.objects.using(alias).bulk_create(index_rows, batch_size=1000)


class Migration(migrations.Migration):
    atomic = False
    dependencies = [
        ("registry", "0003_sealed_columns"),
        ("core", "0001_initial"),
    ]
    operations = [migrations.RunPython(encrypt, migrations.RunPython.noop)]
