"""The demo seeding and the production load command."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from rekisteri.privacy import demo
from rekisteri.privacy.models import (
    Breach,
    ControllerProfile,
    ManualRecord,
    NoticeVersion,
    Party,
)

pytestmark = pytest.mark.django_db


def test_demo_seed_loads_once():
    assert demo.seed() is True
    assert ControllerProfile.objects.get().controller_name == "LeadDesk Solutions Oy"
    assert NoticeVersion.objects.count() == 1
    assert Party.objects.count() == 2
    assert ManualRecord.objects.count() == 2
    assert Breach.objects.count() == 1
    assert demo.seed() is False
    assert NoticeVersion.objects.count() == 1


def test_load_command_refuses_to_overwrite_without_replace(capsys):
    call_command("privacy_load_controller", "--publish")
    assert NoticeVersion.objects.get().number == 1
    with pytest.raises(CommandError):
        call_command("privacy_load_controller")
    call_command("privacy_load_controller", "--replace")
    assert ControllerProfile.objects.count() == 1
    assert "loaded" in capsys.readouterr().out
