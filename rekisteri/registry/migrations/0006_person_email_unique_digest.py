"""A unique, full-length keyed digest of every email address.

Existing rows get their digest here; if the register already holds the same
address twice (the race this constraint closes), the older row keeps the
digest and the later ones stay NULL, to be merged by hand (the count is
printed).
"""

from django.db import migrations, models

from rekisteri.core.crypto.fields import Placeholder
from rekisteri.core.keyring import key_scope
from rekisteri.registry.models import PersonEmail as CurrentEmail
from rekisteri.registry.models import email_digest


def fill_digests(apps, schema_editor):
    PersonEmail = apps.get_model("registry", "PersonEmail")  # noqa: N806
    seen: set[str] = set()
    duplicates = 0
    with key_scope():
        # Decrypting needs the field's catalogue entry, which historical
        # models lack: read through the current model, only these columns.
        rows = CurrentEmail.objects.only("id", "person_id", "email", "created_at")
        for row in rows.order_by("created_at", "id").iterator(2000):
            value = row.email
            if not isinstance(value, str) or isinstance(value, Placeholder):
                continue  # erased: no digest
            digest = email_digest(value)
            if digest in seen:
                duplicates += 1
                continue
            seen.add(digest)
            PersonEmail.objects.filter(pk=row.pk).update(email_digest=digest)
    if duplicates:
        print(f"  {duplicates} email addresses are held by two persons; merge them")


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0005_drop_plaintext"),
        ("keystore", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="personemail",
            name="email_digest",
            field=models.CharField(
                blank=True, editable=False, max_length=64, null=True
            ),
        ),
        migrations.RunPython(fill_digests, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="personemail",
            constraint=models.UniqueConstraint(
                fields=("email_digest",), name="person_email_unique_digest"
            ),
        ),
    ]
