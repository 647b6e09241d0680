"""A contract's lifecycle: create, update, activate, end, terminate, delete,
and the daily end of contracts past their end date (docs/contracts.md)."""

from __future__ import annotations

import datetime as dt
from contextlib import closing
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rekisteri.access.enforce import (
    ORGANIZATION,
    write_service,
)
from rekisteri.audit.services import audit_record
from rekisteri.contracts.choices import ContractStatus, NoticeUnit
from rekisteri.contracts.dates import notice_end
from rekisteri.contracts.models import Contract, Product
from rekisteri.contracts.relationship import relationship_refresh
from rekisteri.contracts.services.auditing import (
    PURPOSE,
    audit_contract,
    authorize_contract,
)
from rekisteri.contracts.services.checks import (
    NOTE_MAX,
    clean_date,
    clean_plain_text,
    clean_terms,
    locked_contract,
    require_open,
)
from rekisteri.core.errors import Conflict, FieldErrors, ValidationFailed
from rekisteri.core.sequences import sequence_next
from rekisteri.registry.models import Organization


def _next_number() -> str:
    with transaction.atomic():
        n = sequence_next("contract_number", start=1)
    return f"SOP-{n:06d}"


def _close_parties(contract: Contract, last_day: dt.date) -> None:
    """Open party periods end with the contract."""
    for party in contract.parties.filter(end_date__isnull=True):
        party.end_date = max(party.start_date, last_day)
        party.save(update_fields=["end_date"])


@write_service(subject=ORGANIZATION)
def contract_create(
    *,
    actor: Any,
    organization: Organization,
    product: Product | str | None,
    start_date: dt.date | None,
    end_date: dt.date | None = None,
    notice_period: int = 0,
    notice_unit: str = NoticeUnit.MONTHS,
    terms: str = "",
) -> Contract:
    """A new draft contract of ``organization``; it gets the next number."""
    if organization is None or not isinstance(organization, Organization):
        raise ValidationFailed.single(
            "organization", "required", _("Choose the customer organization.")
        )
    data = clean_terms(
        dict(
            product=product,
            start_date=start_date,
            end_date=end_date,
            notice_period=notice_period,
            notice_unit=notice_unit,
            terms=terms,
        ),
        current=None,
    )
    fields = ["organization", "status", *data]
    probe = Contract(sole_trader=organization.sole_trader)
    authorize_contract(actor, probe, fields, "contract.create")
    number = _next_number()
    with transaction.atomic():
        contract = Contract(
            number=number,
            organization=organization,
            sole_trader=organization.sole_trader,
            status=ContractStatus.DRAFT,
            ends_on=data["end_date"],
            created_by=actor if getattr(actor, "pk", None) else None,
            **data,
        )
        contract.save(force_insert=True)
        audit_contract(actor, "contract.create", contract, fields)
    return contract


DRAFT_EDITABLE = {
    "product",
    "start_date",
    "end_date",
    "notice_period",
    "notice_unit",
    "terms",
}


# An active contract's amendments: not what was sold nor when it began.
ACTIVE_EDITABLE = {"end_date", "notice_period", "notice_unit", "terms"}


@write_service(subject=ORGANIZATION)
def contract_update(*, actor: Any, contract: Contract, **changes: Any) -> Contract:
    """Change the terms of a draft, or amend an active contract.

    A draft may change everything but its customer. An active contract may
    change its end date (not to the past: ending it now is ``contract_end``),
    notice period and terms. A closed contract changes nothing.
    """
    unknown = set(changes) - DRAFT_EDITABLE
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    with transaction.atomic():
        contract = locked_contract(contract)
        require_open(contract)
        if contract.status == ContractStatus.ACTIVE:
            frozen = sorted(
                name
                for name in set(changes) - ACTIVE_EDITABLE
                if _differs(contract, name, changes[name])
            )
            if frozen:
                raise ValidationFailed(
                    {
                        name: [
                            (
                                "frozen",
                                _("This cannot change once the contract is active."),
                            )
                        ]
                        for name in frozen
                    }
                )
        current = {name: getattr(contract, name) for name in DRAFT_EDITABLE}
        current["terms"] = current["terms"] or ""
        data = clean_terms({**current, **changes}, current=contract.product)
        if (
            contract.status == ContractStatus.ACTIVE
            and "end_date" in changes
            and data["end_date"] is not None
            and data["end_date"] != contract.end_date
            and data["end_date"] < timezone.localdate()
        ):
            raise ValidationFailed.single(
                "end_date",
                "end_in_past",
                _(
                    "An active contract's end date cannot be in the past; "
                    "end it instead."
                ),
            )
        changed = [n for n in data if _differs(contract, n, data[n])]
        if not changed:
            return contract
        authorize_contract(actor, contract, changed, "contract.update")
        for name in changed:
            setattr(contract, name, data[name])
        contract.ends_on = contract.end_date
        contract.sole_trader = contract.organization.sole_trader
        contract.save()
        audit_contract(actor, "contract.update", contract, changed)
        if contract.status == ContractStatus.ACTIVE and "end_date" in changed:
            relationship_refresh(contract.organization)
    return contract


