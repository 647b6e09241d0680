"""Writes of the privacy office: validation, audit, immutability."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import DatabaseError, transaction
from django.utils import timezone

from rekisteri.accounts.choices import StaffRole
from rekisteri.audit.models import AuditEvent
from rekisteri.core.errors import Conflict, NotFound, ValidationFailed
from rekisteri.privacy import services
from rekisteri.privacy.fixtures import SEED_CONTROLLER
from rekisteri.privacy.models import ImmutableRow, NoticeVersion, Party
from rekisteri.testing import make_staff

pytestmark = pytest.mark.django_db


def profile_data(**overrides):
    data = {k: v for k, v in SEED_CONTROLLER.items() if k != "authority_links"}
    data.update(overrides)
    return data


def party_data(**overrides):
    data = {
        "name": "Konesali Oy",
        "role": "processor",
        "service": "Hosting",
        "country": "FI",
        "data_categories": ["user.name", "user.contact.email"],
        "agreement_date": dt.date(2025, 1, 1),
        "guarantees": "DPA with audit rights",
        "next_review_on": dt.date(2026, 1, 1),
        "transfer_mechanism": "none",
    }
    data.update(overrides)
    return data


def actions() -> list[str]:
    return list(AuditEvent.objects.order_by("id").values_list("action", flat=True))


# --- Controller profile ------------------------------------------------------


def test_profile_update_validates_business_id_and_is_audited():
    officer = make_staff(StaffRole.PRIVACY_OFFICER)
    with pytest.raises(ValidationFailed) as exc:
        services.profile_update(
            actor=officer, data=profile_data(business_id="1234567-8")
        )
    assert exc.value.fields["business_id"][0][0] == "business_id_checksum"
    assert "1234567" not in str(exc.value.as_dict())

    profile = services.profile_update(
        actor=officer, data=profile_data(business_id="0737546-2")
    )
    assert profile.business_id == "0737546-2"
    event = AuditEvent.objects.get(action="controller_profile.update")
    assert event.actor_id == officer.pk
    assert "business_id" in event.fields
    assert "LeadDesk" not in str(event.details)


def test_profile_needs_name_address_email_and_contact():
    with pytest.raises(ValidationFailed) as exc:
        services.profile_update(
            actor=None,
            data=profile_data(
                controller_name="", street="", email="", contact_name="", postal_code=""
            ),
        )
    assert {"controller_name", "street", "email", "contact_name", "postal_code"} <= set(
        exc.value.fields
    )
    assert not services.ControllerProfile.objects.exists()


def test_a_dpo_needs_contact_details():
    with pytest.raises(ValidationFailed) as exc:
        services.profile_update(actor=None, data=profile_data(dpo_name="Dana DPO"))
    assert exc.value.fields["dpo_email"][0][0] == "dpo_contact_required"


def test_texts_need_a_profile_and_known_keys():
    with pytest.raises(NotFound):
        services.profile_texts_update(actor=None, language="fi", texts={})
    services.profile_load_seed(actor=None)
    with pytest.raises(ValidationFailed):
        services.profile_texts_update(actor=None, language="fi", texts={"bogus": "x"})
    with pytest.raises(ValidationFailed):
        services.profile_texts_update(actor=None, language="de", texts={})


def test_authority_links_must_be_web_addresses():
    with pytest.raises(ValidationFailed) as exc:
        services.profile_update(
            actor=None,
            data=profile_data(),
            authority_links=[{"label": "x", "url": "javascript:alert(1)"}],
        )
    assert "authority_links" in exc.value.fields


# --- Publishing ----------------------------------------------------------------


def test_publish_stores_an_immutable_numbered_version_with_digest():
    officer = make_staff(StaffRole.PRIVACY_OFFICER)
    services.profile_load_seed(actor=officer)
    first = services.notice_publish(actor=officer)
    second = services.notice_publish(actor=officer)
    assert (first.number, second.number) == (1, 2)
    assert first.published_by == officer
    assert set(first.markdown) == set(first.html) == {"fi", "sv", "en"}
    assert first.digest == services.digest_of(first.markdown)
    assert len(first.digest) == 64
    assert "Versio 1" in first.markdown["fi"]

    first.digest = "0" * 64
    with pytest.raises(ImmutableRow):
        first.save()
    with pytest.raises(ImmutableRow):
        first.delete()
    assert NoticeVersion.objects.get(pk=first.pk).digest != "0" * 64
    # The database refuses it too, whatever path the write takes.
    with pytest.raises(DatabaseError), transaction.atomic():
        NoticeVersion.objects.filter(pk=first.pk).update(digest="0" * 64)
    with pytest.raises(DatabaseError), transaction.atomic():
        NoticeVersion.objects.filter(pk=first.pk)._raw_delete(using="default")
    stored = NoticeVersion.objects.get(pk=first.pk)
    assert stored.digest == services.digest_of(stored.markdown)
    assert actions().count("notice.publish") == 2


def test_publish_without_a_profile_is_refused():
    with pytest.raises(NotFound):
        services.notice_publish(actor=None)
    assert not NoticeVersion.objects.exists()


# --- Processors and recipients -----------------------------------------------


def test_a_non_eea_party_without_a_mechanism_is_refused_naming_country_and_rule():
    with pytest.raises(ValidationFailed) as exc:
        services.party_create(actor=None, data=party_data(country="us"))
    (code, message), *_ = exc.value.fields["country"]
    assert code == "transfer_outside_eea"
    assert "US" in message
    assert "Chapter V" in message
    assert not Party.objects.exists()


@pytest.mark.parametrize("mechanism", ["adequacy", "scc"])
def test_a_non_eea_party_with_a_mechanism_is_accepted(mechanism):
    party = services.party_create(
        actor=None, data=party_data(country="CH", transfer_mechanism=mechanism)
    )
    assert party.country == "CH"


@pytest.mark.parametrize("country", ["NO", "IS", "LI", "AX", "SE", "ee"])
def test_eea_countries_and_aland_need_no_mechanism(country):
    party = services.party_create(actor=None, data=party_data(country=country))
    assert party.country == country.upper()


def test_party_validation_collects_every_problem():
    with pytest.raises(ValidationFailed) as exc:
        services.party_create(
            actor=None,
            data=party_data(
                name="",
                country="XX",
                role="friend",
                data_categories=["user.bogus"],
                agreement_date=None,
            ),
        )
    assert {"name", "country", "role", "data_categories"} <= set(exc.value.fields)


def test_a_processor_needs_an_agreement_date():
    with pytest.raises(ValidationFailed) as exc:
        services.party_create(actor=None, data=party_data(agreement_date=None))
    assert exc.value.fields["agreement_date"][0][0] == "agreement_required"
    recipient = services.party_create(
        actor=None, data=party_data(role="recipient", agreement_date=None)
    )
    assert recipient.role == "recipient"


def test_party_update_is_audited_with_changed_fields():
    party = services.party_create(actor=None, data=party_data())
    services.party_update(
        actor=None, party=party, data=party_data(service="Hosting and backups")
    )
    event = AuditEvent.objects.filter(action="party.update").get()
    assert event.fields == ["service"]


# --- Manual records ------------------------------------------------------------


def record_data(**overrides):
    data = {
        "title": "Signed contracts 2019",
        "description": "",
        "location": "Locked archive room",
        "retention_rule": "bookkeeping_voucher",
        "created_on": dt.date(2019, 12, 31),
        "destroy_by": dt.date(2026, 12, 31),
    }
    data.update(overrides)
    return data


def test_manual_record_refuses_destroy_by_before_creation_and_unknown_rule():
    with pytest.raises(ValidationFailed) as exc:
        services.manual_record_create(
            actor=None,
            data=record_data(destroy_by=dt.date(2019, 1, 1), retention_rule="forever"),
        )
    assert exc.value.fields["destroy_by"][0][0] == "date_order"
    assert exc.value.fields["retention_rule"][0][0] == "rule_unknown"


def test_destruction_is_logged_once_with_date_method_and_who():
    officer = make_staff(StaffRole.PRIVACY_OFFICER)
    clerk = make_staff(StaffRole.CUSTOMER_SERVICE)
    record = services.manual_record_create(actor=officer, data=record_data())
    with pytest.raises(ValidationFailed) as exc:
        services.manual_record_destroy(
            actor=officer,
            record=record,
            destroyed_on=dt.date(2018, 1, 1),
            method="shredding",
            destroyed_by=clerk,
        )
    assert exc.value.fields["destroyed_on"][0][0] == "date_order"
    with pytest.raises(ValidationFailed) as exc:
        services.manual_record_destroy(
            actor=officer,
            record=record,
            destroyed_on=timezone.localdate() + dt.timedelta(days=1),
            method="burning",
            destroyed_by=None,
        )
    assert {"destroyed_on", "destruction_method", "destroyed_by"} <= set(
        exc.value.fields
    )
    record.refresh_from_db()
    assert record.destroyed_on is None

    services.manual_record_destroy(
        actor=officer,
        record=record,
        destroyed_on=timezone.localdate(),
        method="shredding",
        destroyed_by=clerk,
    )
    record.refresh_from_db()
    assert (record.destruction_method, record.destroyed_by) == ("shredding", clerk)
    with pytest.raises(Conflict):
        services.manual_record_destroy(
            actor=officer,
            record=record,
            destroyed_on=timezone.localdate(),
            method="shredding",
            destroyed_by=clerk,
        )
    assert actions()[-2:] == ["manual_record.create", "manual_record.destroy"]


def test_overdue_records_are_listed():
    from rekisteri.privacy.selectors import manual_records_overdue

    overdue = services.manual_record_create(
        actor=None, data=record_data(destroy_by=dt.date(2020, 1, 1))
    )
    services.manual_record_create(
        actor=None, data=record_data(title="Future", destroy_by=dt.date(2099, 1, 1))
    )
    assert manual_records_overdue() == [overdue]
    assert overdue.is_overdue


def test_paper_material_can_move_until_it_is_destroyed():
    officer = make_staff(StaffRole.PRIVACY_OFFICER)
    record = services.manual_record_create(actor=officer, data=record_data())
    moved = services.manual_record_update(
        actor=officer,
        record=record,
        data=record_data(location="Locked archive room B"),
    )
    assert moved.location == "Locked archive room B"
    event = AuditEvent.objects.get(action="manual_record.update")
    assert event.fields == ["location"]
    with pytest.raises(ValidationFailed):
        services.manual_record_update(
            actor=officer, record=record, data=record_data(location="")
        )
    services.manual_record_destroy(
        actor=officer,
        record=record,
        destroyed_on=timezone.localdate(),
        method="shredding",
        destroyed_by=officer,
    )
    with pytest.raises(Conflict):
        services.manual_record_update(
            actor=officer, record=record, data=record_data(location="Elsewhere")
        )
    record.refresh_from_db()
    assert record.location == "Locked archive room B"
