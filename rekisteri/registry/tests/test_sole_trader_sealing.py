"""A sole trader's company data is sealed under the company's own key
(registry/sealing.py): nothing of it in the clear columns, everything read
back through the model, found by search and by business ID, gone with the
key."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.db import connection

from rekisteri.core import keyring
from rekisteri.core.catalogue import KeyClass
from rekisteri.core.errors import ValidationFailed
from rekisteri.core.models import BlindIndex
from rekisteri.registry import sealing
from rekisteri.registry.models import Organization
from rekisteri.registry.selectors import organization_list, search
from rekisteri.registry.services import organization_update
from rekisteri.testing import make_org, make_staff

db = pytest.mark.django_db(transaction=False, databases="__all__")

TRADER = dict(
    name="Toiminimi Toini Tähtinen",
    business_id="1234567-1",
    sole_trader=True,
    postal_street="Kotikatu 1 A 2",
    postal_postal_code="15100",
    postal_city="LAHTI",
    visiting_street="Torikatu 3",
    visiting_postal_code="15110",
    visiting_city="LAHTI",
)
SECRETS = ("Tähtinen", "Toini", "1234567", "Kotikatu", "Torikatu", "15100")


def raw_row(org_id) -> str:
    """Every column of the organization's row as stored, as one text."""
    table = connection.ops.quote_name(Organization._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT * FROM {table} WHERE id = %s",
            [org_id.hex if connection.vendor == "sqlite" else org_id],
        )  # noqa: S608
        row = cursor.fetchone()
    assert row is not None
    return " ".join(
        bytes(v).decode("latin-1") if isinstance(v, bytes | memoryview) else str(v)
        for v in row
    )


def reader():
    from rekisteri.accounts.choices import StaffRole

    return make_staff(StaffRole.CUSTOMER_SERVICE)


@db
def test_nothing_of_a_sole_trader_is_stored_in_the_clear():
    org = make_org(**TRADER)
    stored = raw_row(org.pk)
    for secret in SECRETS:
        assert secret not in stored
    raw = (
        Organization.objects.filter(pk=org.pk)
        .values(*sealing.sealed_names(Organization))
        .get()
    )
    assert raw["name"] == f"[{org.customer_number}]"
    assert raw["business_id"] is None and raw["vat_number"] == ""
    assert raw["postal_street"] == raw["visiting_city"] == ""
    # Read through the model, everything is there.
    again = Organization.objects.get(pk=org.pk)
    assert again.name == TRADER["name"]
    assert again.business_id == "1234567-1" and again.vat_number == "FI12345671"
    assert (again.postal_street, again.visiting_city) == ("Kotikatu 1 A 2", "LAHTI")
    assert sealing.state(again) == "open"


@db
def test_a_company_stays_in_the_clear():
    org = make_org(name="Virta Oy", business_id="7654321-2")
    raw = Organization.objects.filter(pk=org.pk).values("name", "business_id").get()
    assert raw == {"name": "Virta Oy", "business_id": "7654321-2"}
    assert Organization.objects.get(pk=org.pk).sole_trader_sealed is None
    assert Organization.objects.get(pk=org.pk).business_id_digest


@db
def test_a_deferred_field_is_opened_too():
    org = make_org(**TRADER)
    only = Organization.objects.only("id", "name").get(pk=org.pk)
    assert only.name == TRADER["name"]
    deferred = Organization.objects.defer("name", "sole_trader_sealed").get(pk=org.pk)
    assert deferred.name == TRADER["name"]


@db
def test_an_edit_reseals_and_reindexes():
    user = reader()
    org = make_org(**TRADER)
    organization_update(actor=None, organization=org, name="Toini Uusinimi")
    assert "Uusinimi" not in raw_row(org.pk)
    assert Organization.objects.get(pk=org.pk).name == "Toini Uusinimi"
    # The other sealed values survive an edit of one.
    assert Organization.objects.get(pk=org.pk).postal_street == "Kotikatu 1 A 2"
    found = search(user=user, q="uusinimi").organizations
    assert [o.pk for o in found] == [org.pk]
    assert search(user=user, q="Tähtinen").organizations == []


