"""The demo privacy office: controller profile, notice, registers."""

from __future__ import annotations

import pytest

from rekisteri.demo import privacy_office as demo
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
