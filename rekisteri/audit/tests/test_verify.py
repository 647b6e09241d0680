"""``audit verify`` names the first row that was tampered with, and how."""

from __future__ import annotations

import datetime as dt
import importlib
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from rekisteri.audit.models import AuditEvent, AuditHead
from rekisteri.audit.purge import audit_purge
from rekisteri.audit.services import audit_record
from rekisteri.audit.verify import verify_chain
from rekisteri.core.errors import Conflict

pytestmark = pytest.mark.django_db


def record(n: int) -> list[AuditEvent]:
    return [
        audit_record(
            actor=None,
            action="person.view",
            target_type="person",
            target_id=f"t{i}",
            categories=["user.name"],
            details={"i": i},
        )
        for i in range(n)
    ]


_TRIGGERS = importlib.import_module("rekisteri.audit.migrations.0002_append_only")


def tamper(*statements: str, params: list | None = None) -> None:
    """Run SQL around the append-only triggers, as an attacker with database
    access would, then put the triggers back."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for sql in _TRIGGERS.SQLITE_DOWN:
                cursor.execute(sql)
        else:
            cursor.execute(
                "ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only"
            )
        for statement in statements:
            cursor.execute(statement, params)
        if connection.vendor == "sqlite":
            for sql in _TRIGGERS.SQLITE_UP:
                cursor.execute(sql)
        else:
            cursor.execute(
                "ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only"
            )


def problem():
    result = verify_chain(chunk=3)
    assert not result.ok
    return result.problem


def test_an_intact_chain_verifies_across_chunks():
    record(10)
    result = verify_chain(chunk=3)
    assert result.ok, result.problem
    assert (result.checked, result.first_id, result.last_id) == (10, 1, 10)


def test_an_empty_log_verifies():
    assert verify_chain().ok


def test_a_modified_row_is_named():
    record(8)
    tamper("UPDATE audit_auditevent SET action = 'person.update' WHERE id = 5")
    found = problem()
    assert (found.kind, found.row_id) == ("modified", 5)


def test_a_modified_json_column_is_named():
    record(8)
    tamper(
        """UPDATE audit_auditevent SET categories = '["user.financial"]' WHERE id = 2"""
    )
    assert (problem().kind, problem().row_id) == ("modified", 2)


def test_a_deleted_row_is_named():
    record(8)
    tamper("DELETE FROM audit_auditevent WHERE id = 4")
    found = problem()
    assert (found.kind, found.row_id) == ("deleted", 4)
    assert "before row 5" in found.message


def test_deleted_rows_renumbered_to_hide_the_gap_are_found():
    record(6)
    tamper(
        "DELETE FROM audit_auditevent WHERE id = 3",
        # In two steps: PostgreSQL checks the key row by row, in whatever
        # order the rows lie in the table.
        "UPDATE audit_auditevent SET id = id + 100 WHERE id > 3",
        "UPDATE audit_auditevent SET id = id - 101 WHERE id > 103",
    )
    found = problem()
    assert found.row_id == 3
    assert found.kind in {"deleted", "modified"}


def test_a_truncated_tail_is_named():
    record(8)
    tamper("DELETE FROM audit_auditevent WHERE id > 6")
    found = problem()
    assert (found.kind, found.row_id) == ("truncated", 7)


def test_a_row_inserted_after_the_head_is_named():
    events = record(4)
    tamper(
        "INSERT INTO audit_auditevent (id, at, actor_id, actor_label, client, action,"
        " outcome, target_type, target_id, subject_id, fields, categories, purpose,"
        " details, prev_hash, hash) VALUES (5, '2026-01-01 00:00:00', NULL, '', '',"
        " 'x.forged', 'ok', 'x', '', NULL, '[]', '[]', '', '{}',"
        f" '{events[-1].hash}', '{'f' * 64}')"
    )
    found = problem()
    assert (found.kind, found.row_id) == ("inserted", 5)


def test_a_row_inserted_in_the_middle_is_named():
    record(6)
    # Make room by moving the tail up one id, then forge row 4 linked to 3.
    tamper(
        "UPDATE audit_auditevent SET id = id + 100 WHERE id >= 4",
        "UPDATE audit_auditevent SET id = id - 99 WHERE id >= 104",
        "INSERT INTO audit_auditevent (id, at, actor_id, actor_label, client, action,"
        " outcome, target_type, target_id, subject_id, fields, categories, purpose,"
        " details, prev_hash, hash) SELECT 4, at, NULL, '', '', 'x.forged', 'ok',"
        " 'x', '', NULL, '[]', '[]', '', '{}', hash, substr(hash, 2) || 'x'"
        " FROM audit_auditevent WHERE id = 3",
    )
    found = problem()
    assert (found.kind, found.row_id) == ("inserted", 4)


def test_reordered_rows_are_named():
    record(6)
    # Swap rows 3 and 4 (ids kept in place, contents moved).
    tamper(
        "UPDATE audit_auditevent SET id = 100 WHERE id = 3",
        "UPDATE audit_auditevent SET id = 3 WHERE id = 4",
        "UPDATE audit_auditevent SET id = 4 WHERE id = 100",
    )
    found = problem()
    assert (found.kind, found.row_id) == ("reordered", 3)


def test_an_edited_head_is_named():
    record(3)
    AuditHead.objects.update(last_id=2)
    assert problem().kind == "head"


def test_the_command_exits_non_zero_and_names_the_row():
    record(5)
    tamper("UPDATE audit_auditevent SET target_id = 'other' WHERE id = 3")
    with pytest.raises(CommandError, match="modified: row 3"):
        call_command("audit", "verify", stdout=StringIO(), stderr=StringIO())


def test_the_command_reports_an_intact_log():
    record(5)
    out = StringIO()
    call_command("audit", "verify", stdout=out, stderr=StringIO())
    assert "audit log OK: 5 events" in out.getvalue()


def _age(ids: range, years: int) -> None:
    old = (timezone.now() - dt.timedelta(days=366 * years)).strftime(
        "%Y-%m-%d %H:%M:%S"
    )
    events = list(AuditEvent.objects.filter(id__in=list(ids)).order_by("id"))
    # Re-chain the aged rows so the chain still verifies before the purge:
    # the test rewrites history as if these events had happened years ago.
    from rekisteri.audit.chain import chain_key, content_of, head_seal, link

    key = chain_key()
    prev = events[0].prev_hash
    statements = []
    rows = list(AuditEvent.objects.order_by("id"))
    for row in rows:
        if row.id in ids:
            row.at = dt.datetime.strptime(old, "%Y-%m-%d %H:%M:%S").replace(
                tzinfo=dt.UTC
            )
        values = {
            f: getattr(row, f)
            for f in (
                "id",
                "at",
                "actor_id",
                "actor_label",
                "client",
                "action",
                "outcome",
                "target_type",
                "target_id",
                "subject_id",
                "fields",
                "categories",
                "purpose",
                "details",
            )
        }
        new = link(key, prev, content_of(values))
        statements.append((row.id, row.at, prev, new))
        prev = new
    for rid, at, prev_hash, new in statements:
        tamper(
            "UPDATE audit_auditevent SET at = %s, prev_hash = %s, hash = %s "
            "WHERE id = %s",
            params=[connection.ops.adapt_datetimefield_value(at), prev_hash, new, rid],
        )
    head = AuditHead.objects.get()
    head.last_hash = prev
    head.seal = head_seal(
        key,
        first_id=head.first_id,
        anchor_hash=head.anchor_hash,
        last_id=head.last_id,
        last_hash=prev,
        count=head.count,
    )
    head.save()


@override_settings(REKISTERI_AUDIT_RETENTION_YEARS=5)
def test_purge_removes_aged_events_and_the_chain_still_verifies():
    record(6)
    _age(range(1, 4), years=6)
    assert verify_chain().ok
    result = audit_purge(actor=None)
    assert (result.purged, result.first_id) == (3, 4)
    assert list(AuditEvent.objects.values_list("id", flat=True).order_by("id")) == [
        4,
        5,
        6,
        7,
    ]
    purge_event = AuditEvent.objects.get(id=7)
    assert purge_event.action == "audit.purge"
    assert purge_event.details["events"] == 3
    check = verify_chain()
    assert check.ok, check.problem
    assert check.checked == 4


def test_purge_with_nothing_aged_removes_nothing():
    record(3)
    assert audit_purge(actor=None).purged == 0
    assert AuditEvent.objects.count() == 3


def test_after_a_purge_deleting_the_new_first_row_is_caught():
    record(5)
    _age(range(1, 3), years=6)
    audit_purge(actor=None)
    tamper("DELETE FROM audit_auditevent WHERE id = 3")
    found = problem()
    assert (found.kind, found.row_id) == ("deleted", 3)


def test_purge_refuses_a_broken_chain():
    record(4)
    _age(range(1, 3), years=6)
    tamper("UPDATE audit_auditevent SET action = 'forged' WHERE id = 4")
    with pytest.raises(Conflict):
        audit_purge(actor=None)
    assert AuditEvent.objects.count() == 4


def test_the_database_still_refuses_deletes_after_a_purge():
    from django.db import DatabaseError, transaction

    record(3)
    _age(range(1, 2), years=6)
    audit_purge(actor=None)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(id=2).delete()


def test_events_appended_while_verifying_are_not_taken_for_insertions():
    record(7)
    appended = []

    def append_during_scan(checked: int, last_id: int) -> None:
        if not appended:
            appended.extend(record(2))

    result = verify_chain(chunk=3, progress=append_during_scan)
    assert result.ok, result.problem
    assert result.checked == 9


def test_events_without_a_head_are_reported():
    record(2)
    AuditHead.objects.all().delete()
    assert problem().kind == "head"


def test_the_command_reports_progress_on_long_runs(monkeypatch):
    from rekisteri.audit.management.commands import audit as command

    monkeypatch.setattr(command, "PROGRESS_SECONDS", 0.0)
    record(5)
    err = StringIO()
    call_command("audit", "verify", "--chunk", "100", stdout=StringIO(), stderr=err)
    assert "events checked" in err.getvalue()


@override_settings(REKISTERI_AUDIT_RETENTION_YEARS=5)
def test_the_purge_command_says_what_it_removed():
    record(4)
    _age(range(1, 3), years=6)
    out = StringIO()
    call_command("audit", "purge", stdout=out)
    assert "purged 2 events" in out.getvalue()
    assert "starts at event 3" in out.getvalue()
