"""Foreign keys without an index of their own where another index leads
with their column (docs/architecture.md, Indexes).

Django gives every foreign key an index. Where the model also declares an
index or a unique constraint whose first column is the key (a person's
roles by organization and end date, a message timeline by person and
time), the key's own index serves no query the other cannot: every
equality, ``IN`` and range on the key, and the database's checks of the
foreign key itself, use the longer index. It only costs each insert,
update and delete one more index write. Such keys are declared with
``db_index=False``, and ``core/tests/test_indexes.py`` holds every key to
the rule both ways: an index of its own only where none other leads with it.

A partial index covers the key only when its condition is "the key is not
null" (PostgreSQL and SQLite both prove it from any comparison with the
key); an index over some of the rows (open roles only, pending reviews
only) does not.

:class:`DropFieldIndex` is the migration that drops such an index by name:
Django's ``AlterField`` would do the same on PostgreSQL, but on SQLite it
copies the whole table into a new one for any altered field, minutes for a
message history of millions of rows.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations


class DropFieldIndex(migrations.AlterField):
    """``AlterField`` of a foreign key whose only change is ``db_index``
    (True → False forwards): the index dropped, or made again backwards,
    with one statement on both databases."""

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        to_model = to_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, to_model):
            return
        from_model = from_state.apps.get_model(app_label, self.model_name)
        old = from_model._meta.get_field(self.name)
        new = to_model._meta.get_field(self.name)
        old_kwargs = {k: v for k, v in old.deconstruct()[3].items() if k != "db_index"}
        new_kwargs = {k: v for k, v in new.deconstruct()[3].items() if k != "db_index"}
        if old_kwargs != new_kwargs or old.column != new.column:
            raise ValueError(
                f"DropFieldIndex({self.model_name}.{self.name}) may change only "
                "db_index; use AlterField for anything else"
            )
        if old.db_index and not new.db_index:
            for name in schema_editor._constraint_names(
                from_model, [old.column], index=True, unique=False, primary_key=False
            ):
                schema_editor.execute(schema_editor._delete_index_sql(from_model, name))
        elif new.db_index and not old.db_index:
            schema_editor.execute(
                schema_editor._create_index_sql(to_model, fields=[new])
            )

    # Backwards the states swap: the index the forward step dropped is made.
    database_backwards = database_forwards

    def describe(self) -> str:
        return f"Drop the own index of {self.model_name}.{self.name}"
