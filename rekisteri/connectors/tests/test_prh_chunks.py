"""Chunked matching: few queries per chunk, a failing source loses nothing
already read, duplicates in one file."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rekisteri.connectors.prh import importer
from rekisteri.connectors.tests import builders
from rekisteri.registry.models import Organization
from rekisteri.registry.sealing import business_id_q
from rekisteri.testing import make_org

pytestmark = pytest.mark.django_db


def test_companies_not_in_the_register_cost_no_query_each():
    companies = builders.page(300)["companies"]
    with CaptureQueriesContext(connection) as queries:
        report = importer.import_companies(
            actor=None, companies=companies, description="t"
        )
    assert report.not_in_register == 300
    # Batch, lookup (3), closing the batch and its audit event: not 300.
    assert len(queries) < 30


def test_unchanged_companies_are_one_update_per_chunk(monkeypatch):
    monkeypatch.setattr(importer, "CHUNK", 50)
    companies = builders.page(120)["companies"]
    importer.import_companies(
        actor=None, companies=companies, description="t", create=True
    )
    with CaptureQueriesContext(connection) as queries:
        report = importer.import_companies(
            actor=None, companies=companies, description="t"
        )
    assert report.unchanged == 120 and report.flagged == 13
    assert len(queries) < 40


def test_a_source_that_fails_midway_keeps_the_companies_read_before(monkeypatch):
    monkeypatch.setattr(importer, "CHUNK", 50)
    companies = builders.page(30)["companies"]

    def source():
        yield from companies[:20]
        raise importer.ValidationFailed.single("file", "broken", "broken")

    with pytest.raises(importer.ValidationFailed):
        importer.import_companies(
            actor=None, companies=source(), description="t", create=True
        )
    assert Organization.objects.count() == 20


def test_a_company_twice_in_one_file_is_created_once():
    company = builders.company(1)
    make_org(business_id=builders.business_id(2), name="Other Oy")
    report = importer.import_companies(
        actor=None, companies=[company, company], description="t", create=True
    )
    assert (report.created, report.unchanged, report.failed) == (1, 1, 0)
    assert (
        Organization.objects.filter(business_id_q([builders.business_id(1)])).count()
        == 1
    )
