"""An invoice may carry the buyer's e-invoice address and operator, so that
its Finvoice has a complete operator envelope (ToIdentifier, ToIntermediator).

Adding a NOT NULL column with a default makes SQLite rebuild billing_invoice,
and SQLite refuses to drop or rename a table that the line triggers of 0003
name; the rebuild would also drop the invoice triggers. So the triggers are
dropped around the schema change and recreated after it, in both directions,
as in 0004.
"""

from importlib import import_module

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
        ("billing", "0004_invoice_contract"),
    ]

    operations = [
        migrations.RunPython(
            _sqlite(_immutable.SQLITE_DOWN), _sqlite(_immutable.SQLITE_UP)
        ),
        migrations.AddField(
            model_name="invoice",
            name="einvoice_address",
            field=models.CharField(
                blank=True, max_length=35, verbose_name="e-invoice address"
            ),
        ),
        migrations.AddField(
            model_name="invoice",
            name="einvoice_operator",
            field=models.CharField(
                blank=True, max_length=35, verbose_name="e-invoice operator"
            ),
        ),
        migrations.RunPython(
            _sqlite(_immutable.SQLITE_UP), _sqlite(_immutable.SQLITE_DOWN)
        ),
    ]
