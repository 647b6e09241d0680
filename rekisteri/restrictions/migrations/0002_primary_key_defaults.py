"""New primary keys come from rekisteri.core.ids: time-ordered ids for
register rows, random ones for handles given outside the staff
(docs/security.md, Identifiers).

The default is applied by Django, not the database, so only the migration
state changes: no SQL runs (SQLite would otherwise copy every table).
"""

from django.db import migrations, models

import rekisteri.core.ids


class Migration(migrations.Migration):
    dependencies = [
        ("restrictions", "0001_restriction_objection_suppression"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="objection",
                    name="id",
                    field=models.UUIDField(
                        default=rekisteri.core.ids.time_ordered_id,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                migrations.AlterField(
                    model_name="restriction",
                    name="id",
                    field=models.UUIDField(
                        default=rekisteri.core.ids.time_ordered_id,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
            ],
        ),
    ]
