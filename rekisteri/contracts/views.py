"""Staff UI of contracts.

Thin views: reads through :mod:`rekisteri.contracts.selectors` with
``user=request.user``, writes through :mod:`rekisteri.contracts.services`
with ``actor=request.user``. Refusals are shown next to their fields; a
transition refused outright (a Conflict) comes back as a message on the
contract page. Every write is a POST with CSRF and redirects (PRG).
"""

from __future__ import annotations

import contextlib
import uuid
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from rekisteri.accounts.permissions import Perm, has_perm, require
from rekisteri.contracts import selectors, services
from rekisteri.contracts.forms import (
    ContractFilterForm,
    ContractForm,
    EndForm,
    OrganizationPickForm,
    PartyForm,
    TerminateForm,
)
from rekisteri.contracts.models import Contract
from rekisteri.core import formats
from rekisteri.core.errors import ServiceError, ValidationFailed
from rekisteri.core.forms import apply_service_errors
from rekisteri.registry import selectors as registry_selectors
from rekisteri.registry.models import Organization, Person


def _contract(request: HttpRequest, contract_id: Any) -> Contract:
    return selectors.contract_get(user=request.user, contract_id=contract_id)


def _organization(request: HttpRequest, organization_id: Any) -> Organization:
    return registry_selectors.organization_get(
        user=request.user, organization_id=organization_id
    )


def _resolve_organization(request: HttpRequest, text: str) -> Organization | None:
    """The one organization a customer number or business ID names."""
    text = (text or "").strip()
    if not text:
        return None
    candidates = [text]
    with contextlib.suppress(formats.FormatError):
        candidates.append(formats.normalise_business_id(text))
    wanted = {
        registry_selectors.SearchKind.CUSTOMER_NUMBER,
        registry_selectors.SearchKind.BUSINESS_ID,
    }
    for q in candidates:
        results = registry_selectors.search(user=request.user, q=q, limit=2)
        if results.kind in wanted and len(results.organizations) == 1:
            return results.organizations[0]
    return None


def _refusal_messages(request: HttpRequest, exc: ServiceError) -> None:
    """A refused button press: each reason as an error message."""
    for reason in exc.reasons():
        messages.error(request, reason)


def _detail(contract: Contract) -> HttpResponse:
    return redirect("contracts:contract_detail", contract_id=contract.pk)


def _people_at(request: HttpRequest, organization: Organization) -> list[Person]:
    """The organization's people (any role, current first), each once."""
    seen: dict[Any, Person] = {}
    for role in registry_selectors.organization_roles(
        user=request.user, organization=organization
    ):
        seen.setdefault(role.person_id, role.person)
    return list(seen.values())


# --------------------------------------------------------------------------
# Lists and detail
# --------------------------------------------------------------------------


@require(Perm.CONTRACTS_VIEW)
def contract_list(request: HttpRequest) -> HttpResponse:
    """All contracts (newest first), or those ending within N days (soonest
    first); filters by status. An HTMX filter change gets just the table."""
    filters = ContractFilterForm(request.GET)
    args = filters.selector_args()
    page = selectors.contract_list(
        user=request.user, after=request.GET.get("after") or None, **args
    )
    selectors.audit_view(
        user=request.user,
        action="contract.list",
        contracts=page.items,
        request=request,
    )
    context = {
        "filters": filters,
        "page": page,
        "ending_mode": "ending_within" in args,
        "can_change_contracts": has_perm(request.user, Perm.CONTRACTS_CHANGE),
        "filter_query": filters.query_string(),
        "is_first_page": not request.GET.get("after"),
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "contracts/partials/contract_table.html", context)
    return render(request, "contracts/contract_list.html", context)


