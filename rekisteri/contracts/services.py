"""Writes to contracts: the lifecycle, the attached persons and the catalogue.

Every function is keyword-only, takes the acting staff user (None for the
daily job and the demo seeder), validates everything before writing, writes
in one transaction and records one audit event naming the fields it touched
(never their values). A refused request changes nothing.

Lifecycle (docs/contracts.md)::

    draft ──activate──▶ active ──end (on/after the end date)──▶ ended
      │                   └──terminate (notice)──────────────▶ terminated
      └──delete

Ended and terminated contracts are closed: their terms, dates and parties
never change again.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rekisteri.access.enforce import (
    NONE,
    ORGANIZATION,
    PERSON,
    authorize_write,
    write_service,
)
from rekisteri.audit.services import audit_record
from rekisteri.contracts.choices import ContractStatus, NoticeUnit, PartyKind
from rekisteri.contracts.dates import MAX_NOTICE, notice_end
from rekisteri.contracts.models import Contract, ContractParty, Product
from rekisteri.contracts.relationship import relationship_refresh
from rekisteri.core import validation
from rekisteri.core.catalogue import Purpose
from rekisteri.core.errors import Conflict, FieldErrors, NotFound, ValidationFailed
from rekisteri.core.formats import FormatError
from rekisteri.registry.models import Organization, Person, Role
from rekisteri.registry.services import sequence_next

PARTY_FIELDS = ("kind", "start_date", "end_date")
TERMS_MAX = 20_000
NOTE_MAX = 2_000
PURPOSE = Purpose.CUSTOMER_RELATIONSHIP
PRODUCT_CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,29}$")


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def _categories(model: type, instance: Any, fields: Iterable[str]) -> list[str]:
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


def _audit_contract(
    actor: Any, action: str, contract: Contract, fields: Iterable[str], **extra: Any
) -> None:
    fields = list(fields)
    audit_record(
        actor=actor,
        action=action,
        target_type="contract",
        target_id=contract.pk,
        fields=fields,
        categories=_categories(Contract, contract, fields),
        purpose=PURPOSE,
        details={"status": contract.status, **extra},
    )


def _audit_party(actor: Any, action: str, party: ContractParty, fields: list[str]):
    audit_record(
        actor=actor,
        action=action,
        target_type="contract_party",
        target_id=party.pk,
        subject_id=party.person_id,
        fields=fields,
        categories=_categories(ContractParty, party, fields),
        purpose=PURPOSE,
        details={"contract": str(party.contract_id)},
    )


def _date(errors: FieldErrors, name: str, value: Any, *, required: bool) -> Any:
    if value is None or value == "":
        if required:
            errors.add(name, "required", _("This field is required."))
        return None
    try:
        return validation.check_date(value)
    except FormatError as exc:
        errors.add(name, exc.code, exc.message)
        return None


def _text(errors: FieldErrors, name: str, value: Any, max_length: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.add(name, "type_string", _("Enter a text value."))
        return ""
    value = value.strip()
    if "\x00" in value:
        errors.add(name, "invalid", _("The text contains characters not allowed."))
    if len(value) > max_length:
        errors.add(
            name,
            "too_long",
            _("At most %(n)d characters.") % {"n": max_length},
        )
    return value


def _product(errors: FieldErrors, value: Any, *, current: Product | None) -> Any:
    """A Product from an instance or its code. Retired ones only if kept."""
    if value is None or value == "":
        errors.add("product", "required", _("Choose a product or service."))
        return None
    product = value
    if not isinstance(value, Product):
        product = Product.objects.filter(code=str(value).strip().upper()).first()
    if product is None or product.pk is None:
        errors.add("product", "product_unknown", _("No such product or service."))
        return None
    if not product.is_active and (current is None or current.pk != product.pk):
        errors.add(
            "product",
            "product_retired",
            _("This product or service is no longer available for new contracts."),
        )
    return product


def _notice(errors: FieldErrors, period: Any, unit: Any) -> tuple[int, str]:
    if unit not in NoticeUnit.values:
        errors.add("notice_unit", "invalid_choice", _("Choose days or months."))
        unit = NoticeUnit.MONTHS
    if isinstance(period, bool) or not isinstance(period, int):
        errors.add("notice_period", "type_integer", _("Enter a whole number."))
        return 0, unit
    limit = MAX_NOTICE[NoticeUnit(unit)]
    if period < 0:
        errors.add(
            "notice_period", "too_small", _("The notice period cannot be negative.")
        )
    elif period > limit:
        errors.add(
            "notice_period",
            "too_large",
            _("The notice period can be at most %(n)d %(unit)s.")
            % {"n": limit, "unit": NoticeUnit(unit).label},
        )
    return period, unit


def _clean_terms(data: dict[str, Any], *, current: Product | None) -> dict[str, Any]:
    """Validate a contract's terms; raises ValidationFailed with every error."""
    errors = FieldErrors()
    out: dict[str, Any] = {}
    out["product"] = _product(errors, data.get("product"), current=current)
    out["start_date"] = _date(
        errors, "start_date", data.get("start_date"), required=True
    )
    out["end_date"] = _date(errors, "end_date", data.get("end_date"), required=False)
    if out["start_date"] and out["end_date"] and out["end_date"] < out["start_date"]:
        errors.add(
            "end_date", "end_before_start", _("The end date is before the start date.")
        )
    out["notice_period"], out["notice_unit"] = _notice(
        errors, data.get("notice_period", 0), data.get("notice_unit")
    )
    # Empty terms are stored as NULL: nothing to seal, no key needed.
    out["terms"] = _text(errors, "terms", data.get("terms"), TERMS_MAX) or None
    errors.raise_if_any()
    return out