def _differs(contract: Contract, name: str, value: Any) -> bool:
    current = getattr(contract, name)
    if name == "terms":
        return (current or "") != (value or "")
    if name == "product":
        if isinstance(value, Product):
            return current.pk != value.pk
        return current.code != str(value or "").strip().upper()
    return current != value


@write_service(subject=ORGANIZATION)
def contract_activate(*, actor: Any, contract: Contract) -> Contract:
    """Put a draft in force (signed). Its dates must still make sense."""
    with transaction.atomic():
        contract = locked_contract(contract)
        if contract.status != ContractStatus.DRAFT:
            raise Conflict(
                _("Only a draft can be activated."), code="transition_invalid"
            )
        errors = FieldErrors()
        if not contract.product.is_active:
            errors.add(
                "product",
                "product_retired",
                _("This product or service is no longer available for new contracts."),
            )
        if contract.end_date is not None and contract.end_date < timezone.localdate():
            errors.add(
                "end_date",
                "end_in_past",
                _("The end date has passed; correct the dates before activating."),
            )
        errors.raise_if_any()
        authorize_contract(actor, contract, ["status"], "contract.activate")
        contract.status = ContractStatus.ACTIVE
        contract.activated_at = timezone.now()
        contract.sole_trader = contract.organization.sole_trader
        contract.save()
        audit_contract(actor, "contract.activate", contract, ["status"])
        relationship_refresh(contract.organization)
    return contract


@write_service(subject=ORGANIZATION)
def contract_end(
    *, actor: Any, contract: Contract, end_date: dt.date | None = None
) -> Contract:
    """End an active contract on ``end_date`` (its own end date, else today).

    The end date cannot be in the future (the daily job ends a contract the
    day after its end date) nor before the start. Open party periods end with
    it, and the organization's relationship end is recomputed.
    """
    today = timezone.localdate()
    with transaction.atomic():
        contract = locked_contract(contract)
        if contract.status != ContractStatus.ACTIVE:
            raise Conflict(
                _("Only an active contract can be ended."), code="transition_invalid"
            )
        if end_date is None:
            end_date = (
                contract.end_date
                if contract.end_date is not None and contract.end_date <= today
                else today
            )
        errors = FieldErrors()
        end_date = clean_date(errors, "end_date", end_date, required=True)
        if end_date is not None:
            if end_date > today:
                errors.add(
                    "end_date",
                    "end_in_future",
                    _("A contract cannot be ended in advance; set its end date."),
                )
            if end_date < contract.start_date:
                errors.add(
                    "end_date",
                    "end_before_start",
                    _("The end date is before the start date."),
                )
        errors.raise_if_any()
        changed = ["status"] + (["end_date"] if end_date != contract.end_date else [])
        authorize_contract(actor, contract, changed, "contract.end", parties=True)
        contract.end_date = contract.ends_on = end_date
        contract.status = ContractStatus.ENDED
        contract.closed_at = timezone.now()
        contract.save()
        _close_parties(contract, end_date)
        audit_contract(actor, "contract.end", contract, changed)
        relationship_refresh(contract.organization)
    return contract


