"""The client address behind proxies, and the closed staff network."""

from __future__ import annotations

import ipaddress

import pytest
from django.core.cache import cache
from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st

from rekisteri.accounts import network
from rekisteri.accounts.network import parse_networks, resolve_client
from rekisteri.audit.models import AuditEvent
from rekisteri.testing import make_staff

PROXIES = parse_networks(("10.0.0.0/8",))


def test_direct_peer_is_the_client_and_its_header_is_ignored():
    meta = {"REMOTE_ADDR": "198.51.100.7", "HTTP_X_FORWARDED_FOR": "10.1.1.1"}
    assert resolve_client(meta, PROXIES) == "198.51.100.7"


def test_forwarded_for_is_read_from_the_right_behind_a_trusted_proxy():
    meta = {
        "REMOTE_ADDR": "10.0.0.2",
        # The client forged the first entry; our two proxies wrote the rest.
        "HTTP_X_FORWARDED_FOR": "192.168.1.1, 203.0.113.9, 10.0.0.5",
    }
    assert resolve_client(meta, PROXIES) == "203.0.113.9"


def test_unparsable_hop_makes_the_client_unknown():
    meta = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "bogus, 10.0.0.5"}
    assert resolve_client(meta, PROXIES) == ""


def test_ipv6_and_mapped_addresses():
    assert resolve_client({"REMOTE_ADDR": "::ffff:192.0.2.1"}, ()) == "192.0.2.1"
    meta = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "[2001:db8::1]:443"}
    assert resolve_client(meta, PROXIES) == "2001:db8::1"


@given(
    client=st.ip_addresses(v=4).filter(
        lambda a: a not in ipaddress.ip_network("10.0.0.0/8")
    ),
    forged=st.lists(st.ip_addresses(), max_size=3),
    proxies=st.integers(min_value=0, max_value=3),
)
def test_forged_entries_left_of_the_client_never_win(client, forged, proxies):
    hops = [str(a) for a in forged] + [str(client)] + ["10.0.0.9"] * proxies
    meta = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": ", ".join(hops)}
    assert resolve_client(meta, PROXIES) == str(client)


@pytest.mark.django_db
@override_settings(REKISTERI_STAFF_NETWORKS=["192.0.2.0/24"])
def test_staff_pages_and_api_are_closed_outside_the_networks(client):
    cache.clear()
    outside = client.__class__(REMOTE_ADDR="198.51.100.1")
    response = outside.get("/accounts/login/")
    assert response.status_code == 403
    assert "Ei käytettävissä tästä verkosta" in response.content.decode()
    api = outside.get("/api/v1/me")
    assert api.status_code == 403 and api.json()["error"]["code"] == "network_denied"
    # Audited once a minute per address, however many requests.
    [event] = AuditEvent.objects.filter(action="access.network_denied")
    assert event.client == "198.51.100.1" and event.outcome == "denied"
    other = client.__class__(REMOTE_ADDR="198.51.100.2")
    assert other.get("/").status_code == 403
    assert AuditEvent.objects.filter(action="access.network_denied").count() == 2


@pytest.mark.django_db
@override_settings(REKISTERI_STAFF_NETWORKS=["192.0.2.0/24"])
def test_public_pages_stay_reachable_from_anywhere(client):
    outside = client.__class__(REMOTE_ADDR="198.51.100.1")
    for path in (
        "/tietosuoja/",
        "/privacy/x/",
        "/dataskydd/",
        "/static/css/rekisteri.css",
    ):
        assert outside.get(path).status_code != 403, path
    assert outside.post("/i18n/setlang/", {"language": "en"}).status_code == 302


@pytest.mark.django_db
@override_settings(
    REKISTERI_STAFF_NETWORKS=["192.0.2.0/24"], REKISTERI_TRUSTED_PROXIES=["10.0.0.0/8"]
)
def test_behind_the_proxy_the_forwarded_client_decides(client):
    make_staff()
    inside = client.__class__(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.10")
    assert inside.get("/accounts/login/").status_code == 200
    outside = client.__class__(
        REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.10, 198.51.100.1"
    )
    assert outside.get("/accounts/login/").status_code == 403


@pytest.mark.django_db
def test_no_networks_means_no_restriction(client):
    assert client.get("/accounts/login/").status_code == 200


@pytest.mark.parametrize(
    "client,key",
    [
        ("192.0.2.7", "192.0.2.7"),
        ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"),
        ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:3::1", "2001:db8:1:3::/64"),
        ("::ffff:192.0.2.7", "192.0.2.7"),
        ("", ""),
    ],
)
def test_a_rate_limit_counts_an_ipv6_subscribers_prefix(client, key):
    assert network.rate_key(client) == key
