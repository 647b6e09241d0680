"""Staff UI of the customer register.

Views are thin: reads go through :mod:`rekisteri.registry.selectors` with
``user=request.user``, writes through :mod:`rekisteri.registry.services` with
``actor=request.user``. Forms only parse input; service validation errors are
shown next to their fields. Successful writes redirect (Post/Redirect/Get).

Nothing personal goes into a URL: lists paginate by opaque row id, and search
is POST only.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from rekisteri.access.selectors import visible_families
from rekisteri.accounts.permissions import Perm, has_perm, require
from rekisteri.auditlog import selectors as audit_selectors
from rekisteri.core import formats, keyring
from rekisteri.core.catalogue import KeyClass
from rekisteri.core.errors import ServiceError
from rekisteri.core.forms import apply_service_errors
from rekisteri.core.templatetags.core_tags import day, phone
from rekisteri.registry import auditing, extensions, selectors, services
from rekisteri.registry.forms import (
    OrganizationFilterForm,
    OrganizationForm,
    PersonForm,
    RoleFieldsForm,
    RoleForm,
    SearchForm,
)
from rekisteri.registry.models import Organization, Person, Role
from rekisteri.registry.person_form import person_form_initial, require_person_form
from rekisteri.registry.templatetags.registry_tags import source_name

# What the person form shows and sends.
# Search kinds precise enough to jump straight to the single hit.
EXACT_KINDS = {
    selectors.SearchKind.EMAIL,
    selectors.SearchKind.PHONE,
    selectors.SearchKind.CUSTOMER_NUMBER,
    selectors.SearchKind.BUSINESS_ID,
}


def _saved(request: HttpRequest) -> None:
    messages.success(request, _("Saved"))


def _organization(request: HttpRequest, organization_id: Any) -> Organization:
    return selectors.organization_get(
        user=request.user, organization_id=organization_id
    )


def _person(request: HttpRequest, person_id: Any) -> Person:
    return selectors.person_get(user=request.user, person_id=person_id)


def _role(request: HttpRequest, role_id: uuid.UUID) -> Role:
    """A role whose person and organization the user may see; otherwise 404."""
    return selectors.role_get(user=request.user, role_id=role_id)


def _split_roles(roles: list[Role]) -> tuple[list[Role], list[Role]]:
    """Current (and upcoming) roles, and roles that have ended."""
    today = timezone.localdate()
    ended = [r for r in roles if r.end_date is not None and r.end_date < today]
    current = [r for r in roles if r not in ended]
    return current, ended


# --------------------------------------------------------------------------
# Home
# --------------------------------------------------------------------------


@require(Perm.AUTHENTICATED)
def home(request: HttpRequest) -> HttpResponse:
    """Start page: the organization list; the audit log for auditors; the
    account page for administrators."""
    if has_perm(request.user, Perm.REGISTRY_VIEW):
        return redirect("registry:organization_list")
    if has_perm(request.user, Perm.AUDIT_VIEW):
        return redirect("audit:log")
    return redirect("accounts:tokens")


# --------------------------------------------------------------------------
# Organizations
# --------------------------------------------------------------------------


@require(Perm.REGISTRY_VIEW)
def organization_list(request: HttpRequest) -> HttpResponse:
    """Organizations by name, filtered by status and type, 25 per page.

    An HTMX request (a filter change) gets only the table, which replaces
    the old one; the URL is pushed so back and reload keep the filters.
    """
    filters = OrganizationFilterForm(request.GET)
    page = selectors.organization_list(
        user=request.user,
        after=request.GET.get("after") or None,
        **filters.selector_args(),
    )
    shown = visible_families(request.user)
    for org in page.items:
        org.situation_visible = auditing.situation_shown(org, shown)
    context = {
        "filters": filters,
        "page": page,
        "filter_query": filters.query_string(),
        "is_first_page": not request.GET.get("after"),
    }
    auditing.record_list(
        request=request,
        action="organization.list",
        target_type="organization",
        count=len(page.items),
        families=auditing.organization_families(
            (
                *auditing.ORGANIZATION_LIST_FIELDS,
                *auditing.situation_fields(page.items),
            )
        ),
    )
    if request.htmx and not request.htmx.boosted:
        return render(request, "registry/partials/organization_table.html", context)
    return render(request, "registry/organization_list.html", context)


@require(Perm.REGISTRY_CHANGE)
@require_http_methods(["GET", "POST"])
def organization_create(request: HttpRequest) -> HttpResponse:
    """New organization; it gets the next customer number."""
    form = OrganizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            org = services.organization_create(
                actor=request.user, **form.service_fields()
            )
        except ServiceError as exc:
            apply_service_errors(exc, form)
        else:
            _saved(request)
            return redirect("registry:organization_detail", organization_id=org.id)
    return render(
        request, "registry/organization_form.html", {"form": form, "organization": None}
    )


@require(Perm.REGISTRY_VIEW)
def organization_detail(
    request: HttpRequest, organization_id: uuid.UUID
) -> HttpResponse:
    """One organization: identifiers, addresses, provenance and its people."""
    org = _organization(request, organization_id)
    roles = selectors.organization_roles(user=request.user, organization=org)
    current, ended = _split_roles(roles)
    shown = visible_families(request.user)
    org.situation_visible = auditing.situation_shown(org, shown)
    people_fields = [
        f
        for f in auditing.ORGANIZATION_PEOPLE_FIELDS
        if auditing.person_field_family(f) in shown
    ]
    auditing.record_organization_view(
        request=request,
        organization=org,
        people=len({r.person_id for r in roles}),
        people_fields=people_fields,
    )
    return render(
        request,
        "registry/organization_detail.html",
        {
            "organization": org,
            "current_roles": current,
            "ended_roles": ended,
            "provenance": org.provenance,
            "ntk": shown,
            "extra_sections": extensions.organization_sections(request, org),
        },
    )


@require(Perm.REGISTRY_CHANGE)
@require_http_methods(["GET", "POST"])
def organization_edit(request: HttpRequest, organization_id: uuid.UUID) -> HttpResponse:
    """Edit an organization; the customer number never changes."""
    org = _organization(request, organization_id)
    if request.method == "POST":
        form = OrganizationForm(request.POST)
        if form.is_valid():
            try:
                services.organization_update(
                    actor=request.user, organization=org, **form.service_fields()
                )
            except ServiceError as exc:
                apply_service_errors(exc, form)
            else:
                _saved(request)
                return redirect("registry:organization_detail", organization_id=org.id)
    else:
        form = OrganizationForm(initial=OrganizationForm.initial_for(org))
        auditing.record_organization_view(
            request=request, organization=org, page="edit"
        )
    return render(
        request, "registry/organization_form.html", {"form": form, "organization": org}
    )


# --------------------------------------------------------------------------
# Persons
# --------------------------------------------------------------------------


@require(Perm.REGISTRY_VIEW)
def person_list(request: HttpRequest) -> HttpResponse:
    """Persons, newest first (names are encrypted: no database order)."""
    page = selectors.person_list(
        user=request.user, after=request.GET.get("after") or None
    )
    shown = visible_families(request.user)
    auditing.record_list(
        request=request,
        action="person.list",
        target_type="person",
        count=len(page.items),
        families=auditing.person_families(
            ("first_name", "last_name", "emails", "preferred_language")
        )
        & shown,
    )
    return render(
        request,
        "registry/person_list.html",
        {"page": page, "is_first_page": not request.GET.get("after"), "ntk": shown},
    )


@require(Perm.REGISTRY_CHANGE)
@require_http_methods(["GET", "POST"])
def person_create(request: HttpRequest) -> HttpResponse:
    """New person; with ``?organization=<id>`` also their role there.

    Person and role are saved together or not at all: a role that fails
    validation rolls the new person back.
    """
    org_id = request.GET.get("organization")
    organization = _organization(request, org_id) if org_id else None
    data = request.POST if request.method == "POST" else None
    form = PersonForm(data)
    # One source for the page: the person's choice is the role's too.
    role_form = (
        RoleFieldsForm(data, prefix="role", with_source=False) if organization else None
    )
    forms_ = [f for f in (form, role_form) if f is not None]
    if request.method == "POST" and all(f.is_valid() for f in forms_):
        try:
            with transaction.atomic():
                person = services.person_create(
                    actor=request.user, **form.service_fields()
                )
                if organization is not None and role_form is not None:
                    services.role_create(
                        actor=request.user,
                        person=person,
                        organization=organization,
                        source=form.chosen_source(),
                        **role_form.service_fields(),
                    )
        except ServiceError as exc:
            apply_service_errors(exc, *forms_)
        else:
            _saved(request)
            return redirect("registry:person_detail", person_id=person.id)
    return render(
        request,
        "registry/person_form.html",
        {
            "form": form,
            "role_form": role_form,
            "organization": organization,
            "person": None,
        },
    )


def _provenance_blocks(
    person: Person, emails: list[Any], phones: list[Any], roles: list[Role]
) -> list[tuple[str, dict[str, str] | None]]:
    """Where each value shown came from, as (title, facts) in page order,
    facts None when nothing was recorded: values ready to print, rendered by
    ``{% provenance_blocks %}`` (registry/templatetags/registry_tags.py), not
    by one include per value with its filters. Values from one import share
    its provenance record: its facts are put into words once per page."""
    facts: dict[Any, dict[str, str] | None] = {}

    def facts_of(provenance: Any) -> dict[str, str] | None:
        if not provenance:
            return None
        found = facts.get(provenance.pk)
        if found is None:
            found = facts[provenance.pk] = _provenance_facts(provenance)
        return found

    return [
        (title, facts_of(provenance))
        for title, provenance in (
            (_("Names"), person.name_provenance),
            (_("Address"), person.address_provenance),
            *((e.email, e.provenance) for e in emails),
            *((phone(t.number), t.provenance) for t in phones),
            *(
                (f"{r.get_kind_display()} · {r.organization.name}", r.provenance)
                for r in roles
            ),
        )
    ]


def _provenance_facts(provenance: Any) -> dict[str, str]:
    at = provenance.obtained_at
    if at is not None and timezone.is_aware(at):
        at = timezone.localtime(at)
    batch = provenance.import_batch
    return {
        "source": source_name(provenance.source),
        "at": at.isoformat() if at is not None else "",
        "day": day(at),
        "batch": str(batch) if batch else "",
    }


@require(Perm.REGISTRY_VIEW)
def person_detail(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    """One person: names, contact details, roles and where the data came from."""
    person = _person(request, person_id)
    # Need-to-know: only the families the viewer's role may view are
    # rendered, and the audit event lists exactly those.
    shown, fields = auditing.person_page_fields(request.user)
    current, ended = _split_roles(list(person.roles.all()) if "roles" in fields else [])
    history = None
    if has_perm(request.user, Perm.AUDIT_VIEW):
        history = audit_selectors.subject_events(
            user=request.user, subject_id=person.pk, limit=10
        ).items
    auditing.record_person_view(
        request=request,
        person=person,
        fields=fields,
        extra={"access_history": history is not None},
    )
    emails = list(person.emails.all()) if "emails" in fields else []
    phones = list(person.phones.all()) if "phones" in fields else []
    # A number is put in its human form once for the page, not once for
    # each place it is shown; the memory ends with the page.
    with formats.memo():
        return render(
            request,
            "registry/person_detail.html",
            {
                "person": person,
                # The name, decrypted and joined once for its three places,
                # or None when the role may not see it.
                "full_name": person.full_name if "name" in shown else None,
                "emails": emails,
                "phones": phones,
                "provenance_blocks": _provenance_blocks(
                    person, emails, phones, current
                ),
                "current_roles": current,
                "ended_roles": ended,
                "ntk": shown,
                "access_history": history,
                # An erased person's page offers no edits: their values are
                # shredded and what is kept is the law's, not staff's, to
                # change.
                "erased": keyring.is_destroyed(person.pk, KeyClass.CRM),
                "extra_sections": extensions.person_sections(request, person),
            },
        )


@require(Perm.REGISTRY_CHANGE)
@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    """Edit names, language, address and the email and phone lists.

    The form shows and sends every one of these, so a role that may not view
    and change all of their families is refused the page (recorded).
    """
    person = _person(request, person_id)
    require_person_form(request, person)
    if request.method == "POST":
        form = PersonForm(request.POST)
        if form.is_valid():
            try:
                services.person_update(
                    actor=request.user, person=person, **form.service_fields()
                )
            except ServiceError as exc:
                apply_service_errors(exc, form)
            else:
                _saved(request)
                return redirect("registry:person_detail", person_id=person.id)
    else:
        form = PersonForm(initial=person_form_initial(request, person, page="edit"))
    return render(
        request,
        "registry/person_form.html",
        {"form": form, "role_form": None, "organization": None, "person": person},
    )


# --------------------------------------------------------------------------
# Roles
# --------------------------------------------------------------------------


def _resolve_organization(request: HttpRequest, text: str) -> Organization | None:
    """The one organization a customer number or business ID names, else None."""
    text = text.strip()
    if not text:
        return None
    candidates = [text]
    try:
        # "12345678" without the hyphen is still a business ID.
        normalised = formats.normalise_business_id(text)
    except formats.FormatError:
        pass
    else:
        if normalised != text:
            candidates.append(normalised)
    for q in candidates:
        results = selectors.search(user=request.user, q=q, limit=2)
        if (
            results.kind
            in {selectors.SearchKind.CUSTOMER_NUMBER, selectors.SearchKind.BUSINESS_ID}
            and len(results.organizations) == 1
        ):
            return results.organizations[0]
    return None


@require(Perm.REGISTRY_CHANGE)
@require_http_methods(["GET", "POST"])
def role_create(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    """Give a person a role at an organization named by its number."""
    person = _person(request, person_id)
    if request.method == "POST":
        form = RoleForm(request.POST)
        if form.is_valid():
            organization = _resolve_organization(
                request, form.cleaned_data["organization"]
            )
            if organization is None:
                form.add_error(
                    "organization",
                    _(
                        "No organization has this customer number or business ID. "
                        "Check the number, or find the organization with search."
                    ),
                )
            else:
                try:
                    services.role_create(
                        actor=request.user,
                        person=person,
                        organization=organization,
                        **form.service_fields(),
                    )
                except ServiceError as exc:
                    apply_service_errors(exc, form)
                else:
                    _saved(request)
                    return redirect("registry:person_detail", person_id=person.id)
    else:
        initial: dict[str, Any] = {}
        org_id = request.GET.get("organization")
        if org_id:
            initial["organization"] = _organization(request, org_id).customer_number
        form = RoleForm(initial=initial)
        auditing.record_person_view(
            request=request,
            person=person,
            fields=["first_name", "last_name"],
            page="role_form",
        )
    return render(
        request,
        "registry/role_form.html",
        {"form": form, "person": person, "role": None},
    )


@require(Perm.REGISTRY_CHANGE)
@require_http_methods(["GET", "POST"])
def role_edit(request: HttpRequest, role_id: uuid.UUID) -> HttpResponse:
    """Change a role's kind, title or period."""
    role = _role(request, role_id)
    if request.method == "POST":
        form = RoleFieldsForm(request.POST, creating=False)
        if form.is_valid():
            try:
                services.role_update(
                    actor=request.user, role=role, **form.service_fields()
                )
            except ServiceError as exc:
                apply_service_errors(exc, form)
            else:
                _saved(request)
                return redirect("registry:person_detail", person_id=role.person_id)
    else:
        form = RoleFieldsForm(
            creating=False,
            initial={
                "kind": role.kind,
                "title": role.title,
                "start_date": role.start_date,
                "end_date": role.end_date,
            },
        )
        auditing.record_person_view(
            request=request,
            person=role.person,
            fields=["first_name", "last_name", "roles"],
            page="role_form",
        )
    return render(
        request,
        "registry/role_form.html",
        {"form": form, "person": role.person, "role": role},
    )


