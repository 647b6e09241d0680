"""The public portal: no enumeration, rate limits, CSRF, the full path from
submission to the one-time download, staff pages and the daily command."""

from __future__ import annotations

import re
import statistics
import time

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from rekisteri.accounts.choices import StaffRole
from rekisteri.dsr import actions
from rekisteri.dsr.actions import ActionResult
from rekisteri.dsr.choices import IdentityReason, Status
from rekisteri.dsr.models import PortalDraft, RequestCase
from rekisteri.privacy import services as privacy
from rekisteri.testing import client_as, make_person, make_staff

pytestmark = pytest.mark.django_db

KNOWN = "tiina.tunnettu@example.fi"
UNKNOWN = "outi.outo@example.fi"


@pytest.fixture(autouse=True)
def _setup():
    cache.clear()
    privacy.profile_load_seed(actor=None)
    make_person(first_name="Tiina", last_name="Tunnettu", emails=[KNOWN])
    yield
    cache.clear()


def _code(message) -> str:
    return re.search(r"\b\d{8}\b", message.body)[0]


def _normalise(html: str) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return re.sub(r'name="draft" value="[^"]+"', "", html)


def test_known_and_unknown_addresses_get_the_same_answer():
    client = Client()
    # Warm-up: the first request of a process pays for imports and caches.
    client.post("/tietosuoja/pyynto/", {"kinds": ["access"], "email": "a@example.fi"})
    timings, bodies, queries = {}, {}, {}
    for address in (KNOWN, UNKNOWN, UNKNOWN, KNOWN, KNOWN, UNKNOWN):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.post(
                "/tietosuoja/pyynto/", {"kinds": ["access"], "email": address}
            )
            timings.setdefault(address, []).append(time.perf_counter() - start)
        assert response.status_code == 200
        bodies[address] = _normalise(response.content.decode())
        # The same statements, whatever the address (parameters aside).
        queries[address] = [
            re.sub(r"\d+|'[^']*'", "?", q["sql"]).split(" WHERE ")[0][:80]
            for q in captured
        ]
    assert bodies[KNOWN] == bodies[UNKNOWN]
    assert KNOWN not in bodies[KNOWN]
    assert queries[KNOWN] == queries[UNKNOWN]
    assert not any("registry_" in q for q in queries[KNOWN])
    # Both got a code; neither consulted the register.
    sent = [m.to[0] for m in mail.outbox[1:]]
    assert sorted(sent) == sorted([KNOWN, UNKNOWN] * 3)
    assert not RequestCase.objects.exists()
    # Timing: the same work either way (a generous bound for a loaded machine).
    known, unknown = (
        statistics.median(timings[KNOWN]),
        statistics.median(timings[UNKNOWN]),
    )
    assert abs(known - unknown) < max(known, unknown) * 0.75 + 0.1


@override_settings(REKISTERI_DSR_PER_ADDRESS=2, REKISTERI_DSR_PER_CLIENT=3)
def test_rate_limits_per_address_and_per_client():
    client = Client()
    for _ in range(2):
        assert (
            client.post(
                "/privacy/request/", {"kinds": ["access"], "email": UNKNOWN}
            ).status_code
            == 200
        )
    response = client.post("/privacy/request/", {"kinds": ["access"], "email": UNKNOWN})
    assert response.status_code == 429
    assert b"Too many requests" in response.content
    assert (
        client.post(
            "/privacy/request/", {"kinds": ["access"], "email": "b@example.fi"}
        ).status_code
        == 429
    )
    assert PortalDraft.objects.count() == 2
    assert len(mail.outbox) == 2


@override_settings(
    REKISTERI_DSR_PER_ADDRESS=2,
    REKISTERI_DSR_PER_ADDRESS_TOTAL=6,
    REKISTERI_DSR_PER_CLIENT=100,
)
def test_one_network_cannot_use_up_an_address_for_its_owner():
    def post(remote: str) -> int:
        return (
            Client(REMOTE_ADDR=remote)
            .post("/privacy/request/", {"kinds": ["access"], "email": KNOWN})
            .status_code
        )

    # Someone who knows the address, from one IPv4 address and from
    # addresses rotated within one IPv6 /64: two each, and refusals past
    # that count for nothing.
    assert [post("203.0.113.9") for _ in range(6)] == [200] * 2 + [429] * 4
    assert [post(f"2001:db8:1:2::{i}") for i in range(1, 6)] == [200] * 2 + [429] * 3
    # The owner, elsewhere, still gets their codes.
    assert [post("198.51.100.7") for _ in range(3)] == [200, 200, 429]
    # The address's total (the mail one mailbox gets) holds for everyone.
    assert post("192.0.2.50") == 429
    assert post("2001:db8:9::1") == 429
    assert len(mail.outbox) == 6
    assert PortalDraft.objects.count() == 6
    response = Client(REMOTE_ADDR="192.0.2.51").post(
        "/tietosuoja/pyynto/", {"kinds": ["access"], "email": KNOWN}
    )
    assert response.status_code == 429
    assert (
        "tietosuojaselosteessa mainittujen yhteystietojen" in response.content.decode()
    )


