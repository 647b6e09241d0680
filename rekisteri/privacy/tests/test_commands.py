"""The production load command (the demo seeding: rekisteri/demo/tests)."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from rekisteri.privacy.models import (
    ControllerProfile,
    NoticeVersion,
)

pytestmark = pytest.mark.django_db


def test_load_command_refuses_to_overwrite_without_replace(capsys):
    call_command("privacy_load_controller", "--publish")
    assert NoticeVersion.objects.get().number == 1
    with pytest.raises(CommandError):
        call_command("privacy_load_controller")
    call_command("privacy_load_controller", "--replace")
    assert ControllerProfile.objects.count() == 1
    assert "loaded" in capsys.readouterr().out
