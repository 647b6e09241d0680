"""Erasure (Art. 17): the plan and its execution, one path for every caller.

::

    erasure_plan(actor=user, person=person)           -> dict (dry run)
    erasure_execute(actor=user, person=person, reason="...", case_ref="DSR-12")
                                                      -> dict (the receipt)

The request-case actions (``dsr.engine_actions``), the person page, the API
and the retention sweep (``retention.sweep``) all erase through
:func:`erasure_execute`. ``actor=None`` is the system itself (a scheduled
sweep), which the need-to-know matrix does not restrict. Everything is
derived from the catalogue through :mod:`rekisteri.rights.engine` and the
participants apps register (rekisteri.core.participants); nothing here
names a field. Authorization comes first: the rows are located by id only,
the families they hold are checked against the matrix's ``erase`` column,
and only then is a value read or written (docs/rights.md).
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rekisteri.access import families as families_mod
from rekisteri.access.choices import Action
from rekisteri.access.enforce import (
    PERSON,
    authorize_write,
    not_a_write_service,
    write_service,
)
from rekisteri.audit.choices import Outcome
from rekisteri.audit.services import audit_record
from rekisteri.core import holds, participants
from rekisteri.core.catalogue import (
    CatalogueEntry,
    Erasure,
    KeyClass,
    PersonalData,
    personal_fields,
)
from rekisteri.core.dbrouter import on_primary
from rekisteri.core.errors import FieldErrors
from rekisteri.registry.models import Person
from rekisteri.registry.services import person_shred
from rekisteri.rights import engine, notices
from rekisteri.rights.models import ErasureReceipt, NoticeCause
from rekisteri.rights.services import CASE_REF, authorize, receipt_for, until_of

PLAN_FORMAT = "rekisteri.erasure-plan"

SHREDDED = "shredded"
DELETED = "deleted"
ANONYMISED = "anonymised"
KEPT = "kept"
FATES = (SHREDDED, DELETED, ANONYMISED, KEPT)

# Why something is kept, by retention rule: the legal ground an erasure plan
# and a receipt name (Art. 17(3)).
GROUNDS: dict[str, tuple[str, str]] = {
    "bookkeeping_voucher": (
        "accounting_act",
        "Accounting Act (kirjanpitolaki 1336/1997) 2:10, GDPR Art. 17(3)(b): "
        "accounting vouchers are kept 6 years from the end of the calendar "
        "year in which the financial year ended",
    ),
    "bookkeeping_book": (
        "accounting_act",
        "Accounting Act (kirjanpitolaki 1336/1997) 2:10, GDPR Art. 17(3)(b): "
        "books are kept 10 years from the end of the financial year",
    ),
    "privacy_case": (
        "legal_obligation",
        "GDPR Art. 5(2) and 17(3)(b): the record of how the controller met its "
        "duties to the person (requests answered, restrictions and objections "
        "honoured, Art. 14 notices given) is kept until the privacy case's "
        "retention ends",
    ),
    "relationship": (
        "customer_relationship",
        "Data of the customer organization's relationship, erased when its "
        "retention ends (GDPR Art. 17(1)(a) does not reach the organization's "
        "records)",
    ),
}
EXTRA_GROUNDS: dict[str, str] = {
    "customer_relationship_history": (
        "The customer organization's message history, kept for the other "
        "people in it; the person's own participation is removed"
    ),
    "customer_relationship_contract": (
        "The customer organization's contract, kept for its relationship; the "
        "person's party rows are removed"
    ),
}


# --------------------------------------------------------------------------
# Erasure plan (dry run)
# --------------------------------------------------------------------------


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


def ground_of(code: str) -> dict[str, str] | None:
    if not code:
        return None
    if code in GROUNDS:
        ground_code, label = GROUNDS[code]
        return {"code": ground_code, "label": label}
    if code in EXTRA_GROUNDS:
        return {"code": code, "label": EXTRA_GROUNDS[code]}
    return {"code": code, "label": code}


def plan_items(scope: engine.Scope) -> list[dict[str, Any]]:
    groups: dict[tuple[str, str, str], dict[str, Any]] = {}
    for located in scope.rows:
        until = until_of(located)
        by_fate: dict[str, list[CatalogueEntry]] = {}
        for e in located.entries:
            by_fate.setdefault(fate_of(located, e), []).append(e)
        for fate, entries in by_fate.items():
            rule = ""
            if fate == KEPT:
                rule = sorted(
                    {e.classification.retention for e in entries}  # type: ignore[union-attr]
                )[0]
            key = (located.label, fate, rule)
            g = groups.setdefault(
                key,
                {
                    "model": located.label,
                    "title": str(located.model._meta.verbose_name),
                    "rows": set(),
                    "fate": fate,
                    "fields": set(),
                    "families": set(),
                    "ground": ground_of(rule) if fate == KEPT else None,
                    "retention": rule or None,
                    "until": None,
                    "note": "",
                },
            )
            g["rows"].add(located.row.pk)
            g["fields"].update(e.field_name for e in entries)
            g["families"].update(
                families_mod.family_of(e.classification)  # type: ignore[arg-type]
                for e in entries
            )
            if fate == KEPT and until and (g["until"] is None or until > g["until"]):
                g["until"] = until
    items = []
    for g in groups.values():
        items.append(
            {
                **g,
                "rows": None,
                "count": len(g["rows"]),
                "fields": sorted(g["fields"]),
                "families": sorted(g["families"]),
                "until": g["until"].isoformat() if g["until"] else None,
            }
        )
    for p in participants.all_participants():
        if p.plan is None or p.name not in scope.participant_fields:
            continue
        for pi in p.plan(scope.person):
            model = apps.get_model(pi.model)
            fam = {
                families_mod.family_of(e.classification)  # type: ignore[arg-type]
                for e in personal_fields(model)
                if e.field_name in pi.fields
            }
            items.append(
                {
                    "model": pi.model,
                    "title": str(model._meta.verbose_name),
                    "count": pi.count,
                    "fate": pi.fate,
                    "fields": list(pi.fields),
                    "families": sorted(fam),
                    "ground": ground_of(pi.ground),
                    "retention": pi.retention or None,
                    "until": pi.until.isoformat() if pi.until else None,
                    "note": pi.note,
                }
            )
    for item in items:
        item.pop("rows", None)
    order = {f: i for i, f in enumerate(FATES)}
    items.sort(key=lambda i: (order[i["fate"]], i["model"]))
    return items


def erase_families(scope: engine.Scope) -> set[str]:
    """Families an erasure of the scope would erase (from ids alone): the
    engine's rows that are not kept, and what participants that erase hold."""
    found = {
        families_mod.family_of(e.classification)  # type: ignore[arg-type]
        for located in scope.rows
        for e in located.entries
        if fate_of(located, e) != KEPT
    }
    erasing = {p.name for p in participants.all_participants() if p.erase}
    for name, by_model in scope.participant_fields.items():
        if name not in erasing:
            continue
        for label, names in by_model.items():
            found.update(
                families_mod.family_of(e.classification)  # type: ignore[arg-type]
                for e in personal_fields(apps.get_model(label))
                if e.field_name in names
            )
    return found


