"""An objection to direct marketing recorded for one spelling of an address
suppresses every spelling of it (core.formats.normalise_email), also for an
entry recorded before addresses had one canonical form."""

from __future__ import annotations

import hmac

import pytest

from rekisteri.accounts.choices import StaffRole
from rekisteri.core.keyring import provider
from rekisteri.registry import hooks
from rekisteri.registry import services as registry
from rekisteri.restrictions import selectors, services, suppression
from rekisteri.restrictions.models import SuppressedContact, SuppressionMatch
from rekisteri.testing import make_org, make_person, make_staff

pytestmark = pytest.mark.django_db

OTHER_SPELLINGS = [
    "MATTI@xn--prssi-jua.fi",
    "matti@po\u0308rssi.fi",
    "Matti@PÖRSSI.FI",
    "matti@\uff50örssi.fi",
]


def old_rule_digest(address: str) -> str:
    """The digest the list recorded before the canonical form: the address
    as typed, trimmed and lowercased."""
    key = suppression._key(provider().index_key(), "email")
    return hmac.new(key, address.strip().lower().encode(), "sha256").hexdigest()


@pytest.mark.parametrize("returning", OTHER_SPELLINGS)
def test_an_objection_for_one_spelling_suppresses_the_others(returning):
    org = make_org(name="Markkinoitava Oy", status="customer")
    objector = make_person(emails=["matti@pörssi.fi"])
    services.objection_record(actor=None, person=objector, purpose="direct_marketing")
    assert SuppressedContact.objects.filter(
        kind="email", digest=suppression.digest("email", "matti@pörssi.fi")
    ).exists()
    registry.person_shred(
        actor=make_staff(StaffRole.PRIVACY_OFFICER), person=objector, reason="pyyntö"
    )
    for spelling in [*OTHER_SPELLINGS, "matti@pörssi.fi"]:
        assert services.is_suppressed("email", spelling), spelling
        assert hooks.contacts_suppressed("email", [spelling]) == {spelling}

    back = make_person(last_name="Palaaja", emails=[returning])
    registry.role_create(actor=None, person=back, organization=org, kind="contact")
    assert SuppressionMatch.objects.filter(person=back, kind="email").exists()
    selection = selectors.marketing_selection(user=make_staff(StaffRole.SALES))
    assert back.pk not in {r.person_id for r in selection.rows}
    assert dict(selection.left_out)["suppressed"] == 1


@pytest.mark.parametrize(
    "recorded", ["matti@xn--prssi-jua.fi", "matti@po\u0308rssi.fi"]
)
def test_an_entry_recorded_in_an_old_spelling_still_matches(recorded):
    """An erased person's entry cannot be digested again (the list keeps no
    address): the lookups also try the punycode and decomposed spellings."""
    SuppressedContact.objects.create(kind="email", digest=old_rule_digest(recorded))
    assert services.is_suppressed("email", "MATTI@PÖRSSI.FI")
    assert not services.is_suppressed("email", "maija@pörssi.fi")
    person = make_person(emails=["matti@pörssi.fi"])
    assert SuppressionMatch.objects.filter(person=person, kind="email").exists()


def test_lookup_digests_are_the_canonical_one_first():
    canonical = suppression.digest("email", "matti@pörssi.fi")
    found = suppression.digests("email", "MATTI@xn--prssi-jua.fi")
    assert found[0] == canonical
    assert set(found[1:]) == {
        old_rule_digest("matti@xn--prssi-jua.fi"),
        old_rule_digest("matti@po\u0308rssi.fi"),
    }
    # An ASCII address has one spelling.
    assert suppression.digests("email", "A@Example.fi") == (
        suppression.digest("email", "a@example.fi"),
    )
    assert suppression.digests("email", "not an address") == ()
