"""manage.py rights export / erase."""

from __future__ import annotations

import io
import json
import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from rekisteri.keystore import keys

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("rights", *args, stdout=out)
    return out.getvalue()


def test_export_prints_json_and_writes_html(customer, tmp_path):
    data = json.loads(_run("export", "--person", str(customer.person.pk)))
    assert data["format"] == "rekisteri.access-export"
    target = tmp_path / "export.html"
    _run(
        "export",
        "--person",
        str(customer.person.pk),
        "--format",
        "html",
        "--output",
        str(target),
    )
    html = target.read_text()
    assert "anna@asiakas.fi" in html and "tietosuoja.fi" in html


def test_erase_plan_then_execute(customer):
    pid = str(customer.person.pk)
    plan = json.loads(_run("erase", "--person", pid, "--plan"))
    assert plan["executable"] is True
    assert not keys.is_destroyed(customer.person.pk, "crm")
    receipt = json.loads(
        _run(
            "erase",
            "--person",
            pid,
            "--execute",
            "--reason",
            "request",
            "--case-ref",
            "DSR-7",
        )
    )
    assert receipt["case_ref"] == "DSR-7"
    assert keys.is_destroyed(customer.person.pk, "crm")
    again = json.loads(_run("erase", "--person", pid, "--execute", "--reason", "r"))
    assert again["already_erased"] is True


def test_refusals_exit_non_zero_with_a_clear_message(customer):
    with pytest.raises(CommandError, match="No person with that id"):
        _run("export", "--person", str(uuid.uuid4()))
    with pytest.raises(CommandError, match="UUID"):
        _run("export", "--person", "not-an-id")
    with pytest.raises(CommandError, match="reason"):
        _run("erase", "--person", str(customer.person.pk), "--execute")
    with pytest.raises(CommandError, match="need_to_know"):
        _run(
            "export",
            "--person",
            str(customer.person.pk),
            "--as",
            _sales_username(),
        )


def _sales_username() -> str:
    from rekisteri.testing import make_staff

    return make_staff("sales").username


def test_restrict_and_object_are_handed_to_the_restrictions_command(customer):
    from rekisteri.restrictions import selectors
    from rekisteri.restrictions.models import Objection

    pid = str(customer.person.pk)
    placed = json.loads(_run("restrict", "--person", pid, "--reason", "kiistetty"))
    assert placed["person"] == pid and placed["active"] is True
    assert selectors.active_restriction(customer.person.pk)
    recorded = json.loads(_run("object", "--person", pid, "--marketing"))
    assert recorded["person"] == pid
    assert Objection.objects.filter(person=customer.person).count() == 1
    # The restrictions command's own checks answer, through this one too.
    with pytest.raises(CommandError, match="No person"):
        _run("restrict", "--person", str(uuid.uuid4()), "--reason", "x")
    with pytest.raises(CommandError, match="privacy officer"):
        _run("lift", "--person", pid, "--reason", "x")


def test_restrict_parses_its_options_from_the_command_line() -> None:
    """As an operator types it: the options after the job reach the
    restrictions command, those starting with - too."""
    from rekisteri.rights.management.commands.rights import Command

    parser = Command().create_parser("manage.py", "rights")
    options = parser.parse_args(
        ["restrict", "--person", "abc", "--reason", "r", "--ground", "accuracy"]
    )
    assert options.job == "restrict"
    assert options.forwarded == [
        "--person",
        "abc",
        "--reason",
        "r",
        "--ground",
        "accuracy",
    ]
