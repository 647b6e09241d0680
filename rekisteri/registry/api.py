"""The registry API: organizations, persons, roles and search.

Every operation reads through the selectors (which scope what the user may
see) and writes through the services (which validate, record provenance and
write in one transaction); nothing here writes to the database. Ids in paths
are plain strings: a malformed id is simply not found, worded like a missing
or out-of-scope one.

No ``from __future__ import annotations``: see rekisteri.accounts.api.
"""

import enum
import uuid
from typing import Any

from django.db.models import Prefetch, prefetch_related_objects
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from rekisteri.access.selectors import visible_families
from rekisteri.accounts.api import requires
from rekisteri.accounts.permissions import Perm
from rekisteri.core.errors import NotFound, ValidationFailed
from rekisteri.registry import auditing, selectors, services
from rekisteri.registry.choices import OrganizationStatus
from rekisteri.registry.models import (
    Organization,
    OrganizationValueSource,
    Person,
    Role,
)
from rekisteri.registry.schemas import (
    OrganizationCreate,
    OrganizationOut,
    OrganizationPage,
    OrganizationPatch,
    OrganizationRoleOut,
    PersonCreate,
    PersonOut,
    PersonPage,
    PersonPatch,
    RoleCreate,
    RoleEnd,
    RoleOut,
    RolePatch,
    SearchIn,
    SearchOut,
)

router = Router(tags=["registry"])

DEFAULT_SOURCE = "staff"


def _user(request: HttpRequest) -> Any:
    """The authenticated staff user (set by the auth callbacks)."""
    return request.auth  # type: ignore[attr-defined]


# What the list operations return (their audit events name these families).
# What a list of organizations returns: every field of its schema; the
# situation is named where a sole trader's was returned (situation_fields).
API_ORGANIZATION_FIELDS = tuple(
    f for f in OrganizationOut.model_fields if f != "registry_situation"
)
API_PERSON_SUMMARY_FIELDS = ("first_name", "last_name", "emails", "preferred_language")


def _as_user(request: HttpRequest) -> None:
    """Make the API caller the request's user for the audit helpers (a token
    call has no session user)."""
    request.user = _user(request)


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    """Enum members to their values, so services and models see plain strings."""
    return {k: v.value if isinstance(v, enum.Enum) else v for k, v in data.items()}


def _page_cursor_errors(fn: Any, **kwargs: Any) -> Any:
    """Call a keyset selector; an unknown cursor is a bad parameter, not a 404."""
    try:
        return fn(**kwargs)
    except NotFound:
        raise ValidationFailed.single(
            "after", "cursor_invalid", _("The page cursor is not valid.")
        ) from None


def _referenced(user: Any, person_id: uuid.UUID, organization_id: uuid.UUID):
    """Person and organization named in a request body.

    A missing or out-of-scope reference is a field error (422) rather than a
    404: the resource in the URL exists, the body points nowhere.
    """
    person = selectors.person_queryset(user).filter(pk=person_id).first()
    organization = (
        selectors.organization_queryset(user).filter(pk=organization_id).first()
    )
    fields: dict[str, list[tuple[str, str]]] = {}
    if person is None:
        fields["person_id"] = [("not_found", _("No such person."))]
    if organization is None:
        fields["organization_id"] = [("not_found", _("No such organization."))]
    if fields:
        raise ValidationFailed(fields)
    return person, organization


# --------------------------------------------------------------------------
# Organizations
# --------------------------------------------------------------------------


@router.get("/organizations", response=OrganizationPage, summary="List organizations")
@requires(Perm.REGISTRY_VIEW)
def organization_list(
    request: HttpRequest,
    status: OrganizationStatus | None = None,
    sole_trader: bool | None = None,
    after: str | None = Query(None, description="next_cursor of the previous page"),
    limit: int | None = Query(None, ge=1, le=200),
) -> selectors.Page:
    """Organizations in name order, a page at a time (keyset pagination)."""
    page = _page_cursor_errors(
        selectors.organization_list,
        user=_user(request),
        status=status.value if status else None,
        sole_trader=sole_trader,
        after=after,
        limit=limit,
    )
    _as_user(request)
    _registry_view(request, page.items)
    auditing.record_list(
        request=request,
        action="organization.list",
        target_type="organization",
        count=len(page.items),
        families=auditing.organization_families(
            (*API_ORGANIZATION_FIELDS, *auditing.situation_fields(page.items))
        ),
    )
    return page


