"""One audit vocabulary: each action declared once, with its meaning."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from rekisteri.audit import events
from rekisteri.audit.models import AuditEvent
from rekisteri.audit.services import audit_record

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_an_undeclared_action_is_refused_and_nothing_is_written():
    with pytest.raises(events.UndeclaredAuditEvent):
        audit_record(actor=None, action="person.veiw", target_type="person")
    assert not AuditEvent.objects.exists()


def test_every_declared_action_has_a_description_and_one_app():
    types = events.event_types()
    assert len(types) > 100
    for t in types:
        assert t.description.strip(), t.action
        assert t.action.count(".") >= 1, t.action
    with pytest.raises(ValueError):
        events.declare("another_app", {"person.view": "Declared twice."})


def _recorded_literals():
    """Every ``action="…"`` literal passed in the project's own code."""
    for path in ROOT.rglob("*.py"):
        if {"tests", "migrations"} & set(path.parts):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                for kw in node.keywords:
                    if (
                        kw.arg == "action"
                        and isinstance(kw.value, ast.Constant)
                        and isinstance(kw.value.value, str)
                        and "." in kw.value.value
                    ):
                        yield path.relative_to(ROOT.parent), kw.value.value


def test_every_action_the_code_records_is_declared():
    missing = {
        (str(path), action)
        for path, action in _recorded_literals()
        if not events.is_declared(action)
    }
    assert not missing
