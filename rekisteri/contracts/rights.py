"""Contracts as a rights participant (rekisteri.core.participants).

A contract belongs to the customer organization; its free text (terms, a
termination note) may name people and is sealed under the relationship's
key, and a sole trader's contract facts are the trader's personal data. The
engine cannot tell from the contract row alone whose data it is, so this
participant answers for contracts: a person's export lists every contract
they are (or were) a party of and every contract of a sole trader's company
they hold a role at. Erasure removes the person's party rows (the engine
deletes them: ``ContractParty`` is reached through its ``person`` path) and
keeps the contract, which is the organization's, for its relationship.

Registered in :class:`rekisteri.contracts.apps.ContractsConfig.ready`.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from rekisteri.contracts.models import Contract
from rekisteri.core import keyring
from rekisteri.core.catalogue import subject_fields
from rekisteri.core.participants import Participant, PlanItem, Record

CONTRACT = "contracts.Contract"


def _contracts(person: Any):
    return (
        Contract.objects.filter(
            Q(parties__person=person)
            | Q(organization__roles__person=person, organization__sole_trader=True)
        )
        .distinct()
        .select_related("product", "organization")
        .order_by("start_date", "number")
    )


def _fields(contract: Contract) -> tuple[str, ...]:
    """The contract's personal fields that apply (``when`` conditions)."""
    names = []
    for e in subject_fields(Contract):
        c = e.classification
        if c.when is not None and not getattr(contract, c.when):
            continue
        names.append(e.field_name)
    return tuple(names)


def contracts_scope(person: Any) -> dict[str, tuple[str, ...]]:
    names: set[str] = set()
    for contract in _contracts(person).select_related(None).only("id", "sole_trader"):
        names.update(_fields(contract))
    return {CONTRACT: tuple(sorted(names))} if names else {}


def _value(contract: Contract, name: str) -> Any:
    if name == "product":
        return contract.product.name if contract.product_id else None
    value = getattr(contract, name)
    return value


def contracts_export(person: Any) -> list[Record]:
    records = []
    with keyring.ensure_scope():
        for contract in _contracts(person):
            records.append(
                Record(
                    model=CONTRACT,
                    id=str(contract.pk),
                    values={n: _value(contract, n) for n in _fields(contract)},
                    context={
                        "number": contract.number,
                        "organization": str(contract.organization_id),
                        "sole_trader": contract.sole_trader,
                    },
                )
            )
    return records


def contracts_plan(person: Any) -> list[PlanItem]:
    count = _contracts(person).count()
    if not count:
        return []
    return [
        PlanItem(
            model=CONTRACT,
            count=count,
            fate="kept",
            fields=tuple(sorted({n for c in _contracts(person) for n in _fields(c)})),
            ground="customer_relationship_contract",
            retention="relationship",
            note="the customer organization's contract; the person's party "
            "rows are removed",
        )
    ]


PARTICIPANT_ENTRY = Participant(
    name="contracts.contracts",
    covers=(CONTRACT,),
    scope=contracts_scope,
    export=contracts_export,
    plan=contracts_plan,
)
