"""Completeness of the access export, generated from the catalogue.

The test builds one person's world through the services, then fills EVERY
personal field of every catalogued model (staff data aside) on every row
with a distinct value, sets each field's condition (``when=``), and checks
that each stored value appears in the export, on its row and field. A field
added to the catalogue later is filled and checked automatically; a new
model with personal data and no row in the world fails with a message
saying to add one here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
from pathlib import Path

import jsonschema
import pytest
from django.db import models

from rekisteri.accounts.choices import StaffRole
from rekisteri.connectors.models import InformTask, RegistryReview
from rekisteri.contracts.services import (
    contract_create,
    contract_party_add,
    product_create,
)
from rekisteri.core import participants
from rekisteri.core.catalogue import iter_models, subject_fields
from rekisteri.core.crypto.fields import EncryptedBinaryField, EncryptedTextField
from rekisteri.dsr.models import CaseAction, ExportFile, RequestCase, SentMessage
from rekisteri.keystore import keys
from rekisteri.messaging.services import (
    AttachmentIn,
    ParticipantIn,
    message_create,
)
from rekisteri.registry.models import DataSource, Provenance
from rekisteri.registry.services import role_create
from rekisteri.restrictions.models import Objection, Restriction, SuppressionMatch
from rekisteri.rights import services
from rekisteri.rights.models import RecipientNotice, Rectification, StaffExport
from rekisteri.rights.schema import EXPORT_SCHEMA
from rekisteri.testing import make_org, make_person, make_staff
from rekisteri.testing.billing import make_invoice

pytestmark = pytest.mark.django_db

DOCS_SCHEMA = Path(__file__).resolve().parents[3] / "docs" / "rights-export.schema.json"


def _world():
    """One person with a row in every model that holds a person's data."""
    staff = make_staff()
    person = make_person(
        emails=["complete@example.fi"],
        phones=["040 111 2222"],
        street="Katu 1",
        postal_code="00100",
        city="Helsinki",
    )
    org = make_org(name="Toiminimi Täydellinen", sole_trader=True)
    role_create(
        actor=None,
        person=person,
        organization=org,
        kind="contact",
        start_date=dt.date(2020, 1, 1),
        title="Yrittäjä",
    )
    role_create(
        actor=None,
        person=person,
        organization=org,
        kind="billing_contact",
        start_date=dt.date(2020, 1, 1),
    )
    org.postal_street, org.postal_postal_code, org.postal_city = (
        "Katu 2",
        "00100",
        "Espoo",
    )
    org.save()
    contract = contract_create(
        actor=None,
        organization=org,
        product=product_create(actor=None, code="ALL", name="Everything"),
        start_date=dt.date(2020, 1, 1),
        terms="Ehdot",
    )
    contract_party_add(actor=None, contract=contract, person=person, kind="signatory")
    make_invoice(organization=org, contact=person, issue=False)
    message_create(
        actor=staff,
        person=person,
        channel="email",
        direction="in",
        occurred_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        subject="Aihe",
        body="Viesti",
        participants=[ParticipantIn(role="from", person=person, address="x@y.fi")],
        attachments=[AttachmentIn("liite.txt", b"liite")],
    )
    Restriction.objects.create(
        person=person,
        ground="accuracy",
        reason="Syy",
        requested_by="data_subject",
        requested_on=dt.date(2026, 1, 1),
    )
    Objection.objects.create(
        person=person, purpose="direct_marketing", received_on=dt.date(2026, 1, 1)
    )
    SuppressionMatch.objects.create(person=person, kind="email")
    RegistryReview.objects.create(
        organization=org,
        field="name",
        sole_trader=True,
        current_value="Toiminimi Täydellinen",
        proposed_value="Toiminimi Täydellinen Oy",
        provenance=Provenance.objects.create(source=DataSource.objects.get(code="prh")),
    )
    case = RequestCase.objects.create(
        reference="KIT-1",
        kinds=["access"],
        channel="letter",
        received_at=dt.datetime(2026, 1, 2, tzinfo=dt.UTC),
        deadline=dt.date(2026, 2, 2),
    )
    case.persons.add(person)
    CaseAction.objects.create(
        case=case, kind="access", done_at=dt.datetime(2026, 1, 3, tzinfo=dt.UTC)
    )
    InformTask.objects.create(
        person=person,
        source=DataSource.objects.get(code="fonecta"),
        obtained_on=dt.date(2026, 1, 2),
        due=dt.date(2026, 2, 2),
        informed_at=dt.datetime(2026, 1, 9, 12, 0, tzinfo=dt.UTC),
        channel="letter",
    )
    SentMessage.objects.create(
        case=case,
        letter="ack",
        language="fi",
        recipient="r@example.fi",
        subject="Kuittaus",
        body="Kirje",
        sent_at=dt.datetime(2026, 1, 3, tzinfo=dt.UTC),
    )
    ExportFile.objects.create(
        case=case,
        token_hash="t",
        code_hash="c",
        filename="export.json",
        content_type="application/json",
        content=b"{}",
        size=2,
        expires_at=dt.datetime(2026, 1, 10, tzinfo=dt.UTC),
    )
    rectified = Rectification.objects.create(
        person=person, case_ref="KIT-2", fields=["last_name"], categories=["user.name"]
    )
    RecipientNotice.objects.create(
        person=person,
        rectification=rectified,
        recipient="Postitus Oy",
        categories=["user.name"],
    )
    StaffExport.objects.create(
        person=person,
        fmt="json",
        filename="access-export.json",
        content_type="application/json",
        content=b"{}",
        size=2,
        expires_at=dt.datetime(2026, 1, 10, tzinfo=dt.UTC),
        made_by=make_staff(StaffRole.PRIVACY_OFFICER),
    )
    return person