@require(Perm.REGISTRY_CHANGE)
@require_POST
def role_end(request: HttpRequest, role_id: uuid.UUID) -> HttpResponse:
    """End a role today; back to the page the button was on."""
    role = _role(request, role_id)
    try:
        services.role_end(actor=request.user, role=role)
    except ServiceError as exc:
        for reason in exc.reasons():
            messages.error(request, reason)
    else:
        messages.success(request, _("The role has ended."))
    if request.POST.get("return_to") == "organization":
        return redirect(
            "registry:organization_detail", organization_id=role.organization_id
        )
    return redirect("registry:person_detail", person_id=role.person_id)


# --------------------------------------------------------------------------
# Search
# --------------------------------------------------------------------------


def _single_hit_url(results: selectors.SearchResults) -> str | None:
    if results.kind not in EXACT_KINDS or results.count != 1:
        return None
    if results.organizations:
        return reverse(
            "registry:organization_detail",
            kwargs={"organization_id": results.organizations[0].id},
        )
    return reverse(
        "registry:person_detail", kwargs={"person_id": results.persons[0].id}
    )


_ANY_ID = uuid.UUID(int=0)


def _detail_path(name: str, kwarg: str) -> str:
    """The detail route's path with ``{}`` where the id goes: reversed once
    per request instead of once per result."""
    return reverse(name, kwargs={kwarg: _ANY_ID}).replace(str(_ANY_ID), "{}")