def _registry_view(request: HttpRequest, organizations: list[Organization]) -> None:
    """Mark whether the caller gets each organization's trade-register
    situation (a sole trader's is financial data: docs/connectors.md), and
    load the organizations' value sources with one query."""
    shown = visible_families(request.user)
    for org in organizations:
        org.situation_returned = auditing.situation_returned(org, shown)
    prefetch_related_objects(
        organizations,
        Prefetch(
            "value_sources",
            queryset=OrganizationValueSource.objects.select_related(
                "provenance__source"
            ).order_by("field"),
        ),
    )


@router.post(
    "/organizations",
    response={201: OrganizationOut},
    summary="Create an organization",
)
@requires(Perm.REGISTRY_CHANGE)
def organization_create(
    request: HttpRequest, payload: OrganizationCreate
) -> Status[Organization]:
    """Create an organization; it gets the next customer number."""
    data = _plain(payload.model_dump())
    org = services.organization_create(actor=_user(request), **data)
    return Status(201, org)


@router.get(
    "/organizations/{organization_id}",
    response=OrganizationOut,
    summary="Get an organization",
)
@requires(Perm.REGISTRY_VIEW)
def organization_detail(request: HttpRequest, organization_id: str) -> Organization:
    """One organization."""
    org = selectors.organization_get(
        user=_user(request), organization_id=organization_id
    )
    _as_user(request)
    _registry_view(request, [org])
    auditing.record_organization_view(request=request, organization=org, page="api")
    return org


@router.patch(
    "/organizations/{organization_id}",
    response=OrganizationOut,
    summary="Change an organization",
)
@requires(Perm.REGISTRY_CHANGE)
def organization_update(
    request: HttpRequest, organization_id: str, payload: OrganizationPatch
) -> Organization:
    """Change the fields sent; the others keep their values and provenance."""
    user = _user(request)
    org = selectors.organization_get(user=user, organization_id=organization_id)
    changes = _plain(payload.model_dump(exclude_unset=True))
    source = changes.pop("source", None) or DEFAULT_SOURCE
    return services.organization_update(
        actor=user, organization=org, source=source, **changes
    )


@router.get(
    "/organizations/{organization_id}/roles",
    response=list[OrganizationRoleOut],
    summary="Roles at an organization",
)
@requires(Perm.REGISTRY_VIEW)
def organization_roles(request: HttpRequest, organization_id: str) -> list[Any]:
    """The organization's people and their roles, current ones first."""
    user = _user(request)
    org = selectors.organization_get(user=user, organization_id=organization_id)
    roles = selectors.organization_roles(user=user, organization=org)
    _as_user(request)
    _shown, fields = auditing.person_page_fields(request.user)
    auditing.record_organization_view(
        request=request,
        organization=org,
        people=len({r.person_id for r in roles}),
        people_fields=[f for f in auditing.ORGANIZATION_PEOPLE_FIELDS if f in fields],
        page="api_roles",
    )
    return [_RoleView(role, _NeedToKnowView(role.person, fields)) for role in roles]


# --------------------------------------------------------------------------
# Persons
# --------------------------------------------------------------------------


@router.get("/persons", response=PersonPage, summary="List persons")
@requires(Perm.REGISTRY_VIEW)
def person_list(
    request: HttpRequest,
    after: str | None = Query(None, description="next_cursor of the previous page"),
    limit: int | None = Query(None, ge=1, le=200),
) -> selectors.Page:
    """Persons by last and first name, a page at a time (keyset pagination)."""
    page = _page_cursor_errors(
        selectors.person_list, user=_user(request), after=after, limit=limit
    )
    _as_user(request)
    _shown, fields = auditing.person_page_fields(request.user)
    auditing.record_list(
        request=request,
        action="person.list",
        target_type="person",
        count=len(page.items),
        families=auditing.person_families(
            f for f in API_PERSON_SUMMARY_FIELDS if f in fields
        ),
    )
    page.items = [_NeedToKnowView(p, fields) for p in page.items]
    return page


@router.post("/persons", response={201: PersonOut}, summary="Create a person")
@requires(Perm.REGISTRY_CHANGE)
def person_create(request: HttpRequest, payload: PersonCreate) -> Status[Person]:
    """Create a person with emails and phones (the first of each is primary)."""
    user = _user(request)
    person = services.person_create(actor=user, **_plain(payload.model_dump()))
    return Status(201, selectors.person_get(user=user, person_id=person.pk))


@router.get("/persons/{person_id}", response=PersonOut, summary="Get a person")
@requires(Perm.REGISTRY_VIEW)
def person_detail(request: HttpRequest, person_id: str) -> Any:
    """A person with emails, phones, roles and where the data came from."""
    person = selectors.person_get(user=_user(request), person_id=person_id)
    _as_user(request)
    _shown, fields = auditing.person_page_fields(request.user)
    auditing.record_person_view(
        request=request, person=person, fields=fields, page="api"
    )
    return _NeedToKnowView(person, fields)


