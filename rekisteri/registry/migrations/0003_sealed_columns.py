"""Step 1 of 3 of encrypting personal data in place: add sealed columns.

The plaintext columns stay until step 3, so an interrupted upgrade loses
nothing; step 2 fills the sealed columns in resumable batches.
"""

from django.db import migrations

import rekisteri.core.crypto.fields

SEALED = [
    ("person", "first_name", "name"),
    ("person", "last_name", "name"),
    ("person", "preferred_language", None),
    ("person", "street", None),
    ("person", "postal_code", None),
    ("person", "city", None),
    ("person", "country", None),
    ("personemail", "email", "exact"),
    ("personphone", "number", "exact"),
    ("role", "title", None),
]


class Migration(migrations.Migration):
    dependencies = [("registry", "0002_data_sources")]

    operations = [
        migrations.RemoveIndex(model_name="person", name="person_last_keyset"),
        migrations.RemoveIndex(model_name="person", name="person_first_key"),
        migrations.RemoveConstraint(
            model_name="personphone", name="phone_once_per_person"
        ),
        *[
            migrations.AddField(
                model_name=model,
                name=f"{field}_sealed",
                field=rekisteri.core.crypto.fields.EncryptedTextField(
                    null=True, blank=True, blind=blind
                ),
            )
            for model, field, blind in SEALED
        ],
    ]
