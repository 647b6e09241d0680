"""The upload page: upload, preview (a dry run), import, report."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rekisteri.accounts.choices import StaffRole
from rekisteri.audit.models import AuditEvent
from rekisteri.connectors.contacts import uploads
from rekisteri.connectors.tests.test_contact_import import (
    SUPPRESSED,
    _csv,
    _defects,
    _mapping,
    _profile,  # noqa: F401  (autouse: the controller profile)
    _rows,
    _suppress,
)
from rekisteri.registry.models import Person
from rekisteri.testing import client_as, make_staff

pytestmark = pytest.mark.django_db


def _upload(client, path, mapping="fonecta"):
    return client.post(
        "/connectors/contacts/",
        {
            "file": SimpleUploadedFile("lista.csv", path.read_bytes()),
            "mapping": mapping,
        },
    )


def _token(session) -> str:
    (token,) = session[uploads.SESSION_KEY]
    return token


def test_preview_then_import_then_report(tmp_path, client, settings):
    settings.VAR_DIR = tmp_path / "var"
    _suppress(SUPPRESSED)
    rows = _rows(20)
    path = _csv(tmp_path / "l.csv", rows + _defects(rows))
    _mapping()
    client_as(StaffRole.SALES, client=client)
    assert client.get("/connectors/contacts/").status_code == 200
    preview = _upload(client, path)
    html = preview.content.decode()
    assert preview.status_code == 200 and 'id="contact-preview"' in html
    # Each row that is not plain: its number, its fate, its reason.
    assert re.search(r'<tr data-fate="error">\s*<td class="num" [^>]*>22<', html)
    assert 'data-fate="suppressed"' in html
    assert not Person.objects.exists()
    token = _token(client.session)
    spooled = uploads.spool_dir() / token
    # The spool holds the list sealed, not readable.
    assert rows[0][2].encode() not in spooled.read_bytes()
    assert rows[0][2] not in html  # no addresses on the preview
    report = client.post(f"/connectors/contacts/{token}/import/", {"op": "import"})
    html = report.content.decode()
    assert report.status_code == 200 and 'id="contact-report"' in html
    assert Person.objects.count() == 21  # the 20 and the formula-like row
    assert not spooled.exists() and not client.session[uploads.SESSION_KEY]
    actions = list(
        AuditEvent.objects.filter(action__startswith="connectors.contacts")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["connectors.contacts_preview", "connectors.contacts_import"]
    # The token is spent: a second confirm imports nothing.
    again = client.post(f"/connectors/contacts/{token}/import/", {"op": "import"})
    assert again.status_code == 302 and Person.objects.count() == 21


def test_cancel_removes_the_upload_and_other_sessions_cannot_use_it(
    tmp_path, client, settings
):
    settings.VAR_DIR = tmp_path / "var"
    path = _csv(tmp_path / "l.csv", _rows(3))
    _mapping()
    client_as(StaffRole.SALES, client=client)
    _upload(client, path)
    token = _token(client.session)
    other = type(client)()
    client_as(StaffRole.SALES, username="toinen", client=other)
    response = other.post(f"/connectors/contacts/{token}/import/", {"op": "import"})
    assert response.status_code == 302 and not Person.objects.exists()
    assert (uploads.spool_dir() / token).exists()
    client.post(f"/connectors/contacts/{token}/import/", {"op": "cancel"})
    assert not (uploads.spool_dir() / token).exists()
    assert not Person.objects.exists()


def test_a_broken_file_is_a_field_error_and_the_page_is_gated(
    tmp_path, client, settings
):
    settings.VAR_DIR = tmp_path / "var"
    _mapping()
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"Etunimi;Muu\nA;B\n")
    client_as(StaffRole.SALES, client=client)
    html = _upload(client, bad).content.decode()
    assert "Sukunimi" in html  # the mapping's column the file lacks
    assert not list(uploads.spool_dir().iterdir())
    client_as(StaffRole.AUDITOR, client=client)
    assert client.get("/connectors/contacts/").status_code == 403


def test_the_main_navigation_links_the_upload_page_for_those_who_may_import(client):
    link = 'href="/connectors/contacts/"'
    client.force_login(make_staff(StaffRole.SALES))
    assert link in client.get("/connectors/reviews/").content.decode()
    client.force_login(make_staff(StaffRole.AUDITOR, username="tarkastaja"))
    page = client.get("/audit/")
    assert page.status_code in (200, 302, 403)
    assert link not in page.content.decode()