@db
def test_turning_a_company_into_a_sole_trader_and_back():
    org = make_org(name="Tähtinen Consulting", business_id="1234567-1")
    organization_update(actor=None, organization=org, sole_trader=True)
    assert "Tähtinen" not in raw_row(org.pk)
    assert Organization.objects.get(pk=org.pk).name == "Tähtinen Consulting"
    organization_update(actor=None, organization=org, sole_trader=False)
    raw = Organization.objects.filter(pk=org.pk).values("name", "business_id").get()
    assert raw == {"name": "Tähtinen Consulting", "business_id": "1234567-1"}
    assert Organization.objects.get(pk=org.pk).sole_trader_sealed is None
    code = sealing.blindindex.field_code(sealing.NAME_LABEL)
    assert not BlindIndex.objects.filter(
        subject_id=org.pk, key__gte=code << 32, key__lt=(code + 1) << 32
    ).exists()


@db
def test_search_and_lists_find_a_sole_trader():
    user = reader()
    org = make_org(**TRADER)
    make_org(name="Tähti Oy")
    assert [o.pk for o in search(user=user, q="tähtinen").organizations] == [org.pk]
    assert [o.pk for o in search(user=user, q="toini täh").organizations] == [org.pk]
    assert [o.pk for o in search(user=user, q="1234567-1").organizations] == [org.pk]
    assert [o.pk for o in search(user=user, q="12345671").organizations] == [org.pk]
    names = [o.name for o in organization_list(user=user, name_prefix="täht").items]
    assert sorted(names) == sorted([TRADER["name"], "Tähti Oy"])


@db
def test_a_business_id_stays_unique_across_kinds():
    make_org(**TRADER)
    with pytest.raises(ValidationFailed) as exc:
        make_org(name="Kopio Oy", business_id="1234567-1")
    assert "business_id" in exc.value.fields
    company = make_org(name="Virta Oy", business_id="7654321-2")
    with pytest.raises(ValidationFailed):
        make_org(name="Virta Toiminimi", business_id="7654321-2", sole_trader=True)
    assert company.pk


@db
def test_a_shredded_key_leaves_the_pseudonym():
    org = make_org(**TRADER)
    keyring.shred(org.pk, KeyClass.CRM, reason="test")
    gone = Organization.objects.get(pk=org.pk)
    assert gone.name == f"[{org.customer_number}]"
    assert gone.business_id is None and gone.postal_street == ""
    assert sealing.state(gone) == "erased"


@db
def test_pseudonymising_drops_the_document_digest_and_index():
    from rekisteri.retention import sole_trader

    org = make_org(**TRADER)
    keyring.shred(org.pk, KeyClass.CRM, reason="test")
    assert sole_trader.pseudonymise(org.pk, rule="relationship", run_id=1)
    raw = (
        Organization.objects.filter(pk=org.pk)
        .values(sealing.DOCUMENT, sealing.DIGEST)
        .get()
    )
    assert raw == {sealing.DOCUMENT: None, sealing.DIGEST: None}
    assert not BlindIndex.objects.filter(subject_id=org.pk).exists()
    assert not sole_trader.pseudonymise(org.pk, rule="relationship", run_id=1)


@db
def test_the_registry_import_finds_a_sole_trader_by_business_id():
    from rekisteri.connectors.prh.importer import Known

    org = make_org(**TRADER)
    with keyring.ensure_scope():
        known = Known.lookup(["1234567-1", "7654321-2"])
    assert list(known.orgs) == ["1234567-1"]
    assert known.orgs["1234567-1"].pk == org.pk


