"""The Finnish catalogues say each thing once.

Ten billing texts were printed three times in the Finnish UI: their
translations held the sentence three times over. Every translation in every
catalogue (as compiled and served by gettext) is checked for a text that is a
shorter text repeated.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.utils import translation

from rekisteri.testing import client_as

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = sorted(ROOT.glob("rekisteri/**/locale/fi/LC_MESSAGES/django.po"))


def _entries(po: Path) -> list[tuple[str, str]]:
    text = po.read_text(encoding="utf-8")
    out = []
    for m in re.finditer(r'^msgid ((?:".*"\n)+)msgstr ((?:".*"\n)+)', text, re.M):
        msgid = "".join(re.findall(r'"(.*)"', m.group(1)))
        msgstr = "".join(re.findall(r'"(.*)"', m.group(2)))
        out.append((msgid, msgstr))
    return out


def _repeated(text: str) -> int:
    """How many times ``text`` is one shorter text over (1 if not)."""
    text = text.strip()
    for n in range(2, 6):
        if len(text) >= 2 * n and len(text) % n == 0:
            part = text[: len(text) // n]
            if part * n == text and len(part.strip()) > 3:
                return n
        words = text.split()
        if len(words) >= 2 * n and len(words) % n == 0:
            part = words[: len(words) // n]
            if part * n == words and len(" ".join(part)) > 3:
                return n
    return 1


def test_catalogues_found():
    assert any("billing" in str(p) for p in CATALOGUES)


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: p.parts[-5])
def test_no_translation_repeats_itself(po):
    bad = [msgid for msgid, msgstr in _entries(po) if msgstr and _repeated(msgstr) > 1]
    assert bad == []


def test_billing_texts_are_served_once():
    """As gettext serves them (the compiled catalogue)."""
    po = ROOT / "rekisteri/billing/locale/fi/LC_MESSAGES/django.po"
    msgids = [m.replace('\\"', '"') for m, s in _entries(po) if s]
    with translation.override("fi"):
        served = [translation.gettext(m) for m in msgids]
    assert [s for s in served if _repeated(s) > 1] == []


@pytest.mark.django_db
def test_draft_notice_is_printed_once(client):
    from django.urls import reverse

    from rekisteri.accounts.choices import StaffRole
    from rekisteri.testing.billing import make_billing_contact, make_seller

    make_seller()
    org, _contact = make_billing_contact()
    client_as(StaffRole.BILLING, client=client)
    response = client.get(
        reverse("billing:invoice_create", args=[org.id]), HTTP_ACCEPT_LANGUAGE="fi"
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("Luonnoksella ei ole numeroa") == 1