def test_bad_input_and_csrf():
    client = Client()
    response = client.post("/dataskydd/begaran/", {"email": "no"})
    assert response.status_code == 400
    assert "Välj minst en begäran." in response.content.decode()
    assert "Ange en giltig e-postadress." in response.content.decode()
    strict = Client(enforce_csrf_checks=True)
    assert (
        strict.post(
            "/tietosuoja/pyynto/", {"kinds": ["access"], "email": KNOWN}
        ).status_code
        == 403
    )
    assert not PortalDraft.objects.exists()


def test_portal_pages_work_without_javascript_at_every_language():
    client = Client()
    for url in ("/tietosuoja/pyynto/", "/dataskydd/begaran/", "/privacy/request/"):
        body = client.get(url).content.decode()
        assert '<form method="post"' in body
        assert 'name="viewport"' in body


def _submit_and_confirm(client, address):
    client.post(
        "/tietosuoja/pyynto/",
        {"kinds": ["access"], "email": address, "details": "Kaikki"},
    )
    draft = str(PortalDraft.objects.get().pk)
    wrong = client.post(
        "/tietosuoja/pyynto/vahvista/", {"draft": draft, "code": "00000000"}
    )
    assert wrong.status_code == 400
    response = client.post(
        "/tietosuoja/pyynto/vahvista/", {"draft": draft, "code": _code(mail.outbox[0])}
    )
    assert response.status_code == 200
    return response


def test_unknown_address_waits_for_identity_with_the_reason():
    response = _submit_and_confirm(Client(), UNKNOWN)
    case = RequestCase.objects.get()
    assert case.reference in response.content.decode()
    assert case.status == Status.AWAITING_IDENTITY
    assert case.identity_reason == IdentityReason.ADDRESS_NOT_ON_FILE
    assert not PortalDraft.objects.exists()
    # A reused code finds nothing.
    again = Client().post(
        "/tietosuoja/pyynto/vahvista/", {"draft": "x", "code": _code(mail.outbox[0])}
    )
    assert again.status_code == 400


def test_submit_confirm_complete_download_once():
    def export(*, case, actor):
        return ActionResult("exp-1", b"PERSON DATA", "export.json", "application/json")

    with actions.registered("access", export):
        anonymous = Client()
        _submit_and_confirm(anonymous, KNOWN)
        case = RequestCase.objects.get()
        assert case.status == Status.IN_PROGRESS  # code went to an address on file
        officer = make_staff(StaffRole.PRIVACY_OFFICER)
        staff = client_as(officer)
        listing = staff.get("/privacy-office/requests/?view=due_soon").content.decode()
        page = staff.get(f"/privacy-office/requests/{case.pk}/").content.decode()
        assert case.reference in page and KNOWN in page
        assert (
            staff.post(
                f"/privacy-office/requests/{case.pk}/act/", {"op": "complete"}
            ).status_code
            == 302
        )
        assert RequestCase.objects.get().status == Status.IN_PROGRESS  # not done yet
        staff.post(
            f"/privacy-office/requests/{case.pk}/act/",
            {"op": "run_action", "kind": "access"},
        )
        staff.post(f"/privacy-office/requests/{case.pk}/act/", {"op": "complete"})
        assert RequestCase.objects.get().status == Status.COMPLETED
        link = re.search(
            r"http://testserver(/tietosuoja/pyynto/lataa/[^/]+/)", mail.outbox[-2].body
        )[1]
        code = _code(mail.outbox[-1])
        assert anonymous.get(link).status_code == 200
        got = anonymous.post(link, {"code": code})
        assert got.status_code == 200
        assert got.content == b"PERSON DATA"
        assert got["Content-Disposition"] == 'attachment; filename="export.json"'
        second = anonymous.post(link, {"code": code})
        assert second.status_code == 403
        assert listing  # the list page rendered


def test_overdue_command(capsys):
    from rekisteri.dsr import services

    officer = make_staff(StaffRole.PRIVACY_OFFICER)
    import datetime as dt

    from django.utils import timezone

    old = services.case_create(
        actor=officer,
        kinds=["erasure"],
        channel="letter",
        requester_address="Katu 1",
        received_at=timezone.now() - dt.timedelta(days=60),
    ).case
    fresh = services.case_create(
        actor=officer, kinds=["access"], channel="letter", requester_address="Tie 2"
    ).case
    with pytest.raises(SystemExit):
        call_command("requests", "overdue")
    out = capsys.readouterr().out
    assert old.reference in out and "OVERDUE" in out
    assert fresh.reference not in out
    with pytest.raises(SystemExit):
        call_command("requests", "overdue", "--days", "40")
    assert fresh.reference in capsys.readouterr().out