def _require_open(contract: Contract) -> None:
    if contract.is_closed:
        raise Conflict(
            _("This contract has ended; its terms and people can no longer change."),
            code="contract_closed",
        )


def _locked(contract: Contract) -> Contract:
    """The contract re-read under a row lock: concurrent transitions serialise."""
    try:
        return Contract.objects.select_for_update().get(pk=contract.pk)
    except Contract.DoesNotExist:
        raise NotFound() from None


def _next_number() -> str:
    with transaction.atomic():
        n = sequence_next("contract_number", start=1)
    return f"SOP-{n:06d}"


def _close_parties(contract: Contract, last_day: dt.date) -> None:
    """Open party periods end with the contract."""
    for party in contract.parties.filter(end_date__isnull=True):
        party.end_date = max(party.start_date, last_day)
        party.save(update_fields=["end_date"])


# --------------------------------------------------------------------------
# Product catalogue
# --------------------------------------------------------------------------


@write_service(subject=NONE, reason="the product catalogue holds no personal data")
def product_create(
    *, actor: Any, code: str, name: str, description: str = "", is_active: bool = True
) -> Product:
    """Add a product or service to the catalogue contracts choose from."""
    errors = FieldErrors()
    code = (code or "").strip().upper()
    if not PRODUCT_CODE_RE.match(code):
        errors.add(
            "code",
            "code_invalid",
            _("Use 2–30 capital letters, digits, hyphens or underscores."),
        )
    elif Product.objects.filter(code=code).exists():
        errors.add("code", "code_taken", _("Another product already has this code."))
    name = _text(errors, "name", name, 200)
    if not name and "name" not in errors.fields:
        errors.add("name", "required", _("This field is required."))
    description = _text(errors, "description", description, 2000)
    errors.raise_if_any()
    with transaction.atomic():
        try:
            with transaction.atomic():
                product = Product.objects.create(
                    code=code,
                    name=name,
                    description=description,
                    is_active=bool(is_active),
                )
        except IntegrityError:
            raise ValidationFailed.single(
                "code", "code_taken", _("Another product already has this code.")
            ) from None
        audit_record(
            actor=actor,
            action="product.create",
            target_type="product",
            target_id=product.pk,
            fields=["code", "name", "description", "is_active"],
        )
    return product


@write_service(subject=NONE, reason="the product catalogue holds no personal data")
def product_retire(*, actor: Any, product: Product) -> Product:
    """Stop offering a product; existing contracts keep it."""
    if product.is_active:
        with transaction.atomic():
            Product.objects.filter(pk=product.pk).update(is_active=False)
            product.is_active = False
            audit_record(
                actor=actor,
                action="product.retire",
                target_type="product",
                target_id=product.pk,
                fields=["is_active"],
            )
    return product


# --------------------------------------------------------------------------
# Contracts
# --------------------------------------------------------------------------