def erased_categories(scope: engine.Scope) -> set[str]:
    """Categories an erasure of the scope erases (not what it keeps): the
    recipients of these are told of it (Art. 19, ``rights.notices``)."""
    found = {
        e.classification.category  # type: ignore[union-attr]
        for located in scope.rows
        for e in located.entries
        if fate_of(located, e) != KEPT
    }
    erasing = {p.name for p in participants.all_participants() if p.erase}
    for name, by_model in scope.participant_fields.items():
        if name in erasing:
            found.update(
                e.classification.category  # type: ignore[union-attr]
                for label, names in by_model.items()
                for e in personal_fields(apps.get_model(label))
                if e.field_name in names
            )
    return found


def _notify_recipients(person: Person, scope: engine.Scope, case_ref: str) -> int:
    """Art. 19: one notice per recipient of an erased category."""
    return len(
        notices.open_for(
            person,
            cause=NoticeCause.ERASURE,
            categories=erased_categories(scope),
            case_ref=case_ref,
        )
    )


def plan_dict(person: Person, items: list[dict[str, Any]]) -> dict[str, Any]:
    held = holds.holds_for_person(person.pk)
    receipt = receipt_for(person)
    return {
        "format": PLAN_FORMAT,
        "person": str(person.pk),
        "generated_at": timezone.now().isoformat(),
        "already_erased": receipt is not None,
        "holds": [{"code": h.code, "message": h.message} for h in held],
        "executable": not held and receipt is None,
        "items": items,
        "summary": {
            fate: sum(i["count"] for i in items if i["fate"] == fate) for fate in FATES
        },
    }


