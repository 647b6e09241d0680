"""An invoice may name the contract it bills.

On SQLite, removing the column again (unapplying) rebuilds billing_invoice,
and SQLite refuses to drop or rename a table that the line triggers of 0003
name. So the triggers are dropped around the schema change and recreated
after it, in both directions.
"""

from importlib import import_module

import django.db.models.deletion
from django.db import migrations, models

_immutable = import_module("rekisteri.billing.migrations.0003_immutable_vouchers")


def _sqlite(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0003_immutable_vouchers"),
        ("contracts", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(
            _sqlite(_immutable.SQLITE_DOWN), _sqlite(_immutable.SQLITE_UP)
        ),
        migrations.AddField(
            model_name="invoice",
            name="contract",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="invoices",
                to="contracts.contract",
                verbose_name="contract",
            ),
        ),
        migrations.RunPython(
            _sqlite(_immutable.SQLITE_UP), _sqlite(_immutable.SQLITE_DOWN)
        ),
    ]
