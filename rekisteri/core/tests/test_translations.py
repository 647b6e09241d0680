"""Every Finnish catalog is complete: no untranslated or fuzzy message.

Finnish is the default language of the staff UI; an untranslated string
would show English in the middle of a Finnish page. `make messages` refreshes
the catalogs; this test fails until every new string has its translation.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2]
CATALOGS = sorted(PACKAGE.glob("**/locale/fi/LC_MESSAGES/django.po"))


def _entries(text: str) -> list[tuple[str, str, bool]]:
    """(msgid, msgstr, fuzzy) of every entry; continuation lines joined."""
    entries = []
    for block in text.split("\n\n"):
        fuzzy = bool(re.search(r"^#,.*\bfuzzy\b", block, re.M))
        fields: dict[str, str] = {}
        current = None
        for line in block.splitlines():
            m = re.match(r'^(msgid|msgid_plural|msgstr(?:\[\d+\])?) "(.*)"$', line)
            if m:
                current = m.group(1)
                fields[current] = m.group(2)
            elif line.startswith('"') and current:
                fields[current] += line[1:-1]
        if "msgid" in fields and fields["msgid"]:
            strs = [v for k, v in fields.items() if k.startswith("msgstr")]
            entries.append((fields["msgid"], "" if "" in strs else "x", fuzzy))
    return entries


def test_catalogs_are_found() -> None:
    assert len(CATALOGS) >= 2


@pytest.mark.parametrize("catalog", CATALOGS, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_finnish_catalog_is_complete(catalog: Path) -> None:
    entries = _entries(catalog.read_text(encoding="utf-8"))
    missing = [msgid for msgid, msgstr, _f in entries if not msgstr]
    fuzzy = [msgid for msgid, _s, f in entries if f]
    assert not missing, f"untranslated: {missing[:5]}"
    assert not fuzzy, f"fuzzy: {fuzzy[:5]}"


def test_the_check_sees_a_missing_translation() -> None:
    text = (
        'msgid ""\nmsgstr ""\n\n'
        'msgid "Hello"\nmsgstr ""\n\n'
        '#, fuzzy\nmsgid "A"\nmsgstr "B"\n'
    )
    assert _entries(text) == [("Hello", "", False), ("A", "x", True)]
