"""``{% kept %}`` (core/templatetags/kept.py): a fragment kept per key gives
what the fragment rendered in full gives, and keeps nothing of a request."""

from __future__ import annotations

import re

import pytest
from django.template import Context, TemplateSyntaxError, engines
from django.test import Client, override_settings
from django.urls import reverse

from rekisteri.accounts.choices import StaffRole
from rekisteri.accounts.models import StaffUser
from rekisteri.accounts.permissions import Perm, access_key, has_perm
from rekisteri.core.templatetags import kept
from rekisteri.testing import make_staff


def template(source: str):
    return engines["django"].from_string("{% load kept %}" + source)


def test_slots_are_rendered_per_render_and_the_rest_per_key():
    t = template(
        "{% kept lang %}<p>{{ lang }}|{% slot %}{{ who }}{% endslot %}</p>{% endkept %}"
    )
    assert t.render({"lang": "fi", "who": "<a>"}) == "<p>fi|&lt;a&gt;</p>"
    assert t.render({"lang": "fi", "who": "b"}) == "<p>fi|b</p>"
    assert t.render({"lang": "en", "who": "c"}) == "<p>en|c</p>"


def test_the_kept_text_holds_no_slot_value():
    kept._store.clear()
    t = template("{% kept k %}[{% slot %}{{ secret }}{% endslot %}]{% endkept %}")
    t.render({"k": 1, "secret": "token-123"})
    assert kept._store
    assert not any("token-123" in str(v) for v in kept._store.values())


def test_slots_in_branches_and_loops_of_the_fragment():
    t = template(
        "{% kept k %}{% if k %}{% for i in '12' %}{{ i }}{% slot %}{{ v }}{% endslot %}"
        "{% endfor %}{% else %}-{% endif %}{% endkept %}"
    )
    assert t.render({"k": True, "v": "x"}) == "1x2x"
    assert t.render({"k": True, "v": "y"}) == "1y2y"
    assert t.render({"k": False, "v": "y"}) == "-"


def test_a_missing_key_renders_in_full_and_keeps_nothing():
    kept._store.clear()
    t = template("{% kept k %}{{ v }}{% endkept %}")
    assert t.render({"v": 1}) == "1"
    assert t.render({"v": 2}) == "2"
    assert not kept._store


def test_autoescaping_is_part_of_the_key():
    t = template(
        "{% kept k %}{{ html }}{% endkept %}|"
        "{% autoescape off %}{% kept k %}{{ html }}{% endkept %}{% endautoescape %}"
    )
    assert t.render({"k": 1, "html": "<b>"}) == "&lt;b&gt;|<b>"


@pytest.mark.parametrize(
    "body",
    [
        "{% csrf_token %}",
        "{{ csrf_token }}",
        "{% block b %}{% endblock %}",
        "{% kept k %}{% endkept %}",
    ],
)
def test_request_values_and_blocks_outside_a_slot_are_refused(body: str):
    with pytest.raises(TemplateSyntaxError):
        template("{% kept k %}" + body + "{% endkept %}")
    template(
        "{% kept k %}{% slot %}"
        + body.replace("kept k", "if k").replace("endkept", "endif")
        + "{% endslot %}{% endkept %}"
    )


def test_the_check_finds_a_key_that_misses_a_variable():
    t = template("{% kept k %}{{ other }}{% endkept %}")
    with override_settings(REKISTERI_KEPT_CHECK=True):
        t.render({"k": 1, "other": "a"})
        with pytest.raises(TemplateSyntaxError, match="kept"):
            t.render({"k": 1, "other": "b"})
    with override_settings(REKISTERI_KEPT_CHECK=False):
        t.render({"k": 1, "other": "a"})
        # Unchecked, the kept text is given: what the check is for.
        assert t.render({"k": 1, "other": "b"}) == "a"


def test_a_slot_outside_a_fragment_is_its_contents():
    assert template("{% slot %}{{ v }}{% endslot %}").render({"v": "&"}) == "&amp;"


def test_a_changed_setting_empties_the_store():
    template("{% kept k %}x{% endkept %}").render(Context({"k": 1}).flatten())
    assert kept._store
    with override_settings(LANGUAGE_CODE="en"):
        assert not kept._store


@pytest.mark.django_db
def test_accounts_with_equal_access_keys_have_equal_permissions():
    users = [
        make_staff(role, cleared=cleared)
        for role in StaffRole.values
        for cleared in (True, False)
    ]
    inactive = make_staff(StaffRole.SALES, is_active=False)
    users.append(inactive)
    by_key: dict[tuple, list[bool]] = {}
    for user in [*users, make_staff(StaffRole.SALES), None]:
        answers = [has_perm(user, p) for p in Perm]
        assert by_key.setdefault(access_key(user), answers) == answers


CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.mark.django_db
def test_each_account_sees_its_own_name_and_tokens_in_the_kept_header():
    """Two accounts of one role get one kept header, each with its own
    name and a CSRF token its own session accepts."""
    pages = {}
    for first, last in (("Aino", "Aalto"), ("Eero", "Eskola")):
        user = make_staff(StaffRole.SALES, first_name=first, last_name=last)
        client = Client(enforce_csrf_checks=True)
        client.force_login(user)
        html = client.get(reverse("registry:person_list")).content.decode()
        pages[first] = html
        assert f"{first} {last}" in html
        assert f">{first[0]}{last[0]}<" in html
        tokens = CSRF.findall(html)
        assert len(tokens) >= 3
        response = client.post(
            reverse("registry:search"), {"q": "x", "csrfmiddlewaretoken": tokens[0]}
        )
        assert response.status_code == 200
    assert "Eero" not in pages["Aino"]
    assert "Aino" not in pages["Eero"]
    assert StaffUser.objects.count() == 2
