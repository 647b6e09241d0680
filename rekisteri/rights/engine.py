"""The rights engine: a person's rows, found from the catalogue.

Nothing here names a model. For every model with personal fields, the
catalogue's subject paths (:func:`rekisteri.core.catalogue.subject_paths`)
say how a row leads to its data subject:

* a path that ends at the Person (``"self"``, ``"person"``,
  ``"billing_contact"``) is filtered by the person directly;
* a path that ends at an Organization is the customer relationship's data,
  which is the person's own only when the field says so with a condition
  (``when="sole_trader"``: a sole trader's company data is the trader's).
  Such rows are found through the organizations the person holds a role at;
* ``"staff"`` data is about employees, not customers, and is not the
  engine's business.

Models a participant covers (rekisteri.core.participants: message history,
contracts a person is a party of) are left to it. :func:`unreachable`
lists models whose personal data neither reaches; the system check
``rights.E001`` fails ``manage.py check`` on them.

:func:`locate` finds rows and the fields that apply to each WITHOUT reading
a personal value (encrypted fields decrypt only when read), so the caller
can check the need-to-know matrix before anything is read or written.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import Q, QuerySet, Value

from rekisteri.access import families as families_mod
from rekisteri.core import compiled, idlist, participants
from rekisteri.core.catalogue import (
    CatalogueEntry,
    PersonalData,
    iter_models,
    personal_fields,
    subject_fields,
    subject_paths,
)
from rekisteri.core.dbrouter import on_primary

PERSON = "registry.Person"
ORGANIZATION = "registry.Organization"


def _path_end(model: type[models.Model], path: str) -> str | None:
    """The label of the model a subject path ends at (None: not followed)."""
    if path == "self":
        return model._meta.label
    if path == "organization" and model._meta.label == ORGANIZATION:
        return ORGANIZATION
    current = model
    for part in path.split("__"):
        try:
            f = current._meta.get_field(part)
        except Exception:
            return None
        if not f.is_relation or f.related_model is None or f.many_to_many:
            return None
        related = f.related_model
        # A lazy reference ("registry.Person") of a model outside the app
        # registry the model was built in.
        current = apps.get_model(related) if isinstance(related, str) else related
    return current._meta.label


@dataclass(frozen=True)
class Route:
    """One way from a model's rows to a person: a path and its fields."""

    path: str
    end: str  # PERSON or ORGANIZATION
    earlier: tuple[str, ...]  # alternatives listed before it (must be unset)
    entries: tuple[CatalogueEntry, ...]


@dataclass(frozen=True)
class ModelPlan:
    """How the engine reaches one model's personal data."""

    model: type[models.Model]
    routes: tuple[Route, ...]

    @property
    def label(self) -> str:
        return self.model._meta.label


def _routes(model: type[models.Model]) -> tuple[list[Route], list[str]]:
    """The model's routes, and the problems that keep the engine off it."""
    by_path: dict[str, list[CatalogueEntry]] = {}
    order: dict[str, tuple[str, ...]] = {}
    problems: list[str] = []
    for entry in subject_fields(model):
        c = entry.classification
        assert isinstance(c, PersonalData)
        alternatives = subject_paths(c.subject)
        for i, path in enumerate(alternatives):
            end = _path_end(model, path)
            if end == ORGANIZATION and c.when is None:
                problems.append(
                    f"{entry.label}: its subject path {path!r} ends at the "
                    "organization and no condition (when=) says whose personal "
                    "data it is"
                )
                continue
            if end not in (PERSON, ORGANIZATION):
                problems.append(
                    f"{entry.label}: its subject path {path!r} does not lead to "
                    "a person"
                )
                continue
            by_path.setdefault(path, []).append(entry)
            order[path] = tuple(alternatives[:i])
    routes = [
        Route(
            path=path,
            end=_path_end(model, path) or "",
            earlier=order[path],
            entries=tuple(entries),
        )
        for path, entries in by_path.items()
    ]
    return routes, problems


@cache
def model_plans() -> tuple[ModelPlan, ...]:
    """Every model the engine itself reaches (participants' models left out)."""
    covered = participants.covered_models()
    plans = []
    for model in iter_models():
        if model._meta.proxy or model._meta.label in covered:
            continue
        routes, _problems = _routes(model)
        if routes:
            plans.append(ModelPlan(model, tuple(routes)))
    return tuple(plans)


def unreachable(models_: Iterable[type[models.Model]] | None = None) -> list[str]:
    """Why personal data of some model cannot be reached from a person."""
    covered = participants.covered_models() | participants.unlinked_models()
    problems: list[str] = []
    for model in models_ if models_ is not None else iter_models():
        if model._meta.proxy or model._meta.label in covered:
            continue
        problems.extend(_routes(model)[1])
    return problems


# --------------------------------------------------------------------------
# Locating a person's rows
# --------------------------------------------------------------------------


@dataclass
class Located:
    """One row of a person's data and the catalogue fields that apply to it."""

    model: type[models.Model]
    row: Any  # a model instance, or RowValues (locate_many without values)
    route: Route
    entries: tuple[CatalogueEntry, ...]

    @property
    def label(self) -> str:
        return self.model._meta.label


