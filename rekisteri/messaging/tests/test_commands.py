"""``manage.py messages import``."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from rekisteri.messaging.models import Message
from rekisteri.testing import make_org, make_staff

pytestmark = pytest.mark.django_db
DATA = Path(__file__).parent / "data"


def test_import_command_reports_and_is_idempotent(capsys):
    org = make_org()
    staff = make_staff()
    out = StringIO()
    path = DATA / "mimekit_issue1189_utf8_multipart.mbox"
    call_command(
        "messages",
        "import",
        str(path),
        "--organization",
        org.customer_number,
        "--actor",
        staff.username,
        stdout=out,
    )
    count = Message.objects.filter(organization=org).count()
    assert count >= 2
    assert f"{count} imported" in out.getvalue()
    assert "messages read" in capsys.readouterr().err
    out = StringIO()
    call_command(
        "messages", "import", str(path), "--organization", str(org.id), stdout=out
    )
    assert "0 imported" in out.getvalue()
    assert Message.objects.count() == count


def test_import_command_exits_1_and_lists_broken_messages(tmp_path):
    org = make_org()
    box = tmp_path / "box.mbox"
    data = (
        b"From a Mon Jan  1 00:00:00 2026\nFrom: a@example.fi\nSubject: ok\n\nhi\n\n"
        b"From b Mon Jan  1 00:00:00 2026\n\x00garbage\n"
    )
    box.write_bytes(data)
    offset = data.index(b"From b")
    out = StringIO()
    with pytest.raises(SystemExit) as exc:
        call_command(
            "messages", "import", str(box), "--organization", str(org.id), stdout=out
        )
    assert exc.value.code == 1
    assert f"message 2 at byte {offset}: no_headers" in out.getvalue()
    assert Message.objects.count() == 1


def test_import_command_refuses_unknown_organization_and_file(tmp_path):
    with pytest.raises(CommandError):
        call_command("messages", "import", str(tmp_path / "none.eml"))
    eml = tmp_path / "a.eml"
    eml.write_bytes(b"From: a@example.fi\n\nhi\n")
    with pytest.raises(CommandError):
        call_command("messages", "import", str(eml), "--organization", "999")
