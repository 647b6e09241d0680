"""The contracts API: ``/api/v1/contracts...``.

Reads through the selectors (CONTRACTS_VIEW), writes through the services
(CONTRACTS_CHANGE, write-scope tokens only). Ids in paths are strings: a
malformed one is simply not found. Responses that show persons attached to a
contract are audited like the staff UI's pages.

No ``from __future__ import annotations``: see rekisteri.accounts.api.
"""

import enum
import uuid
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from rekisteri.accounts.api import requires
from rekisteri.accounts.choices import TokenScope
from rekisteri.accounts.permissions import Perm
from rekisteri.contracts import selectors, services
from rekisteri.contracts.choices import ContractStatus
from rekisteri.contracts.models import Contract, ContractParty, Product
from rekisteri.contracts.schemas import (
    ContractCreate,
    ContractEnd,
    ContractOut,
    ContractPage,
    ContractPatch,
    ContractSummary,
    ContractTerminate,
    PartyCreate,
    PartyOut,
    PartyRemove,
    ProductOut,
)
from rekisteri.core.errors import NotFound, ValidationFailed
from rekisteri.registry import selectors as registry_selectors

router = Router(tags=["contracts"])


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v.value if isinstance(v, enum.Enum) else v for k, v in data.items()}


def _page(**kwargs: Any) -> selectors.Page:
    """A keyset page; an unknown cursor is a bad parameter, not a 404."""
    try:
        return selectors.contract_list(**kwargs)
    except NotFound:
        raise ValidationFailed.single(
            "after", "cursor_invalid", _("The page cursor is not valid.")
        ) from None


def _shown(request: HttpRequest, action: str, contracts: list, terms: bool) -> None:
    selectors.audit_view(
        user=_user(request),
        action=action,
        contracts=contracts,
        request=request,
        terms_shown=terms,
    )


@router.get("/products", response=list[ProductOut], summary="Products and services")
@requires(Perm.CONTRACTS_VIEW)
def product_list(request: HttpRequest) -> list[Product]:
    """The catalogue contracts may be made for (available ones)."""
    return list(selectors.product_choices(user=_user(request)))


@router.get("/contracts", response=ContractPage, summary="List contracts")
@requires(Perm.CONTRACTS_VIEW)
def contract_list(
    request: HttpRequest,
    status: ContractStatus | None = None,
    ending_within: int | None = Query(
        None, ge=0, le=selectors.MAX_ENDING_DAYS, description="Days from today."
    ),
    after: str | None = Query(None, description="next_cursor of the previous page"),
    limit: int | None = Query(None, ge=1, le=selectors.MAX_PAGE),
) -> selectors.Page:
    """Contracts, newest first; with ``ending_within`` those in force whose
    last day is within that many days, soonest first."""
    page = _page(
        user=_user(request),
        status=status.value if status else None,
        ending_within=ending_within,
        after=after,
        limit=limit,
    )
    _shown(request, "contract.list", page.items, terms=False)
    return page


@router.get("/contracts/ending", response=ContractPage, summary="Contracts ending")
@requires(Perm.CONTRACTS_VIEW)
def contracts_ending(
    request: HttpRequest,
    days: int = Query(
        selectors.DEFAULT_ENDING_DAYS,
        ge=0,
        le=selectors.MAX_ENDING_DAYS,
        description="Window in days from today (default 90).",
    ),
    after: str | None = Query(None, description="next_cursor of the previous page"),
    limit: int | None = Query(None, ge=1, le=selectors.MAX_PAGE),
) -> selectors.Page:
    """Contracts in force whose last day falls within the next ``days`` days."""
    page = _page(user=_user(request), ending_within=days, after=after, limit=limit)
    _shown(request, "contract.list", page.items, terms=False)
    return page


@router.post("/contracts", response={201: ContractOut}, summary="Create a contract")
@requires(Perm.CONTRACTS_CHANGE, scope=TokenScope.WRITE)
def contract_create(request: HttpRequest, payload: ContractCreate) -> Status[Contract]:
    """A new draft contract of the organization."""
    user = _user(request)
    data = _plain(payload.model_dump())
    organization = (
        registry_selectors.organization_queryset(user)
        .filter(pk=data.pop("organization_id"))
        .first()
    )
    if organization is None:
        raise ValidationFailed.single(
            "organization_id", "not_found", _("No such organization.")
        )
    contract = services.contract_create(actor=user, organization=organization, **data)
    return Status(201, selectors.contract_get(user=user, contract_id=contract.pk))


@router.get("/contracts/{contract_id}", response=ContractOut, summary="Get a contract")
@requires(Perm.CONTRACTS_VIEW)
def contract_detail(request: HttpRequest, contract_id: str) -> Contract:
    """One contract with its terms."""
    contract = selectors.contract_get(user=_user(request), contract_id=contract_id)
    _shown(request, "contract.view", [contract], terms=True)
    return contract


@router.patch(
    "/contracts/{contract_id}", response=ContractOut, summary="Change a contract"
)
@requires(Perm.CONTRACTS_CHANGE, scope=TokenScope.WRITE)
def contract_update(
    request: HttpRequest, contract_id: str, payload: ContractPatch
) -> Contract:
    """Change a draft, or amend an active contract's end date, notice and terms."""
    user = _user(request)
    contract = selectors.contract_get(user=user, contract_id=contract_id)
    changes = _plain(payload.model_dump(exclude_unset=True))
    services.contract_update(actor=user, contract=contract, **changes)
    return selectors.contract_get(user=user, contract_id=contract.pk)


