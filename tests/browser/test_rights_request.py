"""In Chromium: a data subject asks for their data on the portal (375 px
wide, no login), confirms with the emailed code, the privacy officer runs
the rights engine's access export on the case and completes it, and the
file downloads once."""

from __future__ import annotations

import json
import re
import zipfile

import pytest
from django.core import mail

from rekisteri.dsr.models import RequestCase
from rekisteri.privacy import services as privacy
from rekisteri.testing import make_person
from tests.browser.accounts_helpers import login_with_totp

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ADDRESS = "selma.selain@example.fi"


def _code(message) -> str:
    return re.search(r"\b\d{8}\b", message.body)[0]


def test_submit_confirm_complete_download_once(
    chromium_browser, live_server, page
) -> None:
    from rekisteri.accounts.choices import StaffRole
    from rekisteri.testing import enrol_totp, make_staff

    privacy.profile_load_seed(actor=None)
    make_person(first_name="Selma", last_name="Selain", emails=[ADDRESS])
    phone = chromium_browser.new_context(
        base_url=live_server.url,
        locale="fi-FI",
        viewport={"width": 375, "height": 740},
        java_script_enabled=False,
        accept_downloads=True,
    )
    subject = phone.new_page()
    subject.goto("/tietosuoja/pyynto/")
    assert subject.get_by_role("heading", name="Tietosuojapyyntö").is_visible()
    # Usable at 375 px: nothing wider than the screen.
    assert subject.evaluate("document.documentElement.scrollWidth") <= 375
    subject.get_by_label("Pääsy omiin tietoihin").check()
    subject.get_by_label("Sähköpostiosoite").fill(ADDRESS)
    subject.get_by_role("button", name="Lähetä koodi").click()
    assert subject.get_by_text("lähetimme siihen vahvistuskoodin").is_visible()
    subject.get_by_label("Vahvistuskoodi").fill(_code(mail.outbox[-1]))
    subject.get_by_role("button", name="Vahvista pyyntö").click()
    case = RequestCase.objects.get()
    assert subject.locator(".dsr-reference").inner_text() == case.reference
    assert mail.outbox[-1].subject.startswith("Pyyntösi on vastaanotettu")

    officer = make_staff(StaffRole.PRIVACY_OFFICER, username="tietosuojavastaava")
    login_with_totp(page, officer.username, enrol_totp(officer))
    page.goto("/privacy-office/requests/")
    row = page.get_by_role("row").filter(has_text=case.reference)
    assert row.is_visible()
    deadline = f"{case.deadline.day}.{case.deadline.month}.{case.deadline.year}"
    assert deadline in row.inner_text()
    row.get_by_role("link", name=case.reference).click()
    assert page.locator(".dsr-deadline").inner_text() == deadline
    page.get_by_role("button", name="Suorita").click()
    page.get_by_role("button", name="Valmis: lähetä vastaus").click()
    assert page.get_by_text("Valmis").first.is_visible()

    completion, code_mail = mail.outbox[-2], mail.outbox[-1]
    link = re.search(
        r"https?://[^/\s]+(/tietosuoja/pyynto/lataa/[^/\s]+/)", completion.body
    )[1]
    code = _code(code_mail)
    subject.goto(link)
    subject.get_by_label("Vahvistuskoodi").fill(code)
    with subject.expect_download() as info:
        subject.get_by_role("button", name="Lataa").click()
    download = info.value
    assert download.suggested_filename == "access.zip"
    with zipfile.ZipFile(download.path()) as bundle:
        export = json.loads(bundle.read("access.json"))
        assert ADDRESS in bundle.read("access.html").decode()
    assert export["language"] == "fi"
    values = [v["value"] for item in export["items"] for v in item["values"]]
    assert ADDRESS in values and "Selain" in values

    subject.goto(link)
    subject.get_by_label("Vahvistuskoodi").fill(code)
    subject.get_by_role("button", name="Lataa").click()
    assert subject.get_by_role("alert").filter(has_text="jo käytetty").is_visible()
    phone.close()
