"""A rollback (newest events removed, an earlier head row put back) passes
the in-database checks; the anchor written outside the database catches it."""

from __future__ import annotations

import stat
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from rekisteri.audit.models import AuditHead
from rekisteri.audit.tests.test_verify import record, tamper
from rekisteri.audit.verify import verify_chain

pytestmark = pytest.mark.django_db


def test_a_rolled_back_log_fails_against_its_anchor(tmp_path) -> None:
    anchors = tmp_path / "audit-anchors.jsonl"
    record(5)
    earlier = AuditHead.objects.values().get()  # a copy of the head at event 5
    call_command("audit", "verify", "--anchor", str(anchors), stdout=StringIO())
    record(3)
    call_command("audit", "anchor", str(anchors), stdout=StringIO())
    assert stat.S_IMODE(anchors.stat().st_mode) == 0o600
    assert len(anchors.read_text().splitlines()) == 2
    # The attacker removes events 6-8 and puts back the sealed head of event 5.
    tamper("DELETE FROM audit_auditevent WHERE id > 5")
    AuditHead.objects.filter(pk=1).update(
        **{k: v for k, v in earlier.items() if k != "id"}
    )
    assert verify_chain().ok  # the database alone cannot tell
    with pytest.raises(CommandError, match="ROLLED BACK.*event 8"):
        call_command("audit", "verify", "--anchor", str(anchors), stdout=StringIO())


def test_a_forged_anchor_line_is_refused(tmp_path) -> None:
    anchors = tmp_path / "a.jsonl"
    record(2)
    call_command("audit", "anchor", str(anchors), stdout=StringIO())
    anchors.write_text(anchors.read_text().replace('"last_id": 2', '"last_id": 1'))
    with pytest.raises(CommandError, match="forged"):
        call_command("audit", "verify", "--anchor", str(anchors), stdout=StringIO())