class Filler:
    """Distinct values by field type."""

    def __init__(self) -> None:
        self.n = itertools.count(1)

    def value(self, f: models.Field):
        n = next(self.n)
        if isinstance(f, EncryptedBinaryField):
            return f"content-{n}".encode()
        if isinstance(f, EncryptedTextField):
            return f"value-{n}"
        if f.choices:
            choices = [c for c, _label in f.flatchoices]
            return choices[n % len(choices)]
        if isinstance(f, models.BooleanField):
            return True
        if isinstance(f, models.TextField):
            return f"text-{n}"
        if isinstance(f, models.JSONField):
            return [f"json-{n}"]
        if isinstance(f, models.DateTimeField):
            # An aware moment (time zone support is on), increasing too.
            return dt.datetime(2021, 1, 1, 12, tzinfo=dt.UTC) + dt.timedelta(days=n)
        if isinstance(f, models.DateField):
            # Increasing in declaration order: an end date follows its start.
            return dt.date(2021, 1, 1) + dt.timedelta(days=n)
        if isinstance(f, models.IntegerField):
            return 1000 + n
        if isinstance(f, models.CharField):
            text = f"v{n}"
            if f.max_length and f.max_length < len(text):
                text = chr(65 + (n // 26) % 26) + chr(65 + n % 26)
            return text[: f.max_length]
        if f.is_relation:
            return None  # keep the existing link (a product, say)
        raise AssertionError(f"No filler for {f.__class__.__name__}")


def _fill_everything() -> dict[tuple[str, str, str], object]:
    """Fill each personal field of each row; (model, pk, field) → value."""
    filler = Filler()
    expected: dict[tuple[str, str, str], object] = {}
    missing = []
    unlinked = participants.unlinked_models()
    with keys.ensure_scope():
        for model in iter_models():
            entries = subject_fields(model)
            if not entries or model._meta.proxy or model._meta.label in unlinked:
                continue
            rows = list(model._default_manager.all())
            if not rows:
                missing.append(model._meta.label)
                continue
            for row in rows:
                for e in entries:
                    c = e.classification
                    if c.when:
                        setattr(row, c.when, True)
                    f = model._meta.get_field(e.field_name)
                    value = filler.value(f)
                    if value is not None:
                        setattr(row, e.field_name, value)
                row.save()
            for row in model._default_manager.all():
                for e in entries:
                    expected[(model._meta.label, str(row.pk), e.field_name)] = getattr(
                        row, e.field_name
                    )
    assert not missing, (
        "These models hold personal data but the completeness world has no "
        f"row of them; add one in _world(): {missing}"
    )
    return expected


def _as_export_value(value):
    if isinstance(value, bytes | memoryview):
        raw = bytes(value)
        return {"bytes": len(raw), "sha256": hashlib.sha256(raw).hexdigest()}
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return None  # a link: its presence is checked
    return value


def test_every_catalogued_value_is_in_the_export():
    person = _world()
    expected = _fill_everything()
    export = services.export_person(actor=None, person=person)
    found = {
        (item["model"], item["id"], v["field"]): v["value"]
        for item in export["items"]
        for v in item["values"]
    }
    absent = []
    for key, value in expected.items():
        want = _as_export_value(value)
        if key not in found:
            absent.append(f"{key} not exported")
        elif want is not None and found[key] != want:
            # Attachments export their size in bytes from the row.
            if isinstance(want, dict) and found[key]["sha256"] == want["sha256"]:
                continue
            absent.append(f"{key}: exported {found[key]!r}, stored {want!r}")
        elif want is None and found[key] in (None, ""):
            absent.append(f"{key}: link not exported")
    assert not absent, "Values missing from the access export:\n  " + "\n  ".join(
        absent
    )
    # Every catalogued model holding a person's data is in the export.
    assert {k[0] for k in expected} <= {i["model"] for i in export["items"]}
    jsonschema.validate(
        export, EXPORT_SCHEMA, format_checker=jsonschema.FormatChecker()
    )


def test_the_export_schema_is_published_in_docs():
    assert json.loads(DOCS_SCHEMA.read_text()) == EXPORT_SCHEMA


def test_the_schema_refuses_an_item_without_its_article_15_information():
    person = make_person()
    export = services.export_person(actor=None, person=person)
    jsonschema.validate(export, EXPORT_SCHEMA)
    del export["items"][0]["info"]["recipients"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(export, EXPORT_SCHEMA)