@db
def test_the_migration_seals_a_sole_trader_stored_in_the_clear():
    """A register made before sealing: the data step of migration 0012."""
    import importlib

    from django.apps import apps

    step = importlib.import_module(
        "rekisteri.registry.migrations.0012_sole_trader_sealed"
    )
    org = make_org(name="Vanha Oy", business_id="7654321-2")
    # As the register stored a sole trader before: every value in the clear.
    Organization.objects.filter(pk=org.pk).update(
        sole_trader=True,
        name="Toini Tähtinen",
        postal_street="Kotikatu 1",
        business_id="1234567-1",
        business_id_digest=None,
        sole_trader_sealed=None,
    )
    step.seal(apps, SimpleNamespace(connection=connection))
    assert "Tähtinen" not in raw_row(org.pk) and "1234567" not in raw_row(org.pk)
    again = Organization.objects.get(pk=org.pk)
    assert (again.name, again.business_id) == ("Toini Tähtinen", "1234567-1")
    assert again.postal_street == "Kotikatu 1"
    assert again.business_id_digest == sealing.digest("1234567-1")
    assert [o.pk for o in search(user=reader(), q="tähtinen").organizations] == [org.pk]
    # Run again: nothing left to do, nothing changed.
    before = raw_row(org.pk)
    step.seal(apps, SimpleNamespace(connection=connection))
    assert raw_row(org.pk) == before


@db
def test_a_review_of_a_sole_traders_value_is_sealed_too():
    from rekisteri.connectors.models import RegistryReview
    from rekisteri.registry.services.provenance import provenance_record

    org = make_org(**TRADER)
    company = make_org(name="Virta Oy", business_id="7654321-2")
    prov = provenance_record(actor=None, source="staff")
    sealed = RegistryReview.objects.create(
        organization=org,
        field="name",
        sole_trader=True,
        current_value=TRADER["name"],
        proposed_value="Toini Tähtinen Tmi",
        provenance=prov,
    )
    clear = RegistryReview.objects.create(
        organization=company,
        field="name",
        current_value="Virta Oy",
        proposed_value="Virta Oyj",
        provenance=prov,
    )
    raw = dict(
        RegistryReview.objects.values_list("pk", "proposed_value").filter(
            pk__in=[sealed.pk, clear.pk]
        )
    )
    assert raw == {sealed.pk: "", clear.pk: "Virta Oyj"}
    again = RegistryReview.objects.get(pk=sealed.pk)
    assert (again.current_value, again.proposed_value) == (
        TRADER["name"],
        "Toini Tähtinen Tmi",
    )
    # Deciding it (a save of the status only) keeps the values.
    again.status = "rejected"
    again.save(update_fields=["status"])
    assert RegistryReview.objects.get(pk=sealed.pk).proposed_value == (
        "Toini Tähtinen Tmi"
    )
    keyring.shred(org.pk, KeyClass.CRM, reason="test")
    assert RegistryReview.objects.get(pk=sealed.pk).proposed_value == ""


@db
def test_the_migration_seals_a_review_stored_in_the_clear():
    import importlib

    from django.apps import apps

    from rekisteri.connectors.models import RegistryReview
    from rekisteri.registry.services.provenance import provenance_record

    step = importlib.import_module(
        "rekisteri.connectors.migrations.0005_review_values_sealed"
    )
    org = make_org(**TRADER)
    review = RegistryReview.objects.create(
        organization=org,
        field="name",
        sole_trader=True,
        current_value="x",
        proposed_value="y",
        provenance=provenance_record(actor=None, source="staff"),
    )
    # As stored before: the values in the clear, no document.
    RegistryReview.objects.filter(pk=review.pk).update(
        current_value="Toini Tähtinen",
        proposed_value="Tähtinen Tmi",
        sole_trader_sealed=None,
    )
    step.seal(apps, SimpleNamespace(connection=connection))
    raw = RegistryReview.objects.filter(pk=review.pk).values(
        "current_value", "proposed_value"
    )
    assert raw.get() == {"current_value": "", "proposed_value": ""}
    again = RegistryReview.objects.get(pk=review.pk)
    assert (again.current_value, again.proposed_value) == (
        "Toini Tähtinen",
        "Tähtinen Tmi",
    )
