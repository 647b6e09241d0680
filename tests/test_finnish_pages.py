"""Every page of the staff UI renders in Finnish: no untranslated English
string and no raw code (a choice value or a data category) in its text.

The routes are found as the permission kit finds them — by walking the URL
resolver — and each GET page that answers 200 is rendered for a user
allowed to see it, in the kit's world of real objects (an organization, a
person, a contract, an invoice, a message, privacy records).
"""

from __future__ import annotations

import contextlib
import gettext
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.conf import settings
from django.test import Client

from rekisteri.core.catalogue import PersonalData, catalogue_entries
from rekisteri.core.errors import Conflict
from rekisteri.testing import client_as
from rekisteri.testing.permissions import Kit, kit_site_routes, tables

ROOT = Path(settings.BASE_DIR) / "rekisteri"


def english_strings() -> set[str]:
    """Source strings whose Finnish translation is something else: seen as
    they are on a Finnish page, they were not translated."""
    found: set[str] = set()
    for mo in ROOT.glob("**/locale/fi/LC_MESSAGES/django.mo"):
        with mo.open("rb") as handle:
            catalog = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
        for key, value in catalog.items():
            if not isinstance(key, str) or not key or "\x04" in key:
                continue
            if "%" in key or "{" in key or value == key:
                continue
            if len(key) >= 4 and re.search(r"[a-z]{3}", key):
                found.add(key)
    return found


def raw_codes() -> set[str]:
    """Stored codes that have labels: choice values with "_" or ".", and
    the catalogue's data categories."""
    codes: set[str] = set()
    for model in apps.get_models():
        for f in model._meta.get_fields():
            for value, label in getattr(f, "choices", None) or ():
                if (
                    isinstance(value, str)
                    and str(label) != value
                    and re.fullmatch(r"[a-z0-9]+(?:[_.][a-z0-9]+)+", value)
                ):
                    codes.add(value)
    for entry in catalogue_entries():
        if isinstance(entry.classification, PersonalData):
            codes.add(entry.classification.category)
    return codes


class _Text(HTMLParser):
    """Visible text nodes and the attributes people read."""

    ATTRS = ("title", "aria-label", "placeholder", "alt")
    VOID = frozenset(
        {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta"}
        | {"source", "track", "wbr"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.skip = 0
        # Elements in another language on purpose (a language switch, the
        # English notice): (tag, depth) of the open one.
        self.foreign: list[str] = []

    def handle_starttag(self, tag, attrs):
        lang = dict(attrs).get("lang")
        if tag in self.VOID:
            lang = None if self.foreign else lang
        elif self.foreign or (lang and not lang.startswith("fi")):
            self.foreign.append(tag)
            return
        if tag in ("script", "style", "template", "code", "pre"):
            self.skip += 1
        for name, value in attrs:
            if name in self.ATTRS and value:
                self.texts.append(value)

    def handle_endtag(self, tag):
        if self.foreign:
            if tag in self.foreign:
                while self.foreign and self.foreign.pop() != tag:
                    pass
            return
        if tag in ("script", "style", "template", "code", "pre") and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip and not self.foreign and data.strip():
            self.texts.append(data)


def problems_on(html: str, english: set[str], codes: set[str]) -> list[str]:
    parser = _Text()
    parser.feed(html)
    found = []
    for text in parser.texts:
        node = " ".join(text.split())
        if node in english:
            found.append(f"English: {node!r}")
        for part in re.split(r"[,;·()]\s*|\s+[–—-]\s+", node):
            if part.strip() in codes:
                found.append(f"raw code: {part.strip()!r}")
    return found


def test_the_checker_finds_english_and_raw_codes():
    english = {"Save changes", "Billing contact"}
    codes = {"billing_contact", "user.contact.email"}
    page = (
        "<h1>Tallenna</h1><p>Save changes</p><td>billing_contact</td>"
        "<span title='Billing contact'>x</span><p>Nimi, user.contact.email</p>"
        "<script>var s = 'Save changes';</script>"
    )
    assert problems_on(page, english, codes) == [
        "English: 'Save changes'",
        "raw code: 'billing_contact'",
        "English: 'Billing contact'",
        "raw code: 'user.contact.email'",
    ]


@pytest.mark.django_db
def test_every_page_renders_in_finnish():
    kit = Kit()
    english = english_strings()
    codes = raw_codes()
    routes = kit_site_routes()
    checked, problems = 0, []
    expected = tables().site
    for name in sorted(expected):
        expect = expected[name]
        if expect.method != "GET" or expect.status != 200 or name not in routes:
            continue
        if expect.prepare is not None:
            # Two routes share a preparation: the second finds it done.
            with contextlib.suppress(Conflict):
                expect.prepare(kit.world)
        url = kit.world.url(routes[name])
        if url is None:
            continue
        if expect.query:
            url += "?" + urlencode(kit.filled(expect.query))
        holder = kit.holder(routes[name].required_perm, expect)
        client = Client(HTTP_ACCEPT_LANGUAGE="fi")
        if holder is not None:
            client_as(holder, client=client, reauth=True)
        response = client.get(url)
        if response.status_code != 200 or not response.get(
            "Content-Type", ""
        ).startswith("text/html"):
            continue
        checked += 1
        for problem in dict.fromkeys(
            problems_on(response.content.decode(), english, codes)
        ):
            problems.append(f"{name}: {problem}")
    assert checked >= 40
    assert not problems, "Pages in Finnish show:\n  " + "\n  ".join(problems)
