"""The client's address, and whether it is inside the staff networks.

Behind a reverse proxy ``REMOTE_ADDR`` is the proxy. Only when the direct
peer is one of ``REKISTERI_TRUSTED_PROXIES`` is ``X-Forwarded-For`` read,
from the right: each proxy appends the address it saw, so the rightmost
entries are the ones our own proxies wrote; the first entry, counting from
the right, that is not a trusted proxy is the client. Entries to its left
were written by the client itself and are never believed.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@lru_cache(maxsize=32)
def parse_networks(values: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    """CIDRs (or single addresses) to networks; a bad entry is an error."""
    return tuple(ipaddress.ip_network(v.strip(), strict=False) for v in values if v)


def parse_address(value: str) -> IPAddress | None:
    """An address, with an IPv6 zone or a port of an IPv4 peer tolerated."""
    text = (value or "").strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "192.0.2.1:443"
        text = text.split(":", 1)[0]
    text = text.split("%", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def in_networks(address: IPAddress | None, networks: Iterable[IPNetwork]) -> bool:
    if address is None:
        return False
    return any(address.version == n.version and address in n for n in networks)


def resolve_client(meta: Mapping[str, Any], trusted: tuple[IPNetwork, ...]) -> str:
    """The client address of a request as a string ("" when it is unknown).

    An unparsable hop in a believed ``X-Forwarded-For`` makes the client
    unknown rather than falling back to the proxy's own address, which would
    be inside the staff network.
    """
    peer = parse_address(str(meta.get("REMOTE_ADDR", "")))
    if peer is None:
        return ""
    if not in_networks(peer, trusted):
        return str(peer)
    forwarded = str(meta.get("HTTP_X_FORWARDED_FOR", ""))
    hops = [h for h in (p.strip() for p in forwarded.split(",")) if h]
    for hop in reversed(hops):
        address = parse_address(hop)
        if address is None:
            return ""
        if not in_networks(address, trusted):
            return str(address)
    # Every hop is one of our proxies: the leftmost is the client.
    return str(parse_address(hops[0])) if hops else str(peer)


# One IPv6 subscriber is given a whole /64 (RFC 6177): rotating addresses in
# it is free, so a limit per address would be a limit per nothing.
IPV6_RATE_PREFIX = 64


def rate_key(client: str) -> str:
    """The part of a client address a rate limit counts: an IPv4 address
    itself, an IPv6 address's /64, "" unchanged (an unknown client)."""
    address = parse_address(client)
    if address is None:
        return client
    if address.version == 4:
        return str(address)
    network = ipaddress.ip_network(f"{address}/{IPV6_RATE_PREFIX}", strict=False)
    return str(network)
