"""Stored exports: built as an encrypted file for the staff member who asked,
downloadable by them only, until the configured number of days; removed by
the daily job and unreadable once the person is erased."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from rekisteri.accounts.choices import StaffRole
from rekisteri.audit.models import AuditEvent
from rekisteri.core.errors import NotFound
from rekisteri.jobs.runner import run_job
from rekisteri.rights import erasure, exports
from rekisteri.rights.models import StaffExport
from rekisteri.testing import make_staff

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _last(action: str) -> AuditEvent:
    return AuditEvent.objects.filter(action=action).order_by("-id").first()


def test_the_file_is_sealed_audited_and_expires_after_the_setting(customer):
    with override_settings(REKISTERI_STAFF_EXPORT_DAYS=3):
        row = exports.export_file_create(
            actor=customer.officer, person=customer.person, fmt="json"
        )
    assert row.expires_at - row.created_at > dt.timedelta(days=2, hours=23)
    assert row.expires_at - row.created_at < dt.timedelta(days=3, minutes=1)
    # Encrypted at rest: the stored bytes hold no value of the person's.
    with connection.cursor() as cur:
        cur.execute(
            "SELECT content FROM rights_staffexport WHERE id = %s",
            [row.pk.hex] if connection.vendor == "sqlite" else [row.pk],
        )
        raw = bytes(cur.fetchone()[0])
    assert b"anna@asiakas.fi" not in raw and b"Aalto" not in raw
    assert "Aalto" not in row.filename and str(customer.person.pk) in row.filename
    event = _last("rights.export_file")
    assert event.actor_id == customer.officer.pk
    assert event.subject_id == customer.person.pk
    assert "contact_email" in event.categories  # recorded as its family
    assert event.details["format"] == "json"
    got = exports.export_file_download(actor=customer.officer, export_id=row.pk)
    assert json.loads(got.content)["confirmation"]["person"] == str(customer.person.pk)
    assert _last("rights.export_download").target_id == str(row.pk)


def test_the_portability_package_is_stored_too(customer):
    row = exports.export_file_create(
        actor=customer.officer, person=customer.person, fmt="portability"
    )
    got = exports.export_file_download(actor=customer.officer, export_id=row.pk)
    assert "data.json" in zipfile.ZipFile(io.BytesIO(got.content)).namelist()
    assert row.content_type == "application/zip"


def test_only_the_maker_downloads_and_others_learn_nothing(customer):
    row = exports.export_file_create(
        actor=customer.officer, person=customer.person, fmt="json"
    )
    other = make_staff(StaffRole.PRIVACY_OFFICER)
    url = reverse("rights:export_download", args=[row.pk])
    before = AuditEvent.objects.filter(action="rights.export_download").count()
    theirs = _client(other).get(url)
    missing = _client(other).get(
        reverse(
            "rights:export_download", args=["0" * 8 + "-0000-4000-8000-" + "0" * 12]
        )
    )
    assert theirs.status_code == missing.status_code == 404
    assert b"Aalto" not in theirs.content
    assert AuditEvent.objects.filter(action="rights.export_download").count() == before
    # Their list does not show it either.
    assert (
        str(row.pk)
        not in _client(other).get(reverse("rights:my_exports")).content.decode()
    )
    assert _client(customer.officer).get(url).status_code == 200


def test_expired_files_are_refused_and_purged_by_the_daily_job(customer):
    row = exports.export_file_create(
        actor=customer.officer, person=customer.person, fmt="json"
    )
    keep = exports.export_file_create(
        actor=customer.officer, person=customer.person, fmt="html"
    )
    StaffExport.objects.filter(pk=row.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    client = _client(customer.officer)
    assert (
        client.get(reverse("rights:export_download", args=[row.pk])).status_code == 404
    )
    listing = client.get(reverse("rights:my_exports")).content.decode()
    assert reverse("rights:export_download", args=[row.pk]) not in listing
    assert reverse("rights:export_download", args=[keep.pk]) in listing
    run = run_job("rights_exports_purge")
    assert run.ok and run.summary == "1 expired exports removed"
    row.refresh_from_db()
    assert row.deleted_at is not None and row.content is None
    keep.refresh_from_db()
    assert keep.deleted_at is None
    assert _last("rights.export_purge").details["files"] == 1


def test_erasure_leaves_the_stored_file_unreadable(customer):
    row = exports.export_file_create(
        actor=customer.officer, person=customer.person, fmt="json"
    )
    plan = erasure.erasure_plan(actor=customer.officer, person=customer.person)
    fates = {(i["model"], i["fate"]) for i in plan["items"]}
    assert ("rights.StaffExport", "shredded") in fates
    erasure.erasure_execute(
        actor=customer.officer, person=customer.person, reason="request"
    )
    with pytest.raises(NotFound):
        exports.export_file_download(actor=customer.officer, export_id=row.pk)


def test_the_build_refuses_a_role_without_the_export_column(customer):
    client = _client(make_staff(StaffRole.CUSTOMER_SERVICE))
    response = client.post(
        reverse("rights:person_export_build", args=[customer.person.pk]),
        {"format": "json"},
    )
    assert response.status_code == 403
    assert not StaffExport.objects.exists()


def test_an_unknown_format_is_refused(customer):
    client = _client(customer.officer)
    response = client.post(
        reverse("rights:person_export_build", args=[customer.person.pk]),
        {"format": "xml"},
    )
    assert response.status_code == 302
    assert not StaffExport.objects.exists()


def test_an_erased_person_is_answered_with_the_receipt(customer):
    erasure.erasure_execute(actor=None, person=customer.person, reason="request")
    client = _client(customer.officer)
    response = client.post(
        reverse("rights:person_export_build", args=[customer.person.pk]),
        {"format": "json"},
    )
    assert response["Location"] == reverse(
        "rights:person_erasure", args=[customer.person.pk]
    )
    assert not StaffExport.objects.exists()
