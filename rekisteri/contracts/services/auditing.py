"""What every contract write reports: the personal-data categories among the
fields it touches, the enforcement call for them, and its audit event."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rekisteri.access.enforce import (
    authorize_write,
)
from rekisteri.audit.services import audit_record
from rekisteri.contracts.models import Contract, ContractParty
from rekisteri.core.catalogue import Purpose

PARTY_FIELDS = ("kind", "start_date", "end_date")


PURPOSE = Purpose.CUSTOMER_RELATIONSHIP


def personal_categories(model: type, instance: Any, fields: Iterable[str]) -> list[str]:
    """Data categories of the personal fields among ``fields`` for this row.

    A field personal only ``when`` a flag is set (a sole trader's contract)
    counts only when the row's flag is set.
    """
    out = set()
    for name in fields:
        c = getattr(model._meta.get_field(name), "catalogue", None)
        if c is None or not c.personal:
            continue
        if c.when is not None and not getattr(instance, c.when, False):
            continue
        out.add(c.category)
    return sorted(out)


def audit_contract(
    actor: Any, action: str, contract: Contract, fields: Iterable[str], **extra: Any
) -> None:
    fields = list(fields)
    audit_record(
        actor=actor,
        action=action,
        target_type="contract",
        target_id=contract.pk,
        fields=fields,
        categories=personal_categories(Contract, contract, fields),
        purpose=PURPOSE,
        details={"status": contract.status, **extra},
    )


def audit_party(actor: Any, action: str, party: ContractParty, fields: list[str]):
    audit_record(
        actor=actor,
        action=action,
        target_type="contract_party",
        target_id=party.pk,
        subject_id=party.person_id,
        fields=fields,
        categories=personal_categories(ContractParty, party, fields),
        purpose=PURPOSE,
        details={"contract": str(party.contract_id)},
    )


def authorize_contract(
    actor: Any,
    contract: Contract,
    fields: Iterable[str],
    operation: str,
    *,
    parties: bool = False,
) -> None:
    """The enforcement point for a contract's own fields; ``parties`` when
    the write ends or deletes the persons' party periods too."""
    families = personal_categories(Contract, contract, fields)
    if parties:
        families += personal_categories(ContractParty, None, PARTY_FIELDS)
    authorize_write(actor=actor, families=families, operation=operation)
