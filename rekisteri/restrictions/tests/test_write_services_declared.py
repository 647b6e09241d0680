"""Every write service is declared, and every declared one has a call.

The walk (``test_write_services_walks.py``) proves only what it finds and
calls: these tests fail on a function with a keyword-only ``actor`` that is
neither declared with ``rekisteri.access.enforce.write_service`` nor marked
``not_a_write_service``, and on a declared service without a call in
``write_calls.CALLS``."""

from __future__ import annotations

from rekisteri.access import enforce
from rekisteri.restrictions.tests.write_calls import CALLS, discovered_services


def test_discovery_finds_the_known_services():
    found = discovered_services()
    # The walk must see the apps' modules, or the checks below prove nothing.
    for name in (
        "rekisteri.registry.services.persons.person_update",
        "rekisteri.contracts.services.parties.contract_party_add",
        "rekisteri.billing.services.invoice_create",
        "rekisteri.billing.run.invoice_run",
        "rekisteri.messaging.services.message_create",
        "rekisteri.restrictions.services.restriction_place",
    ):
        assert name in found


def test_every_write_service_is_declared():
    undeclared = sorted(
        name
        for name, func in discovered_services().items()
        if getattr(func, "write_service", None) is None
        and not getattr(func, "not_a_write_service", "")
    )
    assert not undeclared, (
        "Write services not declared with rekisteri.access.enforce.write_service "
        "(and so not proven to authorize before writing):\n  " + "\n  ".join(undeclared)
    )


def test_every_declared_service_has_a_call():
    declared = {s.name for s in enforce.write_services()}
    # Importing the discovered modules declares everything there is.
    declared |= {
        n for n, f in discovered_services().items() if hasattr(f, "write_service")
    }
    missing = sorted(declared - set(CALLS))
    stale = sorted(set(CALLS) - declared)
    assert not missing, "Declared write services without a call:\n  " + "\n  ".join(
        missing
    )
    assert not stale, "Calls for services that are gone:\n  " + "\n  ".join(stale)
    for name, call in CALLS.items():
        service = discovered_services()[name].write_service
        assert (call is None) == (service.subject == enforce.NONE), name
