"""The database refuses to change or delete a published privacy notice.

The model refuses ``save()`` on an existing version and ``delete()``; these
triggers also stop ``QuerySet.update()``/``delete()`` and raw SQL. SQLite
allows DELETE only while an audit purge permit row exists (what the test
suite's flush uses, see conftest.py); PostgreSQL's flush is TRUNCATE, which
row triggers do not see.
"""

from django.db import migrations

SQLITE_UP = [
    """
    CREATE TRIGGER privacy_notice_no_update BEFORE UPDATE ON privacy_noticeversion
    BEGIN SELECT RAISE(ABORT, 'published privacy notices are immutable'); END
    """,
    """
    CREATE TRIGGER privacy_notice_no_delete BEFORE DELETE ON privacy_noticeversion
    WHEN NOT EXISTS (SELECT 1 FROM audit_auditpurgepermit)
    BEGIN SELECT RAISE(ABORT, 'published privacy notices are immutable'); END
    """,
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS privacy_notice_no_update",
    "DROP TRIGGER IF EXISTS privacy_notice_no_delete",
]
PG_UP = [
    """
    CREATE OR REPLACE FUNCTION privacy_notice_immutable() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'published privacy notices are immutable';
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER privacy_notice_immutable
    BEFORE UPDATE OR DELETE ON privacy_noticeversion
    FOR EACH ROW EXECUTE FUNCTION privacy_notice_immutable()
    """,
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS privacy_notice_immutable ON privacy_noticeversion",
    "DROP FUNCTION IF EXISTS privacy_notice_immutable()",
]


def _run(statements):
    def apply(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, ()):
            schema_editor.execute(sql)

    return apply


class Migration(migrations.Migration):
    dependencies = [
        ("privacy", "0001_initial"),
        # The SQLite DELETE trigger reads the audit purge permit table.
        ("audit", "0002_append_only"),
    ]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": PG_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": PG_DOWN}),
        )
    ]