@write_service(subject=ORGANIZATION)
def contract_terminate(
    *,
    actor: Any,
    contract: Contract,
    notice_given_on: dt.date | None = None,
    termination_date: dt.date | None = None,
    override_notice: bool = False,
    note: str = "",
) -> Contract:
    """Terminate an active contract by notice.

    The contract stays in force until ``termination_date``, which defaults to
    the earliest the notice period allows. An earlier date is refused unless
    ``override_notice`` is set with a ``note`` saying why (an agreement, a
    breach). Notice cannot be dated in the future.
    """
    today = timezone.localdate()
    with transaction.atomic():
        contract = locked_contract(contract)
        if contract.status != ContractStatus.ACTIVE:
            raise Conflict(
                _("Only an active contract can be terminated."),
                code="transition_invalid",
            )
        errors = FieldErrors()
        notice_given_on = clean_date(
            errors, "notice_given_on", notice_given_on or today, required=True
        )
        termination_date = clean_date(
            errors, "termination_date", termination_date, required=False
        )
        note = clean_plain_text(errors, "note", note, NOTE_MAX)
        if notice_given_on is not None and notice_given_on > today:
            errors.add(
                "notice_given_on",
                "notice_in_future",
                _("Notice cannot be dated in the future."),
            )
        earliest = None
        if notice_given_on is not None:
            earliest = max(
                notice_end(
                    notice_given_on, contract.notice_period, contract.notice_unit
                ),
                contract.start_date,
            )
        if termination_date is None and "termination_date" not in errors.fields:
            termination_date = earliest
        if termination_date is not None and earliest is not None:
            if termination_date < contract.start_date:
                errors.add(
                    "termination_date",
                    "end_before_start",
                    _("The termination date is before the start date."),
                )
            elif termination_date < earliest and not override_notice:
                errors.add(
                    "termination_date",
                    "notice_period",
                    _(
                        "The notice period (%(n)d %(unit)s) allows termination "
                        "on %(date)s at the earliest. Override the notice period "
                        "and say why to terminate earlier."
                    )
                    % {
                        "n": contract.notice_period,
                        "unit": NoticeUnit(contract.notice_unit).label,
                        "date": earliest.strftime("%d.%m.%Y"),
                    },
                )
            if contract.end_date is not None and termination_date > contract.end_date:
                errors.add(
                    "termination_date",
                    "after_end",
                    _(
                        "The contract ends on its end date before this date; "
                        "no termination is needed."
                    ),
                )
        overriding = bool(
            override_notice
            and termination_date is not None
            and earliest is not None
            and termination_date < earliest
        )
        if overriding and not note:
            errors.add(
                "note",
                "override_reason",
                _("Say why the notice period is overridden."),
            )
        errors.raise_if_any()
        fields = ["status", "notice_given_on", "termination_date", "notice_overridden"]
        if note:
            fields.append("termination_note")
        authorize_contract(actor, contract, fields, "contract.terminate", parties=True)
        contract.status = ContractStatus.TERMINATED
        contract.notice_given_on = notice_given_on
        contract.termination_date = contract.ends_on = termination_date
        contract.notice_overridden = overriding
        contract.termination_note = note or None
        contract.closed_at = timezone.now()
        contract.save()
        _close_parties(contract, termination_date)
        audit_contract(
            actor,
            "contract.terminate",
            contract,
            fields,
            notice_overridden=overriding,
        )
        relationship_refresh(contract.organization)
    return contract


@write_service(subject=ORGANIZATION)
def contract_delete(*, actor: Any, contract: Contract) -> None:
    """Delete a draft entered by mistake. A contract once in force never is."""
    with transaction.atomic():
        contract = locked_contract(contract)
        if contract.status != ContractStatus.DRAFT:
            raise Conflict(
                _("Only a draft can be deleted; end or terminate this contract."),
                code="not_draft",
            )
        pk, parties = contract.pk, list(contract.parties.values_list("pk", "person_id"))
        authorize_contract(
            actor, contract, ["status", "terms"], "contract.delete", parties=True
        )
        contract.delete()
        for party_pk, person_id in parties:
            audit_record(
                actor=actor,
                action="contract_party.remove",
                target_type="contract_party",
                target_id=party_pk,
                subject_id=person_id,
                fields=["kind", "start_date", "end_date"],
                categories=["user.workplace"],
                purpose=PURPOSE,
                details={"contract": str(pk)},
            )
        contract.pk = pk
        audit_contract(actor, "contract.delete", contract, [])


@write_service(subject=ORGANIZATION)
def contracts_end_due(*, actor: Any = None, today: dt.date | None = None) -> int:
    """End every active contract whose end date has passed; the daily job.

    Idempotent: a second run finds nothing. Each contract ends in its own
    transaction, so one refusal (never expected) does not stop the rest.
    """
    today = today or timezone.localdate()
    due = Contract.objects.filter(
        status=ContractStatus.ACTIVE, end_date__lt=today
    ).order_by("end_date", "id")
    ended = 0
    # Closed on the way out, even when a contract's end raises: a server-side
    # cursor left to the garbage collector is closed at a random moment, which
    # on psycopg can fall inside another statement on the same connection and
    # wait on it for ever.
    with closing(due.iterator(chunk_size=500)) as rows:
        for contract in rows:
            contract_end(actor=actor, contract=contract, end_date=contract.end_date)
            ended += 1
    return ended
