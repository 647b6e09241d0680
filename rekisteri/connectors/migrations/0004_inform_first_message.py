"""The first outgoing message to a person not yet informed of a third-party
source: Art. 14(3)(b) makes it the deadline (docs/connectors.md, Art. 14)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("connectors", "0003_primary_key_defaults"),
    ]

    operations = [
        migrations.AddField(
            model_name="informtask",
            name="first_message_at",
            field=models.DateTimeField(
                blank=True, null=True, verbose_name="first message"
            ),
        ),
    ]