@not_a_write_service(
    "a dry run: reads what erasure would do, after the matrix's erase column "
    "allowed it, and changes nothing"
)
@on_primary
def erasure_plan(*, actor: Any, person: Person) -> dict[str, Any]:
    """What erasing ``person`` would do, item by item; nothing changes.

    Each item: the kind of row, how many, its fate (shredded, deleted,
    anonymised, kept) and, for what is kept, the legal ground and the date
    until which it is kept where it can be computed. Legal holds are listed;
    while one exists the plan is not executable.
    """
    scope = engine.locate(person)
    # Matrix first: the erase column for what an execution would erase,
    # before a participant reads the person's addresses to plan.
    authorize(actor, person, Action.ERASE, erase_families(scope))
    items = plan_items(scope)
    plan = plan_dict(person, items)
    audit_record(
        actor=actor,
        action="rights.erasure_plan",
        target_type="person",
        target_id=person.pk,
        subject_id=person.pk,
        purpose="customer_relationship",
        details={
            "summary": plan["summary"],
            "holds": [h["code"] for h in plan["holds"]],
        },
    )
    return plan


# --------------------------------------------------------------------------
# Erasure (Art. 17)
# --------------------------------------------------------------------------


class _Held(Exception):
    """Leaves the erasure's transaction, unwritten, when a hold exists."""

    def __init__(self, held: list[holds.Hold]) -> None:
        super().__init__()
        self.held = held


def _refused(actor: Any, person: Person, held: list[holds.Hold]) -> Exception:
    """Record the refusal (outside the transaction, so it survives) and give
    the Conflict that names every hold."""
    audit_record(
        actor=actor,
        action="rights.erase",
        outcome=Outcome.DENIED,
        target_type="person",
        target_id=person.pk,
        subject_id=person.pk,
        purpose="customer_relationship",
        details={"holds": [h.code for h in held]},
    )
    return holds.refusal(held)


def _validate(reason: str, case_ref: str | None) -> tuple[str, str]:
    errors = FieldErrors()
    reason = (reason or "").strip()
    case_ref = (case_ref or "").strip()
    if not reason:
        errors.add("reason", "required", _("Give the reason for the erasure."))
    elif len(reason) > 200:
        errors.add("reason", "too_long", _("At most 200 characters."))
    if case_ref and not CASE_REF.match(case_ref):
        errors.add(
            "case_ref",
            "invalid",
            _(
                "A request or case reference: letters, digits and . _ / - only, "
                "at most 64 characters."
            ),
        )
    errors.raise_if_any()
    return reason, case_ref


def receipt_dict(receipt: ErasureReceipt, *, already: bool = False) -> dict[str, Any]:
    """The receipt as the person may be given it: no personal data."""
    return {
        "receipt": str(receipt.pk),
        "case_ref": receipt.case_ref or None,
        "executed_at": receipt.executed_at.isoformat(),
        "already_erased": already,
        "message": (
            _("Already erased on %(day)s; nothing was changed.")
            % {"day": timezone.localtime(receipt.executed_at).date().isoformat()}
            if already
            else _("Erased.")
        ),
        "counts": receipt.counts,
        "kept": receipt.kept,
    }


