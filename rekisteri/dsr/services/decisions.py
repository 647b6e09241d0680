"""Extending a case's deadline, refusing a request, withdrawing it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from rekisteri.access.enforce import NONE, write_service
from rekisteri.core import periods as deadlines
from rekisteri.core.errors import Conflict, FieldErrors
from rekisteri.dsr.choices import (
    Letter,
    Status,
)
from rekisteri.dsr.models import (
    RequestCase,
)
from rekisteri.dsr.services.casework import (
    WRITES_NO_PERSON_ROWS,
    audit_case,
    check_text,
    local_date,
    lock_case,
    move_case,
    reply,
    utc_now,
)


@write_service(subject=NONE, reason=WRITES_NO_PERSON_ROWS)
def case_extend(
    *,
    actor: Any,
    case: RequestCase,
    months: int,
    reason: str,
    informed_otherwise: bool = False,
    today: dt.date | None = None,
) -> RequestCase:
    """Extend by one or two further months (Art. 12(3)): only with reasons,
    only once, and only while the original deadline has not passed, since
    the requester must be informed within it."""
    errors = FieldErrors()
    text = check_text(errors, "reason", reason, required=True)
    if months not in (1, 2):
        errors.add("months", "invalid_choice", _("An extension is one or two months."))
    errors.raise_if_any()
    day = today or local_date(utc_now())
    with transaction.atomic():
        case = lock_case(case)
        if not case.is_open:
            raise Conflict(_("The case is closed."), code="closed")
        if case.extended_until is not None:
            raise Conflict(_("The case was already extended."), code="already_extended")
        if day > case.deadline:
            raise Conflict(
                _(
                    "The original deadline has passed: the requester had to be "
                    "informed of an extension before it."
                ),
                code="deadline_passed",
            )
        if (
            not case.requester_email
            and not case.requester_address
            and not informed_otherwise
        ):
            # Without either the letter cannot go out from here.
            raise Conflict(
                _(
                    "The requester has no email or postal address: inform them "
                    "by phone and record that they were informed."
                ),
                code="no_email",
            )
        case.extension_months = months
        case.extended_until = deadlines.extended_deadline(
            local_date(case.received_at), months
        )
        case.extension_reason = text
        case.extension_notified_at = utc_now()
        case.save()
        sent = reply(
            case=case,
            letter=Letter.EXTENSION,
            actor=actor,
            months=months,
            deadline=case.extended_until,
            reason=text,
        )
        audit_case(actor, "dsr.extend", case, months=months, letters=sent)
    return case


@write_service(subject=NONE, reason=WRITES_NO_PERSON_ROWS)
def case_refuse(*, actor: Any, case: RequestCase, reason: str) -> RequestCase:
    """Refuse (Art. 12(5): manifestly unfounded or excessive) with reasons;
    the reply states the remedies."""
    errors = FieldErrors()
    text = check_text(errors, "reason", reason, required=True)
    errors.raise_if_any()
    with transaction.atomic():
        case = lock_case(case)
        move_case(case, Status.REFUSED)
        case.status_reason = text
        case.closed_at = utc_now()
        case.save()
        sent = reply(case=case, letter=Letter.REFUSAL, actor=actor, reason=text)
        audit_case(actor, "dsr.refuse", case, letters=sent)
    return case


@write_service(subject=NONE, reason=WRITES_NO_PERSON_ROWS)
def case_withdraw(*, actor: Any, case: RequestCase, reason: str) -> RequestCase:
    errors = FieldErrors()
    text = check_text(errors, "reason", reason, required=True)
    errors.raise_if_any()
    with transaction.atomic():
        case = lock_case(case)
        move_case(case, Status.WITHDRAWN)
        case.status_reason = text
        case.closed_at = utc_now()
        case.save()
        audit_case(actor, "dsr.withdraw", case)
    return case
