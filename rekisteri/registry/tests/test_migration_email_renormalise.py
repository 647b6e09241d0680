"""Migrations registry 0014 and restrictions 0004: addresses stored under
the rule before the canonical form (trimmed and lowercased as typed) are
renormalised, with their digests, blind-index rows and suppression."""

from __future__ import annotations

import hmac
from importlib import import_module

import pytest
from django.apps import apps

from rekisteri.core.blindindex import unique_digest_for
from rekisteri.core.keyring import provider
from rekisteri.registry.models import Person, PersonEmail, email_digest
from rekisteri.registry.selectors import search
from rekisteri.restrictions import services as restrictions
from rekisteri.restrictions import suppression
from rekisteri.restrictions.models import (
    Objection,
    SuppressedContact,
    SuppressionMatch,
)
from rekisteri.testing import make_person, make_staff

pytestmark = pytest.mark.django_db

REGISTRY = "rekisteri.registry.migrations.0014_email_canonical_form"
RESTRICTIONS = "rekisteri.restrictions.migrations.0004_email_canonical_form"


def _old_row(person: Person, typed: str) -> PersonEmail:
    """An address as the rule before left it: as typed, lowercased, with
    that form's digest and blind-index rows (normalise_email bypassed)."""
    old = typed.strip().lower()
    row = PersonEmail.objects.create(person=person, email=old, is_primary=True)
    PersonEmail.objects.filter(pk=row.pk).update(
        email_digest=unique_digest_for("registry.PersonEmail.email", old)
    )
    return row


def _old_suppression_digest(typed: str) -> str:
    key = suppression._key(provider().index_key(), "email")
    return hmac.new(key, typed.strip().lower().encode(), "sha256").hexdigest()


def _migrate() -> None:
    import_module(REGISTRY).renormalise(apps, None)
    import_module(RESTRICTIONS).renormalise(apps, None)


def test_an_old_punycode_row_is_renormalised_and_found(capsys):
    staff = make_staff()
    older = make_person(emails=[])
    row = _old_row(older, "Matti@XN--PRSSI-JUA.fi")
    # Under the old rule the Unicode spelling was another address.
    assert search(user=staff, q="matti@pörssi.fi").persons == []
    newer = make_person(emails=["matti@pörssi.fi"])
    decomposed = make_person(emails=[])
    nfd = _old_row(decomposed, "liisa@po\u0308rssi.fi")
    plain = make_person(emails=["pekka@example.fi"])
    (plain_row,) = plain.emails.all()

    _migrate()

    row = PersonEmail.objects.get(pk=row.pk)
    assert row.email == "matti@pörssi.fi"
    assert row.email_digest == email_digest("matti@pörssi.fi")
    # The newer holder of the same address keeps it, without the digest.
    (newer_row,) = PersonEmail.objects.filter(person=newer)
    assert newer_row.email == "matti@pörssi.fi" and newer_row.email_digest is None
    assert "1 email addresses are held by two persons" in capsys.readouterr().out
    nfd = PersonEmail.objects.get(pk=nfd.pk)
    assert nfd.email == "liisa@pörssi.fi"
    assert nfd.email_digest == email_digest("liisa@pörssi.fi")
    assert PersonEmail.objects.get(pk=plain_row.pk).email_digest == (
        plain_row.email_digest
    )
    for query in ("MATTI@xn--prssi-jua.fi", "matti@po\u0308rssi.fi"):
        found = {p.pk for p in search(user=staff, q=query).persons}
        assert found == {older.pk, newer.pk}
    assert search(user=staff, q="LIISA@XN--PRSSI-JUA.FI").persons == [decomposed]


def test_a_renormalised_objector_s_address_suppresses_every_spelling(capsys):
    objector = make_person(emails=[])
    _old_row(objector, "olli@xn--prssi-jua.fi")
    Objection.objects.create(
        person=objector, purpose="direct_marketing", received_on="2026-01-02"
    )
    SuppressedContact.objects.create(
        kind="email", digest=_old_suppression_digest("olli@xn--prssi-jua.fi")
    )
    # Someone added under the old rule with the Unicode spelling was not
    # flagged then.
    holder = make_person(emails=["olli@pörssi.fi"])
    SuppressionMatch.objects.filter(person=holder).delete()
    bystander = make_person(emails=["muu@pörssi.fi"])

    _migrate()

    assert SuppressedContact.objects.filter(
        kind="email", digest=suppression.digest("email", "olli@pörssi.fi")
    ).exists()
    assert SuppressionMatch.objects.filter(person=holder, kind="email").exists()
    assert not SuppressionMatch.objects.filter(person=bystander).exists()
    assert not SuppressionMatch.objects.filter(person=objector).exists()
    assert "1 addresses in their canonical form, 1 persons newly matched" in (
        capsys.readouterr().out
    )
    for spelling in ("OLLI@xn--prssi-jua.fi", "olli@po\u0308rssi.fi"):
        assert restrictions.is_suppressed("email", spelling)


def test_a_register_already_in_canonical_form_is_left_alone(capsys):
    person = make_person(emails=["matti@pörssi.fi", "a@example.fi"])
    before = list(PersonEmail.objects.values_list("id", "email", "email_digest"))
    _migrate()
    assert list(PersonEmail.objects.values_list("id", "email", "email_digest")) == (
        before
    )
    assert capsys.readouterr().out == ""
    assert search(user=make_staff(), q="MATTI@XN--PRSSI-JUA.FI").persons == [person]
