"""Requesters' addresses in the register's one canonical form: matched in
any spelling, mail sent to the domain's ASCII form, throwaway domains
refused in either spelling, and migration 0007 for cases kept from before."""

from __future__ import annotations

import hmac
from importlib import import_module

import pytest
from django.apps import apps
from django.core import mail
from django.core.cache import cache

from rekisteri.core.errors import ValidationFailed
from rekisteri.core.keyring import provider
from rekisteri.dsr import portal, services
from rekisteri.dsr.models import RequestCase
from rekisteri.privacy import services as privacy
from rekisteri.restrictions import services as restrictions
from rekisteri.restrictions import suppression
from rekisteri.restrictions.models import SuppressedContact
from rekisteri.testing import make_person

pytestmark = pytest.mark.django_db

MIGRATION = "rekisteri.dsr.migrations.0007_email_canonical_form"


@pytest.fixture(autouse=True)
def _profile():
    cache.clear()
    privacy.profile_load_seed(actor=None)
    yield
    cache.clear()


def _case(officer, **kw):
    values = dict(actor=officer, kinds=["access"], channel="email", language="fi")
    return services.case_create(**{**values, **kw})


def test_a_request_in_punycode_matches_the_person_and_mail_goes_in_ascii(officer):
    person = make_person(emails=["matti@pörssi.fi"])
    created = _case(officer, requester_email="MATTI@xn--prssi-jua.fi")
    case = created.case
    assert list(case.persons.all()) == [person]
    assert case.requester_email == "matti@pörssi.fi"
    (letter,) = mail.outbox
    assert letter.to == ["matti@xn--prssi-jua.fi"]
    assert letter.message()["To"] == "matti@xn--prssi-jua.fi"
    assert case.messages.get().recipient == "matti@pörssi.fi"
    # The same requester in another spelling: pointed out as a duplicate.
    again = _case(officer, requester_email="matti@po\u0308rssi.fi")
    assert [d.pk for d in again.duplicates] == [case.pk]


def test_mail_to_a_sharp_s_domain_goes_to_that_domain(officer):
    """Django's own conversion (IDNA 2003) would send it to strasse.de."""
    _case(officer, requester_email="anna@straße.de")
    (letter,) = mail.outbox
    assert letter.message()["To"] == "anna@xn--strae-oqa.de"


def test_the_portal_sends_its_code_to_the_ascii_form():
    portal.portal_submit(
        kinds=["access"],
        email="Matti@Pörssi.fi",
        details="",
        language="fi",
        client="192.0.2.1",
    )
    (letter,) = mail.outbox
    assert letter.message()["To"] == "matti@xn--prssi-jua.fi"


@pytest.mark.parametrize("address", ["x@xn--5nx.cc", "x@灵.cc", "x@yahóo.com"])
def test_a_throwaway_domain_is_refused_in_either_spelling(officer, address):
    with pytest.raises(ValidationFailed) as exc:
        _case(officer, requester_email=address)
    assert exc.value.fields["requester_email"][0][0] == "email_disposable"


def _store_old_form(case: RequestCase, address: str) -> None:
    """The case as the rule before the canonical form left it: the address
    as typed, lowercased, and its digest."""
    case.requester_email = address
    case.email_digest = services.contact_digest("email", address)
    case.save(update_fields=["requester_email", "email_digest"])


def test_the_migration_renormalises_a_case_kept_from_before(officer, capsys):
    case = _case(officer, requester_email="matti@pörssi.fi").case
    _store_old_form(case, "matti@xn--prssi-jua.fi")
    plain = _case(officer, requester_email="maija@example.fi").case
    plain_digest = plain.email_digest

    import_module(MIGRATION).renormalise(apps, None)

    case = RequestCase.objects.get(pk=case.pk)
    assert case.requester_email == "matti@pörssi.fi"
    assert case.email_digest == services.contact_digest("email", "matti@pörssi.fi")
    assert RequestCase.objects.get(pk=plain.pk).email_digest == plain_digest
    assert "1 requesters' email addresses" in capsys.readouterr().out
    again = _case(officer, requester_email="MATTI@PÖRSSI.FI")
    assert [d.pk for d in again.duplicates] == [case.pk]


def test_the_migration_lists_a_none_held_objection_in_the_canonical_form(officer):
    case = _case(officer, kinds=["objection"], requester_email="uusi@pörssi.fi").case
    services.case_answer_none_held(actor=officer, case=case, note="Ei osumia")
    # As the rule before left it: the address and its digest as typed.
    SuppressedContact.objects.all().delete()
    _store_old_form(RequestCase.objects.get(pk=case.pk), "uusi@xn--prssi-jua.fi")
    key = suppression._key(provider().index_key(), "email")
    old = hmac.new(key, b"uusi@xn--prssi-jua.fi", "sha256").hexdigest()
    SuppressedContact.objects.create(kind="email", digest=old)

    import_module(MIGRATION).renormalise(apps, None)

    assert set(SuppressedContact.objects.values_list("digest", flat=True)) == {
        old,
        suppression.digest("email", "uusi@pörssi.fi"),
    }
    assert restrictions.is_suppressed("email", "UUSI@po\u0308rssi.fi")
