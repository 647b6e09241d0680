"""In Chromium: someone the register does not hold asks on the portal what
data is kept about them and objects to marketing; the privacy officer
answers that no data is held, and the address goes on the suppression
list (docs/requests.md, When the register holds nothing of the
requester)."""

from __future__ import annotations

import os
import re

import pytest
from django.core import mail

from rekisteri.dsr.choices import Status
from rekisteri.dsr.models import RequestCase
from rekisteri.privacy import services as privacy
from rekisteri.restrictions import services as restrictions
from tests.browser.accounts_helpers import login_with_totp

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ADDRESS = "outi.outsider@example.fi"


def test_a_requester_not_held_is_answered_no_data_held(
    chromium_browser, live_server, page
) -> None:
    from rekisteri.accounts.choices import StaffRole
    from rekisteri.testing import enrol_totp, make_staff

    privacy.profile_load_seed(actor=None)
    visitor = chromium_browser.new_context(
        base_url=live_server.url, locale="fi-FI", java_script_enabled=False
    )
    subject = visitor.new_page()
    subject.goto("/tietosuoja/pyynto/")
    subject.get_by_label("Pääsy omiin tietoihin").check()
    subject.get_by_label("Käsittelyn vastustaminen").check()
    subject.get_by_label("Sähköpostiosoite").fill(ADDRESS)
    subject.get_by_role("button", name="Lähetä koodi").click()
    code = re.search(r"\b\d{8}\b", mail.outbox[-1].body)[0]
    subject.get_by_label("Vahvistuskoodi").fill(code)
    subject.get_by_role("button", name="Vahvista pyyntö").click()
    case = RequestCase.objects.get()
    assert not case.persons.exists() and case.is_open

    officer = make_staff(StaffRole.PRIVACY_OFFICER, username="tietosuojavastaava")
    login_with_totp(page, officer.username, enrol_totp(officer))
    page.goto(f"/privacy-office/requests/{case.pk}/")
    page.get_by_label("Rekisterissä ei ole pyytäjän tietoja").fill(
        "Haettu nimellä ja osoitteella: ei osumia"
    )
    if os.environ.get("REKISTERI_SCREENSHOTS"):
        page.screenshot(path=os.environ["REKISTERI_SCREENSHOTS"], full_page=True)
    page.get_by_role("button", name="Vastaa: ei tietoja rekisterissä").click()
    assert page.get_by_text("Tallennettu").first.is_visible()
    case.refresh_from_db()
    assert case.status == Status.COMPLETED
    answer = mail.outbox[-1]
    assert answer.to == [ADDRESS] and answer.subject.startswith("Vastaus pyyntöösi")
    assert "ei löytynyt sinua koskevia henkilötietoja" in answer.body
    assert "estolistalle" in answer.body
    assert restrictions.is_suppressed("email", ADDRESS)
    # The case page now shows the answer, and no form to give it again.
    page.goto(f"/privacy-office/requests/{case.pk}/")
    assert page.get_by_text("ei tietoja rekisterissä").first.is_visible()
    assert (
        page.get_by_role("button", name="Vastaa: ei tietoja rekisterissä").count() == 0
    )
    visitor.close()
