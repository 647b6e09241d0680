""" "Kept until DATE under RULE" on the person and organization pages, and
the same dates in the rights engine's access export.

The register's pages render sections that upper apps register
(``registry.extensions``); the export reads a row's keep-until date from the
participants (``core.participants``). Both read the stored ``DueDate`` rows,
so the page, the export, the forecast and the sweep name one date.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

from django.db.models import OuterRef, Subquery
from django.db.models.functions import JSONArray
from django.template.loader import render_to_string

from rekisteri.access import families as families_mod
from rekisteri.accounts.permissions import Perm, has_perm
from rekisteri.core import idlist, participants
from rekisteri.core.catalogue import catalogue_entries
from rekisteri.core.jsonrows import JSONRows, rows_of
from rekisteri.core.participants import Participant
from rekisteri.retention.choices import Rule
from rekisteri.retention.models import DueDate


@cache
def _families_by_rule() -> dict[str, tuple[str, ...]]:
    """Data families whose fields are kept under each rule (staff data
    aside). A prospect's data is the data the relationship rule would keep."""
    found: dict[str, set[str]] = {}
    for e in catalogue_entries():
        c = e.classification
        if not c.personal or c.subject == "staff":
            continue
        found.setdefault(c.retention, set()).add(families_mod.family_of(c))  # type: ignore[arg-type]
    found[Rule.MARKETING] = found.get(Rule.RELATIONSHIP, set())
    return {rule: tuple(sorted(fams)) for rule, fams in found.items()}


ROWS = "retention_rows"


def person_rows() -> dict[str, Any]:
    """The person's due dates (``pk`` as ``OuterRef``) as one annotation of
    the person page's query (registry.extensions.register_person_annotations)."""
    return {
        ROWS: Subquery(
            DueDate.objects.filter(person_id=OuterRef("pk"), organization_id=None)
            .order_by()
            .values("person_id")
            .annotate(rows=JSONRows(JSONArray("rule", "kept_until", "anchor_on")))
            .values("rows")[:1]
        )
    }


def _day(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _rows(found: list[tuple[str, dt.date, dt.date | None]]) -> list[dict]:
    fams = _families_by_rule()
    return [
        {
            "rule": rule,
            "rule_label": Rule(rule).label,
            "kept_until": kept_until,
            "anchor_on": anchor_on,
            "families": [families_mod.label(f) for f in fams.get(rule, ())],
        }
        for rule, kept_until, anchor_on in sorted(found, key=lambda r: (r[1], r[0]))
    ]


def rows_for(*, person_id: Any = None, organization_id: Any = None) -> list[dict]:
    rows = DueDate.objects.filter(
        person_id=person_id, organization_id=organization_id
    ).values_list("rule", "kept_until", "anchor_on")
    return _rows(list(rows))


def _render(request: Any, rows: list[dict], subject: str) -> str:
    if not has_perm(getattr(request, "user", None), Perm.REGISTRY_VIEW):
        return ""
    return render_to_string(
        "retention/partials/section.html",
        {"rows": rows, "subject": subject},
        request=request,
    )


def person_section(request: Any, person: Any) -> str:
    if ROWS in person.__dict__:
        # Loaded with the person (person_rows).
        rows = _rows(
            [
                (rule, _day(until), _day(anchor))
                for rule, until, anchor in rows_of(person.__dict__[ROWS])
            ]
        )
    else:
        rows = rows_for(person_id=person.pk)
    return _render(request, rows, "person")


def organization_section(request: Any, organization: Any) -> str:
    return _render(request, rows_for(organization_id=organization.pk), "organization")


# -- the access export -------------------------------------------------------

PERSON_RULES = (Rule.RELATIONSHIP, Rule.MARKETING)


def _person_until(person_id: Any) -> dt.date | None:
    return (
        DueDate.objects.filter(person_id=person_id, rule__in=PERSON_RULES)
        .order_by("kept_until")
        .values_list("kept_until", flat=True)
        .first()
    )


def _persons_until(person_ids: list[Any]) -> dict[Any, dt.date]:
    """:func:`_person_until` for many persons, one query per 500. A
    person's rows of several kinds ask for the same persons: inside a batch
    (``participants.batch_scope``: an export, a plan) they are read once."""
    ids = list(dict.fromkeys(person_ids))
    key = ("retention.persons_until", participants.ids_key(ids))
    return participants.memo(key, lambda: _read_persons_until(ids))


def _read_persons_until(ids: list[Any]) -> dict[Any, dt.date]:
    out: dict[Any, dt.date] = {}
    for chunk in idlist.chunks(ids):
        for pid, day in DueDate.objects.filter(
            idlist.among("person_id", chunk), rule__in=PERSON_RULES
        ).values_list("person_id", "kept_until"):
            if pid not in out or day < out[pid]:
                out[pid] = day
    return out


def _rows_until(attname: str) -> Any:
    def until_many(rows: list[Any]) -> dict[Any, dt.date | None]:
        dates = _persons_until([getattr(r, attname) for r in rows])
        return {r.pk: dates.get(getattr(r, attname)) for r in rows}

    return until_many


PARTICIPANT = Participant(
    name="retention.dates",
    until_many={
        "registry.Person": _rows_until("pk"),
        "registry.PersonEmail": _rows_until("person_id"),
        "registry.PersonPhone": _rows_until("person_id"),
        "registry.Role": _rows_until("person_id"),
        "contracts.ContractParty": _rows_until("person_id"),
    },
    until={
        "registry.Person": lambda row: _person_until(row.pk),
        "registry.PersonEmail": lambda row: _person_until(row.person_id),
        "registry.PersonPhone": lambda row: _person_until(row.person_id),
        "registry.Role": lambda row: _person_until(row.person_id),
        "contracts.ContractParty": lambda row: _person_until(row.person_id),
    },
)
