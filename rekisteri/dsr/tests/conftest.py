"""What the rights-request tests share: the privacy officer who handles a
case, and the controller profile that signs its letters."""

from __future__ import annotations

import pytest

from rekisteri.accounts.choices import StaffRole
from rekisteri.privacy import services as privacy
from rekisteri.testing import make_staff


@pytest.fixture
def controller_profile() -> None:
    privacy.profile_load_seed(actor=None)


@pytest.fixture
def officer():
    return make_staff(StaffRole.PRIVACY_OFFICER)