# What a withheld person field is returned as (the schema keeps its shape).
_EMPTY: dict[str, Any] = {"emails": [], "phones": [], "roles": []}


class _RoleView:
    """A role whose person is seen through the need-to-know matrix."""

    def __init__(self, role: Role, person: Any) -> None:
        self._role = role
        self.person = person

    def __getattr__(self, name: str) -> Any:
        return getattr(self.__dict__["_role"], name)


class _NeedToKnowView:
    """The person as the caller's role may see it: fields of withheld
    families read as empty, and ``withheld`` names those families. Everything
    else is read from the person itself."""

    def __init__(self, person: Person, fields: list[str]) -> None:
        self._person = person
        self._hidden: dict[str, Any] = {}
        withheld = set()
        for name in auditing.PERSON_PAGE_FIELDS:
            if name not in fields:
                self._hidden[name] = _EMPTY.get(name, "")
                family = auditing.person_field_family(name)
                if family:
                    withheld.add(family)
        self.withheld = sorted(withheld)

    def __getattr__(self, name: str) -> Any:
        hidden = self.__dict__.get("_hidden", {})
        if name in hidden:
            return hidden[name]
        return getattr(self.__dict__["_person"], name)


@router.patch("/persons/{person_id}", response=PersonOut, summary="Change a person")
@requires(Perm.REGISTRY_CHANGE)
def person_update(request: HttpRequest, person_id: str, payload: PersonPatch) -> Person:
    """Change the fields sent; ``emails``/``phones``, when sent, replace the lists."""
    user = _user(request)
    person = selectors.person_get(user=user, person_id=person_id)
    changes = _plain(payload.model_dump(exclude_unset=True))
    source = changes.pop("source", None) or DEFAULT_SOURCE
    services.person_update(actor=user, person=person, source=source, **changes)
    return selectors.person_get(user=user, person_id=person.pk)


# --------------------------------------------------------------------------
# Roles
# --------------------------------------------------------------------------


@router.post("/roles", response={201: RoleOut}, summary="Create a role")
@requires(Perm.REGISTRY_CHANGE)
def role_create(request: HttpRequest, payload: RoleCreate) -> Status[Role]:
    """Give a person a role at an organization."""
    user = _user(request)
    data = _plain(payload.model_dump())
    person, organization = _referenced(
        user, data.pop("person_id"), data.pop("organization_id")
    )
    role = services.role_create(
        actor=user, person=person, organization=organization, **data
    )
    return Status(201, role)


@router.patch("/roles/{role_id}", response=RoleOut, summary="Change a role")
@requires(Perm.REGISTRY_CHANGE)
def role_update(request: HttpRequest, role_id: str, payload: RolePatch) -> Role:
    """Change a role's kind, title or dates."""
    user = _user(request)
    role = selectors.role_get(user=user, role_id=role_id)
    changes = _plain(payload.model_dump(exclude_unset=True))
    return services.role_update(actor=user, role=role, **changes)


@router.post("/roles/{role_id}/end", response=RoleOut, summary="End a role")
@requires(Perm.REGISTRY_CHANGE)
def role_end(
    request: HttpRequest, role_id: str, payload: RoleEnd | None = None
) -> Role:
    """End a role, today unless ``end_date`` is given (the body may be empty)."""
    user = _user(request)
    role = selectors.role_get(user=user, role_id=role_id)
    end_date = payload.end_date if payload is not None else None
    return services.role_end(actor=user, role=role, end_date=end_date)


# --------------------------------------------------------------------------
# Search
# --------------------------------------------------------------------------


@router.post("/search", response=SearchOut, summary="Search the register")
@requires(Perm.REGISTRY_VIEW)
def search(request: HttpRequest, payload: SearchIn) -> selectors.SearchResults:
    """Search by customer number, business ID, email, phone or name prefix.

    POST, so the query (often personal data) never appears in a URL, a
    browser history or an access log.
    """
    results = selectors.search(user=_user(request), q=payload.q)
    _as_user(request)
    _registry_view(request, results.organizations)
    shown, fields = auditing.person_page_fields(request.user)
    if payload.q.strip():
        auditing.record_search(
            request=request,
            q=payload.q,
            kind=results.kind,
            organizations=len(results.organizations),
            persons=len(results.persons),
            shown=shown,
            organization_fields=(
                *API_ORGANIZATION_FIELDS,
                *auditing.situation_fields(results.organizations),
            ),
        )
    results.persons = [_NeedToKnowView(p, fields) for p in results.persons]
    return results
