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
        ("dsr", "0001_request_cases"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="caseaction",
                    name="id",
                    field=models.UUIDField(
                        default=rekisteri.core.ids.time_ordered_id,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                migrations.AlterField(
                    model_name="exportfile",
                    name="id",
                    field=models.UUIDField(
                        default=rekisteri.core.ids.random_id,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                migrations.AlterField(
                    model_name="identitycode",
                    name="id",
                    field=models.UUIDField(
                        default=rekisteri.core.ids.random_id,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                migrations.AlterField(
                    model_name="portaldraft",
                    name="id",
                    field=models.UUIDField(
                        default=rekisteri.core.ids.random_id,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                migrations.AlterField(
                    model_name="requestcase",
                    name="id",
                    field=models.UUIDField(
                        default=rekisteri.core.ids.time_ordered_id,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                migrations.AlterField(
                    model_name="sentmessage",
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
