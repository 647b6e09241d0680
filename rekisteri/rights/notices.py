"""Notification of recipients (Art. 19): every outside recipient that
received the categories concerned is told of a rectification, an erasure or
a restriction of processing, unless this proves impossible or involves
disproportionate effort (docs/rights.md, Notification of recipients).

:func:`open_for` opens one :class:`RecipientNotice` per recipient inside the
caller's transaction: ``rectification.rectify`` for the corrected
categories, ``erasure.erasure_execute`` for the erased ones and
``restrictions.services.restriction_place`` for every category of the
person's data. The recipients are the privacy office's party register and
the other apps' recipient providers, matched by category exactly as the
access export matches them (``privacy.recipients.receives``). The privacy
office records each notice (``rectification.notice_record``); the notices
are kept under the ``privacy_case`` rule and are part of the person's access
export, so the person can be told who the recipients were.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.apps import apps

from rekisteri.core.catalogue import personal_fields
from rekisteri.privacy.recipients import external_recipients, receives
from rekisteri.rights import engine
from rekisteri.rights.models import NoticeCause, RecipientNotice, Rectification


def open_for(
    person: Any,
    *,
    cause: str,
    categories: Iterable[str],
    case_ref: str = "",
    rectification: Rectification | None = None,
) -> list[RecipientNotice]:
    """One open notice per outside recipient that receives any of
    ``categories``; the notices made (none when nobody received them)."""
    return RecipientNotice.objects.bulk_create(
        _notices(
            person, external_recipients(), cause, categories, case_ref, rectification
        )
    )


def open_for_many(
    wanted: Iterable[tuple[Any, Iterable[str]]], *, cause: str, case_ref: str = ""
) -> dict[Any, int]:
    """:func:`open_for` for a batch of ``(person, categories)``: the
    recipients are read once and the notices written together; how many
    each person got, by id."""
    recipients = list(external_recipients())
    made: dict[Any, int] = {}
    rows: list[RecipientNotice] = []
    for person, categories in wanted:
        mine = _notices(person, recipients, cause, categories, case_ref, None)
        made[person.pk] = len(mine)
        rows.extend(mine)
    RecipientNotice.objects.bulk_create(rows)
    return made


def _notices(
    person: Any,
    recipients: Iterable[Any],
    cause: str,
    categories: Iterable[str],
    case_ref: str,
    rectification: Rectification | None,
) -> list[RecipientNotice]:
    wanted = sorted(set(categories))
    notices = []
    for recipient in recipients:
        received = [c for c in wanted if receives(recipient, c)]
        if received:
            notices.append(
                RecipientNotice(
                    person_id=person.pk,
                    cause=cause,
                    rectification=rectification,
                    case_ref=case_ref,
                    recipient=recipient.name[:200],
                    recipient_source=recipient.source[:32],
                    categories=received,
                )
            )
    return notices


def person_categories(scope: engine.Scope) -> set[str]:
    """Every catalogue category of the person's data, from ids alone: the
    rows the engine located and what the participants hold."""
    found = {
        e.classification.category  # type: ignore[union-attr]
        for located in scope.rows
        for e in located.entries
    }
    for by_model in scope.participant_fields.values():
        for label, names in by_model.items():
            found.update(
                e.classification.category  # type: ignore[union-attr]
                for e in personal_fields(apps.get_model(label))
                if e.field_name in names
            )
    return found


def restriction_notices(person: Any, *, case_ref: str = "") -> list[RecipientNotice]:
    """The recipients to tell that the person's processing is restricted:
    every recipient of any category of the person's data."""
    return open_for(
        person,
        cause=NoticeCause.RESTRICTION,
        categories=person_categories(engine.locate(person)),
        case_ref=case_ref,
    )
