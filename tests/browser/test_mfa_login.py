"""In Chromium: a privacy officer logs in with password and TOTP and is
refused a page outside the role."""

from __future__ import annotations

import pytest

from rekisteri.audit.models import AuditEvent
from tests.browser.accounts_helpers import privacy_officer_refused_outside_role

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_privacy_officer_logs_in_with_totp_and_is_refused_outside_role(page) -> None:
    attempt = privacy_officer_refused_outside_role(page)
    assert attempt.status == 403
    assert (
        page.locator("h1").first.inner_text() == "Sinulla ei ole pääsyä tälle sivulle"
    )
    # Logged in with both factors: the audit log says so.
    login = AuditEvent.objects.get(action="auth.login")
    assert login.actor_id == attempt.user.pk and login.details == {"mfa": True}
    # And still logged in: the own account page opens.
    page.goto("/accounts/")
    assert page.locator("h1").first.inner_text() == "Oma tunnus"
