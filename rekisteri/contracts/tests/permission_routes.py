"""What the contracts routes do, for the permission kit
(rekisteri/testing/permissions.py; docs/architecture.md, Permission
expectations): each route refused without its permission, and with it the
status and exactly these audit events."""

from __future__ import annotations

from rekisteri.contracts.models import Contract
from rekisteri.contracts.services import (
    contract_activate,
    contract_create,
    contract_party_add,
    product_create,
)
from rekisteri.testing.permissions import TODAY, Base, Expect, World


def world(base: Base) -> World:
    """A draft contract of the world's organization with the person as a
    signatory."""
    contract = contract_create(
        actor=None,
        organization=base.org,
        product=product_create(actor=None, code="KIT", name="Kit product"),
        start_date=base.role.start_date,
        terms="Salainen ehto",
    )
    party = contract_party_add(
        actor=None, contract=contract, person=base.person, kind="signatory"
    )
    return World(
        ids={"contract": str(contract.id), "party": str(party.id)},
        secrets=["Salainen ehto"],
    )


def activate(world: World) -> None:
    """Put the world's draft contract in force (end and terminate need it)."""
    contract_activate(
        actor=None, contract=Contract.objects.get(pk=world.ids["contract"])
    )


SITE = {
    "contracts:contract_list": Expect(),
    "contracts:contract_create": Expect(),
    # One event per person attached, one for the terms shown.
    "contracts:contract_detail": Expect(events=("contract.view", "contract.view")),
    "contracts:contract_edit": Expect(),
    "contracts:contract_activate": Expect("POST", ("contract.activate",), 302, {}),
    "contracts:contract_end": Expect(prepare=lambda w: activate(w)),
    "contracts:contract_terminate": Expect(prepare=lambda w: activate(w)),
    "contracts:contract_delete": Expect(
        "POST", ("contract_party.remove", "contract.delete"), 302, {}
    ),
    "contracts:party_add": Expect(),
    "contracts:party_remove": Expect("POST", ("contract_party.remove",), 302, {}),
}

API = {
    "GET /api/v1/products": Expect(),
    "GET /api/v1/contracts": Expect(),
    "GET /api/v1/contracts/ending": Expect(),
    "POST /api/v1/contracts": Expect(
        "POST",
        ("contract.create",),
        201,
        {"organization_id": "@organization", "product": "KIT", "start_date": TODAY},
    ),
    "GET /api/v1/contracts/{contract_id}": Expect(events=("contract.view",)),
    "PATCH /api/v1/contracts/{contract_id}": Expect(
        "PATCH", ("contract.update",), 200, {"notice_period": 3}
    ),
    "DELETE /api/v1/contracts/{contract_id}": Expect(
        "DELETE", ("contract_party.remove", "contract.delete"), 204, {}
    ),
    "POST /api/v1/contracts/{contract_id}/activate": Expect(
        "POST", ("contract.activate",), 200, {}
    ),
    "POST /api/v1/contracts/{contract_id}/end": Expect(
        "POST", ("contract.end",), 200, {}, prepare=lambda w: activate(w)
    ),
    "POST /api/v1/contracts/{contract_id}/terminate": Expect(
        "POST", ("contract.terminate",), 200, {}, prepare=lambda w: activate(w)
    ),
    "GET /api/v1/contracts/{contract_id}/parties": Expect(events=("contract.view",)),
    "POST /api/v1/contracts/{contract_id}/parties": Expect(
        "POST",
        ("contract_party.add",),
        201,
        {"person_id": "@person", "kind": "contact"},
    ),
    "POST /api/v1/contract-parties/{party_id}/remove": Expect(
        "POST", ("contract_party.remove",), 204, {}
    ),
    "GET /api/v1/organizations/{organization_id}/contracts": Expect(),
}