def _authorize_contract(
    actor: Any,
    contract: Contract,
    fields: Iterable[str],
    operation: str,
    *,
    parties: bool = False,
) -> None:
    """The enforcement point for a contract's own fields; ``parties`` when
    the write ends or deletes the persons' party periods too."""
    families = _categories(Contract, contract, fields)
    if parties:
        families += _categories(ContractParty, None, PARTY_FIELDS)
    authorize_write(actor=actor, families=families, operation=operation)


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
    data = _clean_terms(
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
    _authorize_contract(actor, probe, fields, "contract.create")
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
        _audit_contract(actor, "contract.create", contract, fields)
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
        contract = _locked(contract)
        _require_open(contract)
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
        data = _clean_terms({**current, **changes}, current=contract.product)
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
        _authorize_contract(actor, contract, changed, "contract.update")
        for name in changed:
            setattr(contract, name, data[name])
        contract.ends_on = contract.end_date
        contract.sole_trader = contract.organization.sole_trader
        contract.save()
        _audit_contract(actor, "contract.update", contract, changed)
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
        contract = _locked(contract)
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
        _authorize_contract(actor, contract, ["status"], "contract.activate")
        contract.status = ContractStatus.ACTIVE
        contract.activated_at = timezone.now()
        contract.sole_trader = contract.organization.sole_trader
        contract.save()
        _audit_contract(actor, "contract.activate", contract, ["status"])
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
        contract = _locked(contract)
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
        end_date = _date(errors, "end_date", end_date, required=True)
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
        _authorize_contract(actor, contract, changed, "contract.end", parties=True)
        contract.end_date = contract.ends_on = end_date
        contract.status = ContractStatus.ENDED
        contract.closed_at = timezone.now()
        contract.save()
        _close_parties(contract, end_date)
        _audit_contract(actor, "contract.end", contract, changed)
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
        contract = _locked(contract)
        if contract.status != ContractStatus.ACTIVE:
            raise Conflict(
                _("Only an active contract can be terminated."),
                code="transition_invalid",
            )
        errors = FieldErrors()
        notice_given_on = _date(
            errors, "notice_given_on", notice_given_on or today, required=True
        )
        termination_date = _date(
            errors, "termination_date", termination_date, required=False
        )
        note = _text(errors, "note", note, NOTE_MAX)
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
        _authorize_contract(actor, contract, fields, "contract.terminate", parties=True)
        contract.status = ContractStatus.TERMINATED
        contract.notice_given_on = notice_given_on
        contract.termination_date = contract.ends_on = termination_date
        contract.notice_overridden = overriding
        contract.termination_note = note or None
        contract.closed_at = timezone.now()
        contract.save()
        _close_parties(contract, termination_date)
        _audit_contract(
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
        contract = _locked(contract)
        if contract.status != ContractStatus.DRAFT:
            raise Conflict(
                _("Only a draft can be deleted; end or terminate this contract."),
                code="not_draft",
            )
        pk, parties = contract.pk, list(contract.parties.values_list("pk", "person_id"))
        _authorize_contract(
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
        _audit_contract(actor, "contract.delete", contract, [])


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
    for contract in due.iterator(chunk_size=500):
        contract_end(actor=actor, contract=contract, end_date=contract.end_date)
        ended += 1
    return ended


# --------------------------------------------------------------------------
# Parties
# --------------------------------------------------------------------------


def _holds_role(person: Person, organization: Organization, day: dt.date) -> bool:
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
        contract = _locked(contract)
        _require_open(contract)
        errors = FieldErrors()
        if kind not in PartyKind.values:
            errors.add("kind", "invalid_choice", _("Choose a role."))
        if start_date is None:
            start_date = (
                max(contract.start_date, today)
                if contract.status == ContractStatus.ACTIVE
                else contract.start_date
            )
        start_date = _date(errors, "start_date", start_date, required=True)
        end_date = _date(errors, "end_date", end_date, required=False)
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
        elif start_date is not None and not _holds_role(
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
            families=_categories(ContractParty, None, PARTY_FIELDS),
            operation="contract_party.add",
        )
        party = ContractParty.objects.create(
            contract=contract,
            person=person,
            kind=kind,
            start_date=start_date,
            end_date=end_date,
        )
        _audit_party(
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
        contract = _locked(party.contract)
        _require_open(contract)
        authorize_write(
            actor=actor,
            person_id=party.person_id,
            families=_categories(ContractParty, None, PARTY_FIELDS),
            operation="contract_party.remove",
        )
        if contract.is_draft or party.start_date > today:
            pk = party.pk
            party.delete()
            party.pk = pk
            _audit_party(
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
        end_date = _date(errors, "end_date", end_date or today, required=True)
        if end_date is not None and end_date < party.start_date:
            errors.add(
                "end_date",
                "end_before_start",
                _("The end date is before the start date."),
            )
        errors.raise_if_any()
        party.end_date = end_date
        party.save(update_fields=["end_date"])
        _audit_party(actor, "contract_party.end", party, ["end_date"])
    return party
