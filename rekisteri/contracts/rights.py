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

from django.db.models import IntegerField, Q, Value

from rekisteri.contracts.models import Contract, ContractParty
from rekisteri.core import compiled, idlist, keyring, participants
from rekisteri.core.catalogue import subject_fields
from rekisteri.core.participants import Participant, PlanItem, Record
from rekisteri.registry.models import Role

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


# Many persons at once (a batch erasure): their party rows and sole
# traders' roles with one query each, then the contracts once.


def _contracts_many(persons: list[Any]) -> dict[Any, list[Contract]]:
    """Person id → their contracts. The scope asks it and the plan asks it
    again: inside a batch (``participants.batch_scope``) it is read once."""
    ids = [p.pk for p in persons]
    key = ("contracts.contracts", participants.ids_key(ids))
    return participants.memo(key, lambda: _read_contracts_many(ids))


def _parties_and_roles(ids: list[Any]) -> Any:
    """The party rows and the roles at sole traders of the persons ``ids``
    in one query: 0 tags (contract, person), 1 (sole trader's organization,
    person)."""
    parties = (
        ContractParty.objects.filter(idlist.among("person_id", ids))
        .order_by()
        .values_list(Value(0, output_field=IntegerField()), "contract_id", "person_id")
    )
    roles = (
        Role.objects.filter(
            idlist.among("person_id", ids), organization__sole_trader=True
        )
        .order_by()
        .values_list(
            Value(1, output_field=IntegerField()), "organization_id", "person_id"
        )
    )
    return parties.union(roles, all=True)


def _read_contracts_many(ids: list[Any]) -> dict[Any, list[Contract]]:
    mine: dict[Any, set[Any]] = {pid: set() for pid in ids}
    by_org: dict[Any, set[Any]] = {}
    for chunk in idlist.chunks(ids):
        # Compiled once per process (core/compiled.py): every erasure's
        # plan and export asks it.
        for tag, ref, pid in compiled.among_rows(
            "contracts.rights.parties", _parties_and_roles, chunk, model=ContractParty
        ):
            if tag == 0:
                mine[pid].add(ref)
            else:
                by_org.setdefault(ref, set()).add(pid)
    wanted = {c for found in mine.values() for c in found}
    contracts: dict[Any, Contract] = {}
    orgs = list(by_org)
    for keys, lookup in ((sorted(wanted, key=str), "pk"), (orgs, "organization_id")):
        for chunk in idlist.chunks(keys):
            for c in Contract.objects.filter(idlist.among(lookup, chunk)):
                contracts[c.pk] = c
    for c in contracts.values():
        if c.organization_id in by_org:
            for pid in by_org[c.organization_id]:
                mine[pid].add(c.pk)
    return {pid: [contracts[c] for c in found] for pid, found in mine.items()}


def contracts_scope_many(persons: list[Any]) -> dict[Any, dict[str, tuple[str, ...]]]:
    out = {}
    for pid, found in _contracts_many(persons).items():
        names = {n for c in found for n in _fields(c)}
        out[pid] = {CONTRACT: tuple(sorted(names))} if names else {}
    return out


def contracts_plan_many(persons: list[Any]) -> dict[Any, list[PlanItem]]:
    out: dict[Any, list[PlanItem]] = {}
    for pid, found in _contracts_many(persons).items():
        out[pid] = (
            [
                PlanItem(
                    model=CONTRACT,
                    count=len(found),
                    fate="kept",
                    fields=tuple(sorted({n for c in found for n in _fields(c)})),
                    ground="customer_relationship_contract",
                    retention="relationship",
                    note="the customer organization's contract; the person's "
                    "party rows are removed",
                )
            ]
            if found
            else []
        )
    return out


PARTICIPANT_ENTRY = Participant(
    name="contracts.contracts",
    covers=(CONTRACT,),
    scope=contracts_scope,
    export=contracts_export,
    plan=contracts_plan,
    scope_many=contracts_scope_many,
    plan_many=contracts_plan_many,
)