@require(Perm.CONTRACTS_VIEW)
def contract_detail(request: HttpRequest, contract_id: uuid.UUID) -> HttpResponse:
    """One contract: terms, lifecycle and the persons attached."""
    contract = _contract(request, contract_id)
    parties = selectors.contract_parties(user=request.user, contract=contract)
    selectors.audit_view(
        user=request.user,
        action="contract.view",
        contracts=[contract],
        parties=parties,
        request=request,
        terms_shown=True,
    )
    can_change = has_perm(request.user, Perm.CONTRACTS_CHANGE)
    return render(
        request,
        "contracts/contract_detail.html",
        {
            "contract": contract,
            "parties": parties,
            "can_change": can_change,
            "can_edit": can_change and not contract.is_closed,
        },
    )


# --------------------------------------------------------------------------
# Create and edit
# --------------------------------------------------------------------------


@require(Perm.CONTRACTS_CHANGE)
@require_http_methods(["GET", "POST"])
def contract_create(request: HttpRequest) -> HttpResponse:
    """A new draft. ``?organization=<id>`` (from the organization page) fixes
    the customer; otherwise it is named by customer number or business ID."""
    org_id = request.GET.get("organization")
    organization = _organization(request, org_id) if org_id else None
    data = request.POST if request.method == "POST" else None
    products = selectors.product_choices(user=request.user)
    form = ContractForm(data, products=products)
    pick = OrganizationPickForm(data, prefix="customer") if not organization else None
    forms_ = [f for f in (pick, form) if f is not None]
    if request.method == "POST" and all(f.is_valid() for f in forms_):
        customer = organization
        if pick is not None:
            customer = _resolve_organization(request, pick.cleaned_data["organization"])
            if customer is None:
                pick.add_error(
                    "organization",
                    _(
                        "No organization has this customer number or business ID. "
                        "Check the number, or find the organization with search."
                    ),
                )
        if customer is not None:
            try:
                contract = services.contract_create(
                    actor=request.user, organization=customer, **form.service_fields()
                )
            except ServiceError as exc:
                apply_service_errors(exc, form)
            else:
                messages.success(request, _("The draft contract was saved."))
                return _detail(contract)
    return render(
        request,
        "contracts/contract_form.html",
        {
            "form": form,
            "pick": pick,
            "organization": organization,
            "contract": None,
            "forms": forms_,
        },
    )


@require(Perm.CONTRACTS_CHANGE)
@require_http_methods(["GET", "POST"])
def contract_edit(request: HttpRequest, contract_id: uuid.UUID) -> HttpResponse:
    """Edit a draft, or amend an active contract (end date, notice, terms)."""
    contract = _contract(request, contract_id)
    if contract.is_closed:
        messages.error(
            request,
            _("This contract has ended; its terms and people can no longer change."),
        )
        return _detail(contract)
    products = selectors.product_choices(user=request.user, include=contract.product)
    if request.method == "POST":
        form = ContractForm(
            request.POST, initial=ContractForm.initial_for(contract), products=products
        )
        if form.is_valid():
            changes = form.service_fields()
            if not contract.is_draft:
                # What an active contract cannot change is shown, not sent.
                for frozen in ("product", "start_date"):
                    changes.pop(frozen, None)
            try:
                services.contract_update(
                    actor=request.user, contract=contract, **changes
                )
            except ServiceError as exc:
                apply_service_errors(exc, form)
            else:
                messages.success(request, _("Saved"))
                return _detail(contract)
    else:
        form = ContractForm(
            initial=ContractForm.initial_for(contract), products=products
        )
    if not contract.is_draft:
        for frozen in ("product", "start_date"):
            form.fields[frozen].disabled = True
            form.fields[frozen].help_text = _("Fixed once the contract is active.")
    return render(
        request,
        "contracts/contract_form.html",
        {
            "form": form,
            "pick": None,
            "organization": contract.organization,
            "contract": contract,
            "forms": [form],
        },
    )


# --------------------------------------------------------------------------
# Transitions
# --------------------------------------------------------------------------


@require(Perm.CONTRACTS_CHANGE)
@require_POST
def contract_activate(request: HttpRequest, contract_id: uuid.UUID) -> HttpResponse:
    contract = _contract(request, contract_id)
    try:
        services.contract_activate(actor=request.user, contract=contract)
    except ServiceError as exc:
        _refusal_messages(request, exc)
    else:
        messages.success(request, _("The contract is active."))
    return _detail(contract)


