"""Browser helpers for the two-step login, shared by browser tests.

``privacy_officer_refused_outside_role`` is the scenario of issue 4's
"done when": a privacy officer with TOTP logs in with password and code,
opens a page outside the role and is refused. It returns who and which
path, so a later test can go on to the audit-log viewer (same page, same
session) and assert that the officer sees the attempt.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from rekisteri.accounts.choices import StaffRole
from rekisteri.testing import TEST_PASSWORD, enrol_totp, make_staff, totp_code


def login_with_totp(page: Any, username: str, device: Any) -> None:
    """Log in through the real pages: password, then the current TOTP code."""
    page.goto(reverse("accounts:login"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.locator("form:has(input[name=password]) [type=submit]").click()
    page.wait_for_url(re.compile(r"/accounts/login/verify/"))
    page.fill("input[name=code]", totp_code(device))
    page.locator("form:has(input[name=code]) [type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/login" not in url)


@dataclass(frozen=True)
class RefusedAttempt:
    user: Any  # the privacy officer (StaffUser)
    device: Any  # their TOTPDevice
    path: str  # the page they were refused
    status: int  # the HTTP status they got (403)


def privacy_officer_refused_outside_role(
    page: Any, username: str = "tietosuoja"
) -> RefusedAttempt:
    """Privacy officer logs in with TOTP, then opens the staff administration
    page (administrators only) and is refused."""
    officer = make_staff(StaffRole.PRIVACY_OFFICER, username=username)
    device = enrol_totp(officer)
    login_with_totp(page, username, device)
    path = reverse("accounts:staff_list")
    response = page.goto(path)
    return RefusedAttempt(officer, device, path, response.status)
