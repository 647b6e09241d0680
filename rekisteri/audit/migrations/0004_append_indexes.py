"""Two indexes fewer for every audit append.

``subject_id`` had an index of its own beside ``audit_subject_at``, which
leads with the same column and serves every lookup by subject. ``hash`` was
unique, an index (on PostgreSQL two: the constraint's and one for LIKE) that
only a diagnosis of a broken chain ever read. Each was a write into a B-tree
at a random place for every event; appending 6,000 events on SQLite took
about two fifths less time without them (docs/benchmarks.md, 2026-12-06).

PostgreSQL drops the constraint and the indexes in place. SQLite cannot
drop a column's UNIQUE: Django copies the table into a new one, and the
append-only triggers, which went with the old table, are made again here.
"""

import importlib

from django.db import migrations, models

_APPEND_ONLY = importlib.import_module("rekisteri.audit.migrations.0002_append_only")


def _triggers_again(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for sql in _APPEND_ONLY.SQLITE_DOWN + _APPEND_ONLY.SQLITE_UP:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_head_anchor_seal"),
    ]

    operations = [
        # Undone last: the triggers again on the table the undoing made.
        migrations.RunPython(migrations.RunPython.noop, _triggers_again),
        migrations.AlterField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(max_length=64),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="subject_id",
            field=models.UUIDField(null=True, verbose_name="data subject"),
        ),
        migrations.RunPython(_triggers_again, migrations.RunPython.noop),
    ]