@require(Perm.CONTRACTS_CHANGE)
@require_http_methods(["GET", "POST"])
def contract_end(request: HttpRequest, contract_id: uuid.UUID) -> HttpResponse:
    """End an active contract (its last day in force defaults to today)."""
    contract = _contract(request, contract_id)
    form = EndForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.contract_end(
                actor=request.user,
                contract=contract,
                end_date=form.cleaned_data["end_date"],
            )
        except ValidationFailed as exc:
            apply_service_errors(exc, form)
        except ServiceError as exc:
            _refusal_messages(request, exc)
            return _detail(contract)
        else:
            messages.success(request, _("The contract has ended."))
            return _detail(contract)
    return render(
        request,
        "contracts/contract_transition.html",
        {"form": form, "contract": contract, "transition": "end"},
    )


@require(Perm.CONTRACTS_CHANGE)
@require_http_methods(["GET", "POST"])
def contract_terminate(request: HttpRequest, contract_id: uuid.UUID) -> HttpResponse:
    """Terminate by notice; an earlier date than the notice allows needs an
    explicit override and a reason."""
    contract = _contract(request, contract_id)
    form = TerminateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.contract_terminate(
                actor=request.user, contract=contract, **form.cleaned_data
            )
        except ValidationFailed as exc:
            apply_service_errors(exc, form)
        except ServiceError as exc:
            _refusal_messages(request, exc)
            return _detail(contract)
        else:
            messages.success(request, _("The contract has been terminated."))
            return _detail(contract)
    return render(
        request,
        "contracts/contract_transition.html",
        {"form": form, "contract": contract, "transition": "terminate"},
    )


@require(Perm.CONTRACTS_CHANGE)
@require_POST
def contract_delete(request: HttpRequest, contract_id: uuid.UUID) -> HttpResponse:
    contract = _contract(request, contract_id)
    organization_id = contract.organization_id
    try:
        services.contract_delete(actor=request.user, contract=contract)
    except ServiceError as exc:
        _refusal_messages(request, exc)
        return _detail(contract)
    messages.success(request, _("The draft contract was deleted."))
    return redirect("registry:organization_detail", organization_id=organization_id)


# --------------------------------------------------------------------------
# Parties
# --------------------------------------------------------------------------


@require(Perm.CONTRACTS_CHANGE)
@require_http_methods(["GET", "POST"])
def party_add(request: HttpRequest, contract_id: uuid.UUID) -> HttpResponse:
    """Attach one of the organization's people to the contract in a role."""
    contract = _contract(request, contract_id)
    if contract.is_closed:
        messages.error(
            request,
            _("This contract has ended; its terms and people can no longer change."),
        )
        return _detail(contract)
    people = _people_at(request, contract.organization)
    form = PartyForm(request.POST if request.method == "POST" else None, people=people)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        by_id = {str(p.id): p for p in people}
        person = by_id.get(data.pop("person") or "")
        try:
            services.contract_party_add(
                actor=request.user, contract=contract, person=person, **data
            )
        except ServiceError as exc:
            apply_service_errors(exc, form)
        else:
            messages.success(request, _("The person was attached to the contract."))
            return _detail(contract)
    return render(
        request,
        "contracts/party_form.html",
        {"form": form, "contract": contract, "has_people": bool(people)},
    )


@require(Perm.CONTRACTS_CHANGE)
@require_POST
def party_remove(request: HttpRequest, party_id: uuid.UUID) -> HttpResponse:
    """Detach a person: deleted from a draft, period ended today otherwise."""
    party = selectors.party_get(user=request.user, party_id=party_id)
    try:
        result = services.contract_party_remove(actor=request.user, party=party)
    except ServiceError as exc:
        _refusal_messages(request, exc)
    else:
        messages.success(
            request,
            _("The person was removed from the contract.")
            if result is None
            else _("The person's period on the contract ended today."),
        )
    return redirect("contracts:contract_detail", contract_id=party.contract_id)