@dataclass
class Scope:
    """What a person's data consists of, found without reading a value."""

    person: Any
    rows: list[Located] = field(default_factory=list)
    # participant name -> model label -> field names it holds for the person
    participant_fields: dict[str, dict[str, tuple[str, ...]]] = field(
        default_factory=dict
    )

    def families(self) -> set[str]:
        found: set[str] = set()
        for located in self.rows:
            for e in located.entries:
                found.add(families_mod.family_of(e.classification))  # type: ignore[arg-type]
        for by_model in self.participant_fields.values():
            for label, names in by_model.items():
                model = apps.get_model(label)
                for e in personal_fields(model):
                    if e.field_name in names:
                        found.add(families_mod.family_of(e.classification))  # type: ignore[arg-type]
        return found


def sole_trader_orgs(person: Any) -> list[uuid.UUID]:
    """Sole traders' organizations the person holds (or held) a role at."""
    Role = apps.get_model("registry", "Role")
    return list(
        Role.objects.filter(person=person, organization__sole_trader=True)
        .values_list("organization_id", flat=True)
        .distinct()
    )


@on_primary
def locate(person: Any, *, values: bool = True) -> Scope:
    """Every row of the person's data; no personal value is read (the one
    person case of :func:`locate_many`, which first asks which kinds of row
    the person has at all: ``probe``). Without ``values`` the rows hold only
    what locates them (the erasure plan: see :func:`locate_many`)."""
    return locate_many([person], probe=True, values=values)[person.pk]


# --------------------------------------------------------------------------
# Locating many persons' rows at once (a batch erasure)
# --------------------------------------------------------------------------

CHUNK = idlist.CHUNK  # ids in one IN list on SQLite


def _subject_attname(plan: ModelPlan, route: Route) -> str:
    """The column of a row that names its person (or organization)."""
    if route.path == "self" or (
        plan.label == ORGANIZATION and route.path == "organization"
    ):
        return "pk"
    return plan.model._meta.get_field(route.path).attname


def _route_rows(
    plan: ModelPlan, route: Route, keys: Any, *, listed: bool = False
) -> models.QuerySet:
    """The rows of ``plan``'s model that ``route`` leads from ``keys``
    (persons, or sole traders' organizations: ids, or a subquery of them;
    ``listed``: a list of ids, filtered with ``core.idlist``)."""
    attname = _subject_attname(plan, route)
    lookup = "pk" if attname == "pk" else route.path
    qs = plan.model._default_manager.filter(
        idlist.among(lookup, keys) if listed else Q(**{f"{lookup}__in": keys})
    )
    for earlier in route.earlier:
        qs = qs.filter(**{f"{earlier}__isnull": True})
    return qs


def _sole_traders(ids: list[Any], *, listed: bool = False) -> models.QuerySet:
    """Roles the persons ``ids`` hold (or held) at sole traders."""
    Role = apps.get_model("registry", "Role")
    who = idlist.among("person_id", ids) if listed else Q(person_id__in=ids)
    return Role.objects.filter(who, organization__sole_trader=True)


def _probe(ids: list[Any]) -> QuerySet:
    """Every route's rows from the persons ``ids`` as the route's number
    (:func:`_present`), one UNION."""
    orgs = _sole_traders(ids).values("organization_id")
    return _union(
        [
            _route_rows(plan, route, orgs if route.end == ORGANIZATION else ids)
            .order_by()
            .values_list(Value(i, output_field=models.IntegerField()))
            for i, (plan, route) in enumerate(_routes_in_order())
        ]
    )


def _union(parts: list[QuerySet]) -> QuerySet:
    return parts[0].union(*parts[1:])


@cache
def _routes_in_order() -> tuple[tuple[ModelPlan, Route], ...]:
    return tuple((plan, route) for plan in model_plans() for route in plan.routes)


def _present(ids: list[Any]) -> tuple[set[str], bool]:
    """The labels of the models that hold a row for the persons ``ids``
    (directly, or through a sole trader's organization they hold a role
    at), and whether any is reached through such an organization: one query
    (:func:`_probe`), compiled once per process (core/compiled.py). Most
    people have no row of most kinds, and each kind asked for is a query."""
    routes = _routes_in_order()
    if not routes:
        return set(), False
    Person = apps.get_model(PERSON)
    found = [
        routes[i]
        for (i,) in compiled.rows(
            "rights.engine.probe", _probe, ids, model=Person, field=Person._meta.pk
        )
    ]
    return (
        {plan.label for plan, _route in found},
        any(route.end == ORGANIZATION for _plan, route in found),
    )


def _locating_fields(plan: ModelPlan, route: Route) -> tuple[str, ...]:
    """The fields a located row needs: its id, the column that names its
    person (or organization) and the conditions (``when``) of its entries."""
    names = {plan.model._meta.pk.name}
    if route.path != "self" and _subject_attname(plan, route) != "pk":
        names.add(route.path)
    names.update(
        e.classification.when  # type: ignore[union-attr]
        for e in route.entries
        if e.classification.when  # type: ignore[union-attr]
    )
    return tuple(sorted(names))


