"""The database refuses to change or delete an issued invoice and its lines.

Services already refuse; the triggers make sure no other path (a shell, a
bulk update, a bug) can alter a bookkeeping voucher. Deleting is allowed only
inside a purge: on SQLite while a ``billing_voucherpurgepermit`` row exists,
on PostgreSQL when the transaction has set ``rekisteri.voucher_purge``.
PostgreSQL's TRUNCATE (test flush) does not fire row triggers.
"""

from django.db import migrations

ISSUED = "(SELECT state FROM billing_invoice WHERE id = {row}.invoice_id) = 'issued'"
NO_PERMIT = "NOT EXISTS (SELECT 1 FROM billing_voucherpurgepermit)"
ABORT = "BEGIN SELECT RAISE(ABORT, 'issued invoices are immutable'); END"

SQLITE_UP = [
    f"""CREATE TRIGGER billing_invoice_no_update BEFORE UPDATE ON billing_invoice
    WHEN OLD.state = 'issued' {ABORT}""",
    f"""CREATE TRIGGER billing_invoice_no_delete BEFORE DELETE ON billing_invoice
    WHEN OLD.state = 'issued' AND {NO_PERMIT} {ABORT}""",
    f"""CREATE TRIGGER billing_line_no_insert BEFORE INSERT ON billing_invoiceline
    WHEN {ISSUED.format(row="NEW")} {ABORT}""",
    f"""CREATE TRIGGER billing_line_no_update BEFORE UPDATE ON billing_invoiceline
    WHEN {ISSUED.format(row="OLD")} OR {ISSUED.format(row="NEW")} {ABORT}""",
    f"""CREATE TRIGGER billing_line_no_delete BEFORE DELETE ON billing_invoiceline
    WHEN {ISSUED.format(row="OLD")} AND {NO_PERMIT} {ABORT}""",
]
SQLITE_DOWN = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in (
        "billing_invoice_no_update",
        "billing_invoice_no_delete",
        "billing_line_no_insert",
        "billing_line_no_update",
        "billing_line_no_delete",
    )
]

PG_UP = [
    """
    CREATE OR REPLACE FUNCTION billing_invoice_immutable() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'DELETE'
           AND current_setting('rekisteri.voucher_purge', true) = 'on' THEN
            RETURN OLD;
        END IF;
        IF OLD.state = 'issued' THEN
            RAISE EXCEPTION 'issued invoices are immutable';
        END IF;
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER billing_invoice_immutable
    BEFORE UPDATE OR DELETE ON billing_invoice
    FOR EACH ROW EXECUTE FUNCTION billing_invoice_immutable()
    """,
    """
    CREATE OR REPLACE FUNCTION billing_line_immutable() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'DELETE'
           AND current_setting('rekisteri.voucher_purge', true) = 'on' THEN
            RETURN OLD;
        END IF;
        IF TG_OP <> 'INSERT' AND EXISTS (
            SELECT 1 FROM billing_invoice
            WHERE id = OLD.invoice_id AND state = 'issued'
        ) THEN
            RAISE EXCEPTION 'issued invoices are immutable';
        END IF;
        IF TG_OP <> 'DELETE' AND EXISTS (
            SELECT 1 FROM billing_invoice
            WHERE id = NEW.invoice_id AND state = 'issued'
        ) THEN
            RAISE EXCEPTION 'issued invoices are immutable';
        END IF;
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER billing_line_immutable
    BEFORE INSERT OR UPDATE OR DELETE ON billing_invoiceline
    FOR EACH ROW EXECUTE FUNCTION billing_line_immutable()
    """,
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS billing_line_immutable ON billing_invoiceline",
    "DROP FUNCTION IF EXISTS billing_line_immutable()",
    "DROP TRIGGER IF EXISTS billing_invoice_immutable ON billing_invoice",
    "DROP FUNCTION IF EXISTS billing_invoice_immutable()",
]


def _run(statements):
    def apply(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, ()):
            schema_editor.execute(sql)

    return apply


class Migration(migrations.Migration):
    dependencies = [("billing", "0002_vat_rates")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": PG_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": PG_DOWN}),
        )
    ]
