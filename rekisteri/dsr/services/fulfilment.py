"""Carrying a case out: the rights engine's actions, manual records, and
completion with the reply letter and the export's download link."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from rekisteri.access.enforce import NONE, write_service
from rekisteri.core import sealed_files
from rekisteri.core.errors import Conflict, FieldErrors, ValidationFailed
from rekisteri.dsr import actions, letters
from rekisteri.dsr.choices import (
    Kind,
    Letter,
    Status,
)
from rekisteri.dsr.models import (
    CaseAction,
    ExportFile,
    RequestCase,
)
from rekisteri.dsr.services.casework import (
    WRITES_NO_PERSON_ROWS,
    audit_case,
    check_text,
    invalid_transition,
    local_date,
    lock_case,
    move_case,
    post_letter,
    reply,
    send_letter,
    staff_or_none,
    utc_now,
)
from rekisteri.dsr.services.codes import (
    new_code,
    new_token,
    secret_hash,
)
from rekisteri.dsr.services.downloads import EXPORT_LINK_DAYS, download_path
from rekisteri.dsr.services.intake import persons_with_email, persons_with_phone
from rekisteri.restrictions import services as restrictions


def _ready_for_actions(case: RequestCase, kind: str) -> None:
    if case.status != Status.IN_PROGRESS:
        raise Conflict(
            _("Actions are taken on a case in progress (identity verified)."),
            code="not_in_progress",
        )
    if kind not in case.kinds:
        raise ValidationFailed.single(
            "kind", "not_requested", _("That kind was not requested.")
        )
    if case.actions.filter(kind=kind).exists():
        raise Conflict(_("That kind is already done."), code="already_done")


def _store_export(
    case: RequestCase, data: bytes, filename: str, content_type: str
) -> None:
    ExportFile.objects.create(
        case=case,
        token_hash=None,
        code_hash="",
        filename=re.sub(r"[^A-Za-z0-9._-]", "_", filename or "export.bin")[:100],
        content_type=content_type[:100],
        content=data,
        size=len(data),
        expires_at=utc_now() + dt.timedelta(days=EXPORT_LINK_DAYS),
    )


@write_service(subject=NONE, reason=WRITES_NO_PERSON_ROWS)
def case_run_action(
    *,
    actor: Any,
    case: RequestCase,
    kind: str,
    params: Mapping[str, Any] | None = None,
) -> CaseAction:
    """Run the registered action for ``kind`` with staff's choices (those
    of ``params`` it registered) and record its receipt."""
    if actions.action_for(kind) is None:
        raise Conflict(
            _("No action is registered for this kind: record what was done."),
            code="no_action",
        )
    with transaction.atomic():
        case = lock_case(case)
        _ready_for_actions(case, kind)
        result = actions.run(kind, case=case, actor=actor, params=params)
        done = CaseAction.objects.create(
            case=case,
            kind=kind,
            reference=result.reference[:200],
            note=result.note or None,
            done_by=staff_or_none(actor),
            done_at=utc_now(),
        )
        if result.export is not None:
            _store_export(case, result.export, result.filename, result.content_type)
        audit_case(actor, "dsr.action", case, kind=kind, reference=done.reference)
    return done


@write_service(subject=NONE, reason=WRITES_NO_PERSON_ROWS)
def case_record_manual(
    *,
    actor: Any,
    case: RequestCase,
    kind: str,
    note: str,
    export: bytes | None = None,
    filename: str = "",
    content_type: str = "application/octet-stream",
) -> CaseAction:
    """Record by hand what was done for a kind that has no registered action
    (a rectification made in the register, a letter sent)."""
    errors = FieldErrors()
    text = check_text(errors, "note", note, required=True)
    errors.raise_if_any()
    if actions.action_for(kind) is not None:
        raise Conflict(
            _("This kind has an action: run it instead of recording by hand."),
            code="action_registered",
        )
    with transaction.atomic():
        case = lock_case(case)
        _ready_for_actions(case, kind)
        done = CaseAction.objects.create(
            case=case,
            kind=kind,
            manual=True,
            note=text,
            done_by=staff_or_none(actor),
            done_at=utc_now(),
        )
        if export:
            _store_export(case, export, filename, content_type)
        audit_case(actor, "dsr.action", case, kind=kind, manual=True)
    return done


@write_service(subject=NONE, reason=WRITES_NO_PERSON_ROWS)
def case_complete(*, actor: Any, case: RequestCase, base_url: str = "") -> RequestCase:
    """Complete the case: refused unless every requested kind is done. An
    export is released as a one-time link (sent) and a code (sent apart)."""
    with transaction.atomic():
        case = lock_case(case)
        done = set(case.actions.values_list("kind", flat=True))
        missing = [k for k in case.kinds if k not in done]
        if case.status != Status.IN_PROGRESS:
            # A case completes through its actions only once identity is
            # verified (an unverified one only by case_answer_none_held).
            raise invalid_transition(case)
        if missing:
            raise Conflict(
                _("Not every requested kind is done: %(kinds)s.")
                % {"kinds": ", ".join(str(Kind(k).label) for k in missing)},
                code="actions_missing",
            )
        # Exports handed over to staff go by post or in person; the rest
        # are linked in the reply.
        to_link = case.exports.filter(
            token_hash__isnull=True, handed_over_at__isnull=True
        )
        if not case.requester_email and to_link.exists():
            raise Conflict(
                _(
                    "The export needs the requester's email address for its "
                    "link; to deliver it by post, hand it over from the case "
                    "page first."
                ),
                code="no_email",
            )
        move_case(case, Status.COMPLETED)
        case.closed_at = utc_now()
        case.save()
        handed_over = sealed_files.shred(
            case.exports.filter(handed_over_at__isnull=False, deleted_at__isnull=True)
        )
        sent = []
        links = []
        for export in to_link:
            token, code = new_token(), new_code()
            export.token_hash = secret_hash("download", token)
            export.code_hash = secret_hash("download_code", code)
            export.expires_at = utc_now() + dt.timedelta(days=EXPORT_LINK_DAYS)
            export.save(update_fields=["token_hash", "code_hash", "expires_at"])
            links.append(
                (f"{base_url}{download_path(case.language, token)}", export, code)
            )
        if case.requester_email:
            download = "\n\n".join(
                [
                    letters.DOWNLOAD[case.language].format(
                        link=link,
                        until=letters.format_date(
                            local_date(e.expires_at), case.language
                        ),
                    )
                    for link, e, _code in links
                ]
                # A file they asked to have on paper.
                + ([letters.POSTED[case.language]] if handed_over else [])
            )
            send_letter(
                case=case,
                letter=Letter.COMPLETION,
                to=case.requester_email,
                actor=actor,
                download=download,
            )
            sent.append(Letter.COMPLETION)
            for _link, _e, code in links:
                send_letter(
                    case=case,
                    letter=Letter.DOWNLOAD_CODE,
                    to=case.requester_email,
                    actor=actor,
                    code=code,
                )
                sent.append(Letter.DOWNLOAD_CODE)
        elif case.requester_address:
            # By post: the handed-over exports go in the same envelope.
            post_letter(
                case=case,
                letter=Letter.COMPLETION,
                actor=actor,
                download=letters.ENCLOSED[case.language] if handed_over else "",
            )
            sent.append(Letter.COMPLETION)
        audit_case(
            actor,
            "dsr.complete",
            case,
            exports=len(links),
            handed_over=handed_over,
            letters=sent,
        )
    return case


# The reference each requested kind gets when the register holds nothing of
# the requester (case_answer_none_held).
NONE_HELD = "none_held"


@write_service(subject=NONE, reason=WRITES_NO_PERSON_ROWS)
def case_answer_none_held(*, actor: Any, case: RequestCase, note: str) -> RequestCase:
    """Answer that the register holds no personal data about the requester
    (Art. 15(1): the confirmation is itself the answer; nothing can be
    exported, erased, restricted or rectified) and close the case.

    Only for an open case with no person matched, and only while the
    register holds no person with the requester's email address or phone
    number: those would be matched instead. ``note`` says how staff
    searched (kept encrypted on each kind's record). The reply names no
    detail of the register; it goes to the requester's email, or by post
    to the address they gave (casework.reply), whatever identity step the
    case had reached: it tells them that the register holds nothing under
    the details given."""
    errors = FieldErrors()
    text = check_text(errors, "note", note, required=True)
    errors.raise_if_any()
    with transaction.atomic():
        case = lock_case(case)
        if not case.is_open:
            raise Conflict(_("The case is closed."), code="closed")
        if case.persons.exists():
            raise Conflict(
                _("Persons are matched to this case: run its actions instead."),
                code="persons_matched",
            )
        if (case.requester_email and persons_with_email(case.requester_email)) or (
            case.requester_phone and persons_with_phone(case.requester_phone)
        ):
            raise Conflict(
                _(
                    "The register holds a person with the requester's email "
                    "address or phone number: match them to the case."
                ),
                code="persons_found",
            )
        now = utc_now()
        done = set(case.actions.values_list("kind", flat=True))
        CaseAction.objects.bulk_create(
            CaseAction(
                case=case,
                kind=kind,
                manual=True,
                reference=NONE_HELD,
                note=text,
                done_by=staff_or_none(actor),
                done_at=now,
            )
            for kind in case.kinds
            if kind not in done
        )
        move_case(case, Status.COMPLETED)
        case.closed_at = now
        case.save()
        # An objection from someone not held: the addresses they gave go on
        # the suppression list, so a later import does not market them.
        objected = Kind.OBJECTION in case.kinds
        if objected:
            restrictions.suppression_add(
                actor=actor,
                emails=[case.requester_email] if case.requester_email else [],
                phones=[case.requester_phone] if case.requester_phone else [],
                case_ref=case.reference,
            )
        sent = reply(
            case=case, letter=Letter.NONE_HELD, actor=actor, suppressed=objected
        )
        audit_case(actor, "dsr.none_held", case, letters=sent, suppressed=objected)
    return case