class RowValues:
    """A located row read as values: its id and the columns that locate it
    (:func:`_locating_fields`), for a caller that reads no other value (the
    erasure plan, and the erasure, which deletes by id). Answers ``pk``,
    the columns by attribute name (``person_id``) and
    ``get_deferred_fields`` as a model instance read with ``only`` would."""

    __slots__ = ("_model", "_values", "pk")

    def __init__(self, model: type[models.Model], values: dict[str, Any]) -> None:
        self._model = model
        self._values = values
        self.pk = values[model._meta.pk.attname]

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def get_deferred_fields(self) -> set[str]:
        return {
            f.attname
            for f in self._model._meta.concrete_fields
            if f.attname not in self._values
        }


@cache
def _value_columns(plan: ModelPlan, route: Route) -> tuple[str, ...]:
    """The columns (attribute names) a located row is read with."""
    return tuple(
        plan.model._meta.get_field(name).attname
        for name in _locating_fields(plan, route)
    )


def _value_rows(
    plan: ModelPlan, route: Route, number: int, ids: list[Any]
) -> Iterable[RowValues]:
    """The rows ``route`` (the ``number``-th of ``plan``) leads from
    ``ids``, read as values: one statement compiled once per process
    (core/compiled.py), since every erasure and plan asks it again."""
    names = _value_columns(plan, route)
    model = plan.model
    for values in compiled.among_rows(
        ("rights.engine.locate", plan.label, number),
        lambda keys: (
            _route_rows(plan, route, keys, listed=True)
            .order_by("pk")
            .values_list(*names)
        ),
        ids,
        model=model,
    ):
        yield RowValues(model, dict(zip(names, values, strict=True)))


@on_primary
def locate_many(
    persons: Iterable[Any], *, probe: bool = False, values: bool = True
) -> dict[Any, Scope]:
    """:func:`locate` for many persons with a fixed number of queries per
    kind of row (per ``CHUNK`` persons): person id → their Scope, equal to
    what :func:`locate` finds for each. A row of a sole trader's company is
    located for every person holding a role there. Participants answer
    through their ``scope_many`` (``participants.run_scope_many``).

    With ``probe`` (persons that fit one ``CHUNK``), one query first finds
    which kinds of row exist (:func:`_present`), and only those are read.
    Without ``values`` a row is read as values, with only the fields that
    locate it (:func:`_locating_fields`, :class:`RowValues`): for a caller
    that counts rows and reads no value, such as the erasure plan (a
    hundred invoices of forty-seven columns each cost more to build than to
    find)."""
    persons = list(persons)
    ids = [p.pk for p in persons]
    scopes = {p.pk: Scope(person=p) for p in persons}
    present: set[str] | None = None
    through_orgs = True
    if probe and len(ids) <= CHUNK:
        present, through_orgs = _present(ids)
    holders: dict[Any, list[Any]] = {}  # sole trader organization → persons
    for chunk in idlist.chunks(ids) if through_orgs else ():
        for pid, oid in (
            _sole_traders(chunk, listed=True)
            .order_by()
            .values_list("person_id", "organization_id")
            .distinct()
        ):
            if pid not in holders.setdefault(oid, []):
                holders[oid].append(pid)
    orgs = list(holders)
    for plan in model_plans():
        if present is not None and plan.label not in present:
            continue
        seen: dict[Any, set[Any]] = {}
        for number, route in enumerate(plan.routes):
            keys = orgs if route.end == ORGANIZATION else ids
            if not keys:
                continue
            attname = _subject_attname(plan, route)
            # Most routes' entries hold whatever the row says: worked out
            # once for the route, not once per row (a batch reads thousands).
            conditional = any(
                e.classification.when  # type: ignore[union-attr]
                for e in route.entries
            )
            through_org = route.end == ORGANIZATION
            for chunk in idlist.chunks(keys):
                rows: Iterable[Any] = (
                    _route_rows(plan, route, chunk, listed=True).order_by("pk")
                    if values
                    else _value_rows(plan, route, number, chunk)
                )
                for row in rows:
                    subject = getattr(row, attname)
                    owners = holders.get(subject, []) if through_org else (subject,)
                    entries = (
                        tuple(
                            e
                            for e in route.entries
                            if e.classification.when is None  # type: ignore[union-attr]
                            or getattr(row, e.classification.when)  # type: ignore[union-attr]
                        )
                        if conditional
                        else route.entries
                    )
                    if not entries:
                        continue
                    for pid in owners:
                        if row.pk in seen.setdefault(pid, set()):
                            continue
                        seen[pid].add(row.pk)
                        scopes[pid].rows.append(
                            Located(plan.model, row, route, entries)
                        )
    for name, by_person in participants.run_scope_many(persons).items():
        for pid, found in by_person.items():
            if found:
                scopes[pid].participant_fields[name] = found
    return scopes
