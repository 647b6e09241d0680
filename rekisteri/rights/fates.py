"""What erasure does to each catalogued field of a located row: its fate
(docs/rights.md, Erasure). The plan and the execution
(:mod:`rekisteri.rights.erasure`) and the replay after a restore
(:mod:`rekisteri.rights.replay`) ask the same function.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps

from rekisteri.access import families as families_mod
from rekisteri.core import deferral, idlist, participants, rawdelete
from rekisteri.core.catalogue import (
    CatalogueEntry,
    Erasure,
    KeyClass,
    PersonalData,
    personal_fields,
)
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
    key = _key(located)
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


def _key(located: engine.Located) -> tuple[int, ...]:
    """What rows with the same parts share: their route and entries. Most
    rows carry their route's own entries (the same tuple), named by its
    identity alone; a row whose entries depend on its values names each."""
    route = located.route
    if located.entries is route.entries:
        return (id(route),)
    return (id(route), *map(id, located.entries))


def erased(scope: engine.Scope, memo: dict[Any, Any]) -> tuple[set[str], set[str]]:
    """(families, categories) an erasure of the scope erases, from ids
    alone: the engine's rows that are not kept, and what participants that
    erase hold. ``memo`` (kept by the caller for one call, see
    :func:`parts`) holds what every row of a kind and
    every participant's answer share, so a batch works each out once."""
    families: set[str] = set()
    categories: set[str] = set()
    # The person's kinds of row once each, not their hundred invoices.
    kinds = {_key(located): located for located in scope.rows}
    for located in kinds.values():
        for part in parts(located, memo):
            if part.fate != KEPT:
                families |= part.families
                categories |= part.categories
    erasing = memo.get("erasing")
    if erasing is None:
        erasing = memo["erasing"] = {
            p.name for p in participants.all_participants() if p.erase
        }
    for name, by_model in scope.participant_fields.items():
        if name not in erasing:
            continue
        for label, names in by_model.items():
            key = ("participant", label, tuple(names))
            found = memo.get(key)
            if found is None:
                entries = [
                    e
                    for e in personal_fields(apps.get_model(label))
                    if e.field_name in names
                ]
                found = memo[key] = (
                    {families_mod.family_of(e.classification) for e in entries},  # type: ignore[arg-type]
                    {e.classification.category for e in entries},  # type: ignore[union-attr]
                )
            families |= found[0]
            categories |= found[1]
    return families, categories


def erase_families(scope: engine.Scope, memo: dict[Any, Any] | None = None) -> set[str]:
    """Families an erasure of the scope would erase (from ids alone): the
    engine's rows that are not kept, and what participants that erase hold."""
    return erased(scope, {} if memo is None else memo)[0]


def erased_categories(
    scope: engine.Scope, memo: dict[Any, Any] | None = None
) -> set[str]:
    """Categories an erasure of the scope erases (not what it keeps): the
    recipients of these are told of it (Art. 19, ``rights.notices``)."""
    return erased(scope, {} if memo is None else memo)[1]


def row_counts(
    located: engine.Located, memo: dict[Any, Any]
) -> tuple[bool, tuple[tuple[str, int], ...], frozenset[str]]:
    """Whether the row is deleted, how many of its fields each family loses
    (deleted or shredded) and the categories of its fields; the same for
    every row of a route with the same entries, so worked out once per
    batch (``memo``, as :func:`parts`)."""
    key = ("counts", *_key(located))
    found = memo.get(key)
    if found is None:
        fates = [fate_of(located, e) for e in located.entries]
        by_family: dict[str, int] = {}
        for e, fate in zip(located.entries, fates, strict=True):
            if fate in (DELETED, SHREDDED):
                fam = families_mod.family_of(e.classification)  # type: ignore[arg-type]
                by_family[fam] = by_family.get(fam, 0) + 1
        found = memo[key] = (
            DELETED in fates,
            tuple(by_family.items()),
            frozenset(e.classification.category for e in located.entries),  # type: ignore[union-attr]
        )
    return found


def delete_rows(doomed: dict[type, list[Any]]) -> int:
    """Delete the rows whose fate is deleted (model → pks), one statement
    per kind of row and chunk; the models' delete receivers still see every
    row, through their bulk forms where each has one (core/rawdelete.py),
    and their per-row work is deferred and run once for the batch
    (core/deferral.py). Returns how many rows of those models went. The
    erasure and the replay after a restore delete alike."""
    deleted = 0
    with deferral.collect():
        for model, pks in doomed.items():
            for chunk in idlist.chunks(list(dict.fromkeys(pks))):
                found = model._default_manager.filter(idlist.among("pk", chunk))
                deleted += rawdelete.delete_bulk(found)
    return deleted
