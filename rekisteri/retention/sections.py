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

from django.template.loader import render_to_string

from rekisteri.access import families as families_mod
from rekisteri.accounts.permissions import Perm, has_perm
from rekisteri.core.catalogue import catalogue_entries
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


def rows_for(*, person_id: Any = None, organization_id: Any = None) -> list[dict]:
    rows = DueDate.objects.filter(
        person_id=person_id, organization_id=organization_id
    ).order_by("kept_until", "rule")
    fams = _families_by_rule()
    return [
        {
            "rule": row.rule,
            "rule_label": Rule(row.rule).label,
            "kept_until": row.kept_until,
            "anchor_on": row.anchor_on,
            "families": [families_mod.label(f) for f in fams.get(row.rule, ())],
        }
        for row in rows
    ]


def _render(request: Any, rows: list[dict], subject: str) -> str:
    if not has_perm(getattr(request, "user", None), Perm.REGISTRY_VIEW):
        return ""
    return render_to_string(
        "retention/partials/section.html",
        {"rows": rows, "subject": subject},
        request=request,
    )


def person_section(request: Any, person: Any) -> str:
    return _render(request, rows_for(person_id=person.pk), "person")


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
    """:func:`_person_until` for many persons, one query per 500."""
    ids = list(dict.fromkeys(person_ids))
    out: dict[Any, dt.date] = {}
    for i in range(0, len(ids), 500):
        for pid, day in DueDate.objects.filter(
            person_id__in=ids[i : i + 500], rule__in=PERSON_RULES
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
