"""Finnish words that depend on their context: catalogs share plain msgids,
so a word with two meanings needs a context of its own."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from rekisteri.accounts.choices import StaffRole
from rekisteri.messaging.choices import ParticipantRole
from rekisteri.privacy.forms import BreachForm
from rekisteri.registry.forms import RoleFieldsForm
from rekisteri.testing import client_as


def test_message_participants_are_sender_and_recipient_not_a_date_range():
    with translation.override("fi"):
        assert str(ParticipantRole.FROM.label) == "Lähettäjä"
        assert str(ParticipantRole.TO.label) == "Vastaanottaja"
        assert str(ParticipantRole.CC.label) == "Kopio"


def test_a_breach_title_is_a_heading_not_a_job_title():
    template = Template('{% load i18n %}{% translate "Title" context "breach" %}')
    with translation.override("fi"):
        assert template.render(Context()) == "Otsikko"
        assert str(BreachForm.base_fields["title"].label) == "Otsikko"
        assert str(RoleFieldsForm.base_fields["title"].label) == "Tehtävänimike"


@pytest.mark.django_db
def test_the_person_list_says_the_order_it_shows(client):
    client_as(StaffRole.SALES, client=client)
    response = client.get(reverse("registry:person_list"), HTTP_ACCEPT_LANGUAGE="fi")
    text = response.content.decode()
    assert "uusin ensin" in text
    assert "sukunimen mukaan" not in text
