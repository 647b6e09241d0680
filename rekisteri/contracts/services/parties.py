"""The persons attached to a contract (its parties) and their periods."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rekisteri.access.enforce import (
    PERSON,
    authorize_write,
    write_service,
)
from rekisteri.contracts.choices import ContractStatus, PartyKind
from rekisteri.contracts.models import Contract, ContractParty
from rekisteri.contracts.services.auditing import (
    PARTY_FIELDS,
    audit_party,
    personal_categories,
)
from rekisteri.contracts.services.checks import (
    clean_date,
    locked_contract,
    require_open,
)
from rekisteri.core.errors import Conflict, FieldErrors, NotFound
from rekisteri.registry.models import Organization, Person, Role


def holds_role(person: Person, organization: Organization, day: dt.date) -> bool:
    return (
        Role.objects.current(on=day)
        .filter(person=person, organization=organization)
        .exists()
    )


@write_service(subject=PERSON)
def contract_party_add(
    *,
    actor: Any,
    contract: Contract,
    person: Person,
    kind: str,
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
) -> ContractParty:
    """Attach ``person`` to the contract as ``kind``.

    The period defaults to the contract's start (today for a contract already
    in force) and must lie within the contract's. The person must hold a role
    at the contract's organization on the start day.
    """
    today = timezone.localdate()
    with transaction.atomic():
        contract = locked_contract(contract)
        require_open(contract)
        errors = FieldErrors()
        if kind not in PartyKind.values:
            errors.add("kind", "invalid_choice", _("Choose a role."))
        if start_date is None:
            start_date = (
                max(contract.start_date, today)
                if contract.status == ContractStatus.ACTIVE
                else contract.start_date
            )
        start_date = clean_date(errors, "start_date", start_date, required=True)
        end_date = clean_date(errors, "end_date", end_date, required=False)
        if start_date is not None:
            if start_date < contract.start_date:
                errors.add(
                    "start_date",
                    "before_contract",
                    _("The period starts before the contract does."),
                )
            if contract.ends_on is not None and start_date > contract.ends_on:
                errors.add(
                    "start_date",
                    "after_contract",
                    _("The period starts after the contract ends."),
                )
            if end_date is not None and end_date < start_date:
                errors.add(
                    "end_date",
                    "end_before_start",
                    _("The end date is before the start date."),
                )
        if (
            end_date is not None
            and contract.ends_on is not None
            and end_date > contract.ends_on
        ):
            errors.add(
                "end_date",
                "after_contract",
                _("The period ends after the contract does."),
            )
        if person is None or not isinstance(person, Person):
            errors.add("person", "required", _("Choose a person."))
        elif start_date is not None and not holds_role(
            person, contract.organization, start_date
        ):
            errors.add(
                "person",
                "no_role",
                _(
                    "This person holds no role at the contract's organization on "
                    "the start date. Add the role on the person's page first."
                ),
            )
        if (
            not errors
            and end_date is None
            and ContractParty.objects.filter(
                contract=contract, person=person, kind=kind, end_date__isnull=True
            ).exists()
        ):
            errors.add(
                "kind",
                "party_exists",
                _("This person is already attached to the contract in this role."),
            )
        errors.raise_if_any()
        authorize_write(
            actor=actor,
            person_id=person.pk,
            families=personal_categories(ContractParty, None, PARTY_FIELDS),
            operation="contract_party.add",
        )
        party = ContractParty.objects.create(
            contract=contract,
            person=person,
            kind=kind,
            start_date=start_date,
            end_date=end_date,
        )
        audit_party(
            actor, "contract_party.add", party, ["kind", "start_date", "end_date"]
        )
    return party


@write_service(subject=PERSON)
def contract_party_remove(
    *, actor: Any, party: ContractParty, end_date: dt.date | None = None
) -> ContractParty | None:
    """Detach a person from a contract.

    From a draft, or before their period has begun, the row is deleted
    (nothing happened under it). Otherwise the period ends (today by
    default) and stays on record. A closed contract's parties never change.
    Returns the ended party, or None when the row was deleted.
    """
    today = timezone.localdate()
    with transaction.atomic():
        if party.pk is None or not ContractParty.objects.filter(pk=party.pk).exists():
            raise NotFound()
        contract = locked_contract(party.contract)
        require_open(contract)
        authorize_write(
            actor=actor,
            person_id=party.person_id,
            families=personal_categories(ContractParty, None, PARTY_FIELDS),
            operation="contract_party.remove",
        )
        if contract.is_draft or party.start_date > today:
            pk = party.pk
            party.delete()
            party.pk = pk
            audit_party(
                actor,
                "contract_party.remove",
                party,
                ["kind", "start_date", "end_date"],
            )
            return None
        if party.end_date is not None and party.end_date <= today:
            raise Conflict(
                _("This person's period on the contract has already ended."),
                code="party_ended",
            )
        errors = FieldErrors()
        end_date = clean_date(errors, "end_date", end_date or today, required=True)
        if end_date is not None and end_date < party.start_date:
            errors.add(
                "end_date",
                "end_before_start",
                _("The end date is before the start date."),
            )
        errors.raise_if_any()
        party.end_date = end_date
        party.save(update_fields=["end_date"])
        audit_party(actor, "contract_party.end", party, ["end_date"])
    return party