def _result_rows(
    results: selectors.SearchResults, shown: Any
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The result list's rows as plain values, so the template only places
    them (the header search renders on every keystroke pause)."""
    # A path only for a kind that has results (an exact search has one).
    org_path = person_path = ""
    if results.organizations:
        org_path = _detail_path("registry:organization_detail", "organization_id")
    if results.persons:
        person_path = _detail_path("registry:person_detail", "person_id")
    orgs = [
        {
            "url": org_path.format(org.id),
            "title": org.name,
            "number": org.customer_number,
            "business_id": org.business_id,
            "status": org.get_status_display(),
        }
        for org in results.organizations
    ]
    show_email = "contact_email" in shown
    persons = []
    for person in results.persons:
        email = ""
        if show_email:
            first = next(iter(person.emails.all()), None)
            email = first.email if first is not None else ""
        persons.append(
            {
                "url": person_path.format(person.id),
                "title": person.full_name,
                "email": email,
            }
        )
    return orgs, persons


@require(Perm.REGISTRY_VIEW)
@require_http_methods(["GET", "POST"])
def search(request: HttpRequest) -> HttpResponse:
    """Global search by customer number, business ID, email, phone or name.

    The query is personal data, so it travels only in a POST body: a GET shows
    an empty form and ignores any ``?q=``. The header box posts with HTMX and
    gets just the result list; a plain POST of an exact identifier with a
    single hit jumps straight to the object.
    """
    if request.method != "POST":
        return render(
            request,
            "registry/search.html",
            {"form": SearchForm(), "results": None, "searched": False},
        )
    form = SearchForm(request.POST)
    q = form.cleaned_data["q"] if form.is_valid() else ""
    results = selectors.search(user=request.user, q=q)
    shown = visible_families(request.user)
    if q.strip():
        auditing.record_search(
            request=request,
            q=q,
            kind=results.kind,
            organizations=len(results.organizations),
            persons=len(results.persons),
            shown=shown,
        )
    org_rows, person_rows = _result_rows(results, shown)
    context = {
        "form": form,
        "results": results,
        "org_rows": org_rows,
        "person_rows": person_rows,
        "show_email": "contact_email" in shown,
        "searched": bool(q.strip()),
    }
    if request.htmx:
        # The result list alone, without the request's context processors:
        # they fill the navigation and the account banner of a full page,
        # which the header box's swap does not show, and the list is the
        # hot path of search (docs/benchmarks.md).
        return HttpResponse(
            render_to_string("registry/partials/search_results.html", context)
        )
    hit = _single_hit_url(results)
    if hit is not None:
        return redirect(hit)
    return render(request, "registry/search.html", context)
