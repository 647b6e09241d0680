"""What erasure does to each catalogued field of a located row: its fate
(docs/rights.md, Erasure). The plan and the execution
(:mod:`rekisteri.rights.erasure`) and the replay after a restore
(:mod:`rekisteri.rights.replay`) ask the same function.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rekisteri.access import families as families_mod
from rekisteri.core.catalogue import CatalogueEntry, Erasure, KeyClass, PersonalData
from rekisteri.rights import engine

SHREDDED = "shredded"
DELETED = "deleted"
ANONYMISED = "anonymised"
KEPT = "kept"
FATES = (SHREDDED, DELETED, ANONYMISED, KEPT)


def fate_of(located: engine.Located, entry: CatalogueEntry) -> str:
    c = entry.classification
    assert isinstance(c, PersonalData)
    if located.route.end == engine.ORGANIZATION:
        # A sole trader's company data follows the relationship's retention.
        return KEPT
    if any(
        e.classification.erasure == Erasure.DELETE  # type: ignore[union-attr]
        for e in located.entries
    ):
        return DELETED
    if c.erasure == Erasure.SHRED and c.key_class == KeyClass.CRM:
        return SHREDDED
    return KEPT


@dataclass(frozen=True)
class Part:
    """The entries of a located row that share a fate."""

    fate: str
    rule: str  # the retention rule of what is kept ("" otherwise)
    fields: frozenset[str]
    families: frozenset[str]
    categories: frozenset[str]


def parts(located: engine.Located, memo: dict[Any, Any]) -> tuple[Part, ...]:
    """:func:`fate_of` each of the row's entries, grouped by fate. Every row
    of a route with the same entries has the same parts (a hundred
    invoices), so they are worked out once per call: ``memo``, which the
    caller keeps for one call, keyed by identity (the routes and the
    catalogue's entries live as long as the process)."""
    key = (id(located.route), *map(id, located.entries))
    found = memo.get(key)
    if found is None:
        groups: dict[str, list[CatalogueEntry]] = {}
        for e in located.entries:
            groups.setdefault(fate_of(located, e), []).append(e)
        found = memo[key] = tuple(
            Part(
                fate=fate,
                rule=sorted(
                    {e.classification.retention for e in entries}  # type: ignore[union-attr]
                )[0]
                if fate == KEPT
                else "",
                fields=frozenset(e.field_name for e in entries),
                families=frozenset(
                    families_mod.family_of(e.classification)  # type: ignore[arg-type]
                    for e in entries
                ),
                categories=frozenset(
                    e.classification.category  # type: ignore[union-attr]
                    for e in entries
                ),
            )
            for fate, entries in groups.items()
        )
    return found
