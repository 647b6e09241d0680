"""A foreign key has an index of its own exactly where no other index leads
with its column (rekisteri/core/indexes.py), the longer index serves its
lookups on both databases, and the migration drops and restores it."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.apps import apps
from django.db import connection, models
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from rekisteri.core import idlist
from rekisteri.core.indexes import DropFieldIndex
from rekisteri.messaging.models import Message
from rekisteri.registry.models import Role
from rekisteri.retention.models import DueDate


def _leading(model: type[models.Model], fk: models.Field) -> list[str]:
    """Names of the model's declared indexes and unique constraints whose
    first column is ``fk``'s and that cover every row with a key."""
    found = []
    declared = [*model._meta.indexes, *model._meta.constraints]
    for item in declared:
        fields = [f.lstrip("-") for f in (getattr(item, "fields", ()) or ())]
        # A check constraint, or an index of expressions, has no fields.
        if not fields or model._meta.get_field(fields[0]).column != fk.column:
            continue
        condition = getattr(item, "condition", None)
        if condition is None or condition in (
            Q(**{f"{fk.name}__isnull": False}),
            Q(**{f"{fk.attname}__isnull": False}),
        ):
            found.append(item.name)
    for together in model._meta.unique_together:
        if model._meta.get_field(together[0]).column == fk.column:
            found.append("unique_together")
    return found


def _project_foreign_keys() -> list[tuple[type[models.Model], models.Field]]:
    return [
        (model, field)
        for model in apps.get_models()
        if model.__module__.startswith("rekisteri.")
        for field in model._meta.local_fields
        if field.many_to_one and not field.unique
    ]


def test_a_foreign_key_has_its_own_index_only_where_none_leads_with_it() -> None:
    keys = _project_foreign_keys()
    assert len(keys) > 50  # the walk sees the register's keys
    repeated = [
        f"{m._meta.label}.{f.name} (also led by {', '.join(_leading(m, f))})"
        for m, f in keys
        if f.db_index and _leading(m, f)
    ]
    unindexed = [
        f"{m._meta.label}.{f.name}"
        for m, f in keys
        if not f.db_index and not _leading(m, f)
    ]
    assert repeated == [], "an index that another repeats: db_index=False"
    assert unindexed == [], "a foreign key no index leads with"
    # The keys whose index the covering rule took away (the migrations
    # named covered_fk_indexes).
    covered = {f"{m._meta.label}.{f.name}" for m, f in keys if not f.db_index}
    assert {
        "retention.DueDate.person",
        "retention.DueDate.organization",
        "registry.Role.organization",
        "messaging.Message.person",
        "messaging.Message.thread",
    } <= covered


def test_a_partial_index_over_some_rows_does_not_cover_the_key() -> None:
    # Open roles only: the person's ended roles would have no index.
    person = Role._meta.get_field("person")
    assert person.db_index
    assert _leading(Role, person) == []


def _table_indexes(table: str) -> dict[str, dict[str, Any]]:
    with connection.cursor() as cursor:
        return {
            name: c
            for name, c in connection.introspection.get_constraints(
                cursor, table
            ).items()
            if c["index"] and not c["primary_key"]
        }


@pytest.mark.django_db
def test_the_database_has_no_index_of_a_covered_key_alone() -> None:
    for model, field in _project_foreign_keys():
        if field.db_index:
            continue
        alone = [
            name
            for name, c in _table_indexes(model._meta.db_table).items()
            if c["columns"] == [field.column]
            and not c["unique"]
            and not c.get("foreign_key")
        ]
        assert alone == [], f"{model._meta.label}.{field.name}: {alone}"


def _plan(queryset: Any) -> str:
    with CaptureQueriesContext(connection) as captured:
        list(queryset)
    sql = captured.captured_queries[-1]["sql"]
    prefix = (
        "EXPLAIN QUERY PLAN "
        if connection.vendor == "sqlite"
        else "EXPLAIN (COSTS OFF) "
    )
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql)
        return "\n".join(" ".join(str(c) for c in row) for row in cursor.fetchall())


@pytest.mark.django_db
def test_lookups_by_a_covered_key_use_the_index_that_leads_with_it() -> None:
    """By one id, by many (``idlist.among``: a JSON array on SQLite, an
    array on PostgreSQL) and by a keyset range, as the recompute, the
    sweep and the pages ask. Planners choose a scan of a small table, so
    PostgreSQL is told not to."""
    many = [uuid.uuid4() for _ in range(idlist.SHORT + 5)]
    cases = [
        (DueDate.objects.filter(person_id=many[0]), "due_person_rule"),
        (DueDate.objects.filter(idlist.among("person_id", many)), "due_person_rule"),
        (
            DueDate.objects.filter(person_id__gte=min(many), person_id__lte=max(many)),
            "due_person_rule",
        ),
        (
            DueDate.objects.filter(idlist.among("organization_id", many)),
            "due_org_rule",
        ),
        (Role.objects.filter(organization_id=many[0]), "role_org_open"),
        (Message.objects.filter(person_id=many[0]), "msg_person_timeline"),
        (Message.objects.filter(thread_id=many[0]), "msg_thread_order"),
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_bitmapscan = off")
    for queryset, index in cases:
        plan = _plan(queryset)
        assert index in plan, plan


@pytest.mark.django_db(transaction=True)
def test_the_migration_drops_the_index_and_restores_it_backwards() -> None:
    executor = MigrationExecutor(connection)
    before = executor.loader.project_state(("retention", "0003_record_rules"))
    after = executor.loader.project_state(("retention", "0004_covered_fk_indexes"))
    operation = DropFieldIndex(
        model_name="duedate",
        name="person",
        field=after.apps.get_model("retention", "DueDate")._meta.get_field("person"),
    )

    def alone() -> list[str]:
        return [
            name
            for name, c in _table_indexes("retention_duedate").items()
            if c["columns"] == ["person_id"] and not c["unique"]
        ]

    assert alone() == []
    with connection.schema_editor() as editor:
        operation.database_backwards("retention", editor, after, before)
    assert len(alone()) == 1
    with connection.schema_editor() as editor:
        operation.database_forwards("retention", editor, before, after)
    assert alone() == []


def test_the_migration_refuses_any_other_change_of_the_field() -> None:
    # The graph from the files alone: no database.
    loader = MigrationLoader(None, ignore_no_migrations=True)
    before = loader.project_state(("retention", "0003_record_rules"))
    changed = before.clone()
    field = models.ForeignKey(
        "registry.Person",
        on_delete=models.PROTECT,  # not the model's CASCADE
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    changed.alter_field("retention", "duedate", "person", field, True)
    operation = DropFieldIndex(model_name="duedate", name="person", field=field)

    class Editor:
        connection = connection

    with pytest.raises(ValueError, match="only db_index"):
        operation.database_forwards("retention", Editor(), before, changed)
