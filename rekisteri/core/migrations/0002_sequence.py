"""The counters (``Sequence``) move from the register to core.

Only Django's model state moves: the table stays ``registry_sequence``,
created by ``registry/0001_initial``, so neither a fresh database nor an
existing one has anything to copy or rename. ``registry/0011`` removes the
model from the register's state after this one.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Sequence",
                    fields=[
                        (
                            "name",
                            models.CharField(
                                max_length=40, primary_key=True, serialize=False
                            ),
                        ),
                        ("last_value", models.BigIntegerField()),
                    ],
                    options={"db_table": "registry_sequence"},
                ),
            ],
            database_operations=[],
        ),
    ]
