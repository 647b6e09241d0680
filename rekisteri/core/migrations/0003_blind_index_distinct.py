"""The blind index's keys: PostgreSQL told how many are distinct.

``ANALYZE`` estimates a column's distinct values from a sample of 30,000
rows. The blind index mixes a few very common keys (name terms: a first
name's key is shared by every person of that name, and its prefixes by
more) with a great many unique ones (every address and number is its
owner's alone), and from a sample it takes the unique ones for far fewer
than they are: 20,814 distinct keys estimated of 399,374 in 1.48 million
rows. The planner then expects dozens of rows for each key of a batch's
addresses, and answers a lookup of 2,500 keys with a scan of the whole
table (176 ms) instead of the index (7 ms): docs/benchmarks.md,
2026-12-05.

By the index's design at least a tenth of its rows are distinct keys (a
person has about fourteen rows, two or three of them unique: email, phone,
customer number), so the column's distinct count is set as that fraction
of the rows (``n_distinct = -0.1``), which grows with the table; the most
common keys keep the frequencies ``ANALYZE`` measures. PostgreSQL only:
SQLite's planner keeps no such estimate.
"""

from django.db import migrations


def _alter(apps, schema_editor, option: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    table = apps.get_model("core", "BlindIndex")._meta.db_table
    schema_editor.execute(
        f"ALTER TABLE {quote(table)} ALTER COLUMN {quote('key')} {option}"
    )


def forwards(apps, schema_editor) -> None:
    _alter(apps, schema_editor, "SET (n_distinct = -0.1)")


def backwards(apps, schema_editor) -> None:
    _alter(apps, schema_editor, "RESET (n_distinct)")


class Migration(migrations.Migration):
    dependencies = [("core", "0002_sequence")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