@write_service(subject=PERSON)
@on_primary
def erasure_execute(
    *, actor: Any, person: Person, reason: str, case_ref: str | None = None
) -> dict[str, Any]:
    """Erase ``person`` and return the receipt (see :func:`receipt_dict`).

    Re-checks legal holds and the matrix's erase column now, in the
    transaction that writes: refused with :class:`Conflict` (``legal_hold``,
    naming every hold) or :class:`Forbidden` with nothing changed. Deletes
    the rows the catalogue declares deleted (roles, contract parties), runs
    every participant's erasure and shreds the CRM key
    (``registry.services.person_shred``), and writes the receipt. Erasing
    an erased person is a no-op that says so.
    """
    reason, case_ref = _validate(reason, case_ref)
    existing = receipt_for(person)
    if existing is not None:
        audit_record(
            actor=actor,
            action="rights.erase",
            target_type="person",
            target_id=person.pk,
            subject_id=person.pk,
            purpose="customer_relationship",
            details={"noop": True, "receipt": str(existing.pk)},
        )
        return receipt_dict(existing, already=True)
    # The matrix before anything is read or written, and the refusal
    # recorded outside the transaction so the record survives it (the
    # system, actor None, is not restricted by the matrix: nothing to ask).
    if actor is not None:
        authorize(actor, person, Action.ERASE, erase_families(engine.locate(person)))
    # Then the subject refusals of the one enforcement point (a restriction
    # of processing: lift it first), before anything is written; the matrix
    # was asked just above, with its refusal recorded.
    authorize_write(actor=None, person_id=person.pk, operation="rights.erase")
    try:
        with transaction.atomic():
            return _execute(actor, person, reason, case_ref)
    except _Held as exc:
        raise _refused(actor, person, exc.held) from None


def _execute(actor: Any, person: Person, reason: str, case_ref: str) -> dict[str, Any]:
    """The erasure itself, in the caller's transaction."""
    # Serialise with edits and a second erasure of the same person, then
    # check what holds now.
    person = Person.objects.select_for_update().get(pk=person.pk)
    held = holds.holds_for_person(person.pk)
    if held:
        raise _Held(held)
    scope = engine.locate(person)
    needed = erase_families(scope)
    authorize(actor, person, Action.ERASE, needed)
    items = plan_items(scope)
    counts: dict[str, int] = {}
    doomed: dict[type, list[Any]] = {}
    for located in scope.rows:
        fates = {e.field_name: fate_of(located, e) for e in located.entries}
        for e in located.entries:
            if fates[e.field_name] in (DELETED, SHREDDED):
                fam = families_mod.family_of(e.classification)  # type: ignore[arg-type]
                counts[fam] = counts.get(fam, 0) + 1
        if DELETED in fates.values():
            doomed.setdefault(located.model, []).append(located.row.pk)
    # One delete per kind of row (the model's signals still run).
    for model, pks in doomed.items():
        model._default_manager.filter(pk__in=pks).delete()
    shred_counts = _shred(actor=actor, person=person, reason=reason)
    kept = [
        {
            "model": i["model"],
            "count": i["count"],
            "ground": (i["ground"] or {}).get("code"),
            "ground_label": (i["ground"] or {}).get("label"),
            "retention": i["retention"],
            "until": i["until"],
        }
        for i in items
        if i["fate"] == KEPT
    ]
    receipt = ErasureReceipt.objects.create(
        subject_id=person.pk,
        case_ref=case_ref,
        executed_by=actor,
        counts={
            "families": dict(sorted(counts.items())),
            "participants": shred_counts,
        },
        kept=kept,
    )
    told = _notify_recipients(person, scope, case_ref)
    audit_record(
        actor=actor,
        action="rights.erase",
        target_type="person",
        target_id=person.pk,
        subject_id=person.pk,
        categories=sorted(
            {
                e.classification.category  # type: ignore[union-attr]
                for loc in scope.rows
                for e in loc.entries
            }
        ),
        purpose="customer_relationship",
        details={
            "receipt": str(receipt.pk),
            "families": sorted(needed),
            "kept": len(kept),
            "recipients": told,
        },
    )
    return receipt_dict(receipt)


def _shred(*, actor: Any, person: Person, reason: str) -> dict[str, dict[str, int]]:
    """Run every participant's erasure (while the person's addresses can
    still be read), then shred the CRM key through the register's
    person_shred; the participants' counts go on the receipt."""
    counts = participants.run_erase(actor=actor, person=person)
    person_shred(
        actor=actor,
        person=person,
        reason=f"erasure: {reason}"[:40],
        run_participants=False,
    )
    return counts