@router.delete(
    "/contracts/{contract_id}", response={204: None}, summary="Delete a draft"
)
@requires(Perm.CONTRACTS_CHANGE, scope=TokenScope.WRITE)
def contract_delete(request: HttpRequest, contract_id: str) -> Status[None]:
    """Delete a draft; any other contract is a 409 ``not_draft``."""
    user = _user(request)
    contract = selectors.contract_get(user=user, contract_id=contract_id)
    services.contract_delete(actor=user, contract=contract)
    return Status(204, None)


def _transition(request: HttpRequest, contract_id: str, fn: Any, **kwargs: Any):
    user = _user(request)
    contract = selectors.contract_get(user=user, contract_id=contract_id)
    fn(actor=user, contract=contract, **kwargs)
    return selectors.contract_get(user=user, contract_id=contract.pk)


@router.post(
    "/contracts/{contract_id}/activate",
    response=ContractOut,
    summary="Activate a draft",
)
@requires(Perm.CONTRACTS_CHANGE, scope=TokenScope.WRITE)
def contract_activate(request: HttpRequest, contract_id: str) -> Contract:
    """Put a draft in force."""
    return _transition(request, contract_id, services.contract_activate)


@router.post(
    "/contracts/{contract_id}/end", response=ContractOut, summary="End a contract"
)
@requires(Perm.CONTRACTS_CHANGE, scope=TokenScope.WRITE)
def contract_end(
    request: HttpRequest, contract_id: str, payload: ContractEnd | None = None
) -> Contract:
    """End an active contract (the body may be empty)."""
    end_date = payload.end_date if payload is not None else None
    return _transition(request, contract_id, services.contract_end, end_date=end_date)


@router.post(
    "/contracts/{contract_id}/terminate",
    response=ContractOut,
    summary="Terminate a contract",
)
@requires(Perm.CONTRACTS_CHANGE, scope=TokenScope.WRITE)
def contract_terminate(
    request: HttpRequest, contract_id: str, payload: ContractTerminate | None = None
) -> Contract:
    """Terminate by notice; an earlier date than the notice period allows needs
    ``override_notice`` and a ``note``."""
    data = payload.model_dump() if payload is not None else {}
    return _transition(request, contract_id, services.contract_terminate, **data)


@router.get(
    "/contracts/{contract_id}/parties",
    response=list[PartyOut],
    summary="Persons attached",
)
@requires(Perm.CONTRACTS_VIEW)
def party_list(request: HttpRequest, contract_id: str) -> list[ContractParty]:
    """The persons attached to a contract (audited: names are personal data)."""
    user = _user(request)
    contract = selectors.contract_get(user=user, contract_id=contract_id)
    parties = selectors.contract_parties(user=user, contract=contract)
    selectors.audit_view(
        user=user, action="contract.view", parties=parties, request=request
    )
    return parties


@router.post(
    "/contracts/{contract_id}/parties",
    response={201: PartyOut},
    summary="Attach a person",
)
@requires(Perm.CONTRACTS_CHANGE, scope=TokenScope.WRITE)
def party_add(
    request: HttpRequest, contract_id: str, payload: PartyCreate
) -> Status[ContractParty]:
    """Attach a person who holds a role at the contract's organization."""
    user = _user(request)
    contract = selectors.contract_get(user=user, contract_id=contract_id)
    data = _plain(payload.model_dump())
    person_id: uuid.UUID = data.pop("person_id")
    person = registry_selectors.person_queryset(user).filter(pk=person_id).first()
    if person is None:
        raise ValidationFailed.single("person_id", "not_found", _("No such person."))
    party = services.contract_party_add(
        actor=user, contract=contract, person=person, **data
    )
    return Status(201, party)


@router.post(
    "/contract-parties/{party_id}/remove",
    response={200: PartyOut, 204: None},
    summary="Detach a person",
)
@requires(Perm.CONTRACTS_CHANGE, scope=TokenScope.WRITE)
def party_remove(
    request: HttpRequest, party_id: str, payload: PartyRemove | None = None
) -> Any:
    """From a draft (or before the period began) the row is deleted (204);
    otherwise the period ends (200 with the ended row)."""
    user = _user(request)
    party = selectors.party_get(user=user, party_id=party_id)
    end_date = payload.end_date if payload is not None else None
    result = services.contract_party_remove(actor=user, party=party, end_date=end_date)
    if result is None:
        return Status(204, None)
    return result


@router.get(
    "/organizations/{organization_id}/contracts",
    response=list[ContractSummary],
    summary="Contracts of an organization",
)
@requires(Perm.CONTRACTS_VIEW)
def organization_contracts(request: HttpRequest, organization_id: str) -> list:
    """An organization's contracts, those in force first."""
    user = _user(request)
    organization = registry_selectors.organization_get(
        user=user, organization_id=organization_id
    )
    contracts = selectors.organization_contracts(user=user, organization=organization)
    _shown(request, "contract.list", contracts, terms=False)
    return contracts
