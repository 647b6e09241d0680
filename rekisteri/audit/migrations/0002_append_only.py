"""The database refuses UPDATE and DELETE on audit events.

SQLite: triggers that abort, except that DELETE is allowed while a purge
permit row exists (the retention purge's own transaction). PostgreSQL: a
trigger function that raises unless the transaction has set
``rekisteri.audit_purge`` (the same purge path). ``manage.py audit verify``
still detects anything done around the triggers (by someone who drops them).
"""

from django.db import migrations

SQLITE_UP = [
    """
    CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_auditevent
    BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END
    """,
    """
    CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_auditevent
    WHEN NOT EXISTS (SELECT 1 FROM audit_auditpurgepermit)
    BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END
    """,
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS audit_event_no_update",
    "DROP TRIGGER IF EXISTS audit_event_no_delete",
]

PG_UP = [
    """
    CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'DELETE'
           AND current_setting('rekisteri.audit_purge', true) = 'on' THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION 'audit events are append-only';
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER audit_event_append_only
    BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()
    """,
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS audit_event_append_only ON audit_auditevent",
    "DROP FUNCTION IF EXISTS audit_event_append_only()",
]


def _run(statements):
    def apply(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        for sql in statements.get(vendor, ()):
            schema_editor.execute(sql)

    return apply


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": PG_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": PG_DOWN}),
        )
    ]
