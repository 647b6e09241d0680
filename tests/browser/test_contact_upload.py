"""End to end in Chromium: a vendor's contact list is uploaded, its preview
shows each row's fate (a bad row with its number and reason), the import is
confirmed and the report counts the new persons."""

from __future__ import annotations

import re

import pytest

from rekisteri.connectors.contacts import importer
from rekisteri.registry.models import Person
from rekisteri.testing import TEST_PASSWORD, business_id, make_staff

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

HEADER = "Etunimi;Sukunimi;Sähköposti;Puhelin;Y-tunnus;Yritys\n"


def test_upload_preview_import_report(page, settings, tmp_path) -> None:
    settings.VAR_DIR = tmp_path / "var"
    make_staff(role="sales", username="myynti")
    importer.mapping_save(
        actor=None,
        name="fonecta",
        source="fonecta",
        columns={
            "first_name": "Etunimi",
            "last_name": "Sukunimi",
            "email": "Sähköposti",
            "phone": "Puhelin",
            "business_id": "Y-tunnus",
            "organization_name": "Yritys",
        },
    )
    bid = business_id(4242)
    lines = [
        f"Etu{n};Suku{n};henkilo{n}@lista.example.fi;040 555 01{n:02d};{bid};Lista Oy"
        for n in range(5)
    ]
    lines.append(f"Vika;Rivi;ei-osoite;;{bid};Lista Oy")  # row 7: a bad email
    path = tmp_path / "lista.csv"
    path.write_bytes((HEADER + "\n".join(lines) + "\n").encode("utf-8-sig"))

    page.goto("/")
    page.fill("input[name=username]", "myynti")
    page.fill("input[name=password]", TEST_PASSWORD)
    page.locator("form:has(input[name=password]) [type=submit]").click()
    page.wait_for_url(re.compile(r"/organizations/"))

    page.goto("/connectors/contacts/")
    page.set_input_files("input[name=file]", str(path))
    page.select_option("select[name=mapping]", "fonecta")
    page.get_by_role("button", name="Näytä esikatselu").click()

    preview = page.locator("#contact-preview")
    preview.wait_for()
    assert preview.locator('dd[data-fate="create"]').inner_text() == "5"
    bad = preview.locator('tr[data-fate="error"]')
    assert bad.locator("td").first.inner_text() == "7"
    assert "Sähköposti" in bad.inner_text() or "Email" in bad.inner_text()
    assert not Person.objects.exists()

    preview.get_by_role("button", name="Tuo lista").click()
    report = page.locator("#contact-report")
    report.wait_for()
    assert report.locator('dd[data-fate="create"]').inner_text() == "5"
    assert report.locator('dd[data-fate="error"]').inner_text() == "1"
    assert report.locator('dd[data-fate="inform"]').inner_text() == "5"
    assert Person.objects.count() == 5
