"""Step 3 of 3: drop the plaintext columns and give the sealed ones their names."""

from django.db import migrations, models

import rekisteri.core.crypto.fields

SEALED = [
    ("person", "first_name", "name", False, "first name"),
    ("person", "last_name", "name", False, "last name"),
    ("person", "preferred_language", None, False, "preferred language"),
    ("person", "street", None, True, "street address"),
    ("person", "postal_code", None, True, "postal code"),
    ("person", "city", None, True, "post office"),
    ("person", "country", None, True, "country"),
    ("personemail", "email", "exact", False, "email"),
    ("personphone", "number", "exact", False, "phone"),
    ("role", "title", None, True, "title"),
]


class Migration(migrations.Migration):
    dependencies = [("registry", "0004_encrypt_rows")]

    operations = [
        migrations.RemoveField(model_name="person", name="first_name_key"),
        migrations.RemoveField(model_name="person", name="last_name_key"),
        *[
            op
            for model, field, blind, nullable, label in SEALED
            for op in (
                migrations.RemoveField(model_name=model, name=field),
                migrations.RenameField(
                    model_name=model, old_name=f"{field}_sealed", new_name=field
                ),
                migrations.AlterField(
                    model_name=model,
                    name=field,
                    field=rekisteri.core.crypto.fields.EncryptedTextField(
                        label, null=nullable, blank=nullable, blind=blind
                    ),
                ),
            )
        ],
        migrations.AlterModelOptions(
            name="person",
            options={
                "ordering": ["-created_at", "-id"],
                "verbose_name": "person",
                "verbose_name_plural": "persons",
            },
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(fields=["created_at", "id"], name="person_created"),
        ),
    ]
