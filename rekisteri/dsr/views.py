"""Staff pages for rights-request cases and the public request portal.

Staff pages sit under ``privacy-office/requests/``: reading needs
PRIVACY_VIEW, every change PRIVACY_MANAGE. The portal pages sit under the
public notice's paths (``/tietosuoja/pyynto/``, ``/dataskydd/begaran/``,
``/privacy/request/``), so they are reachable outside the staff networks;
they work without JavaScript and never say whether an address is known.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from rekisteri.access.enforce import not_a_write_service
from rekisteri.accounts.models import StaffUser
from rekisteri.accounts.permissions import Perm, has_perm, require
from rekisteri.audit.services import audit_record
from rekisteri.core import formats
from rekisteri.core.errors import NotFound, ServiceError, ValidationFailed
from rekisteri.core.textinput import refuse_damaged
from rekisteri.dsr import portal, selectors, services
from rekisteri.dsr.actions import registered_kinds
from rekisteri.dsr.choices import Channel, IdentityReason, Kind, Status
from rekisteri.dsr.portal_texts import PORTAL_TEXTS
from rekisteri.privacy.selectors import controller_profile
from rekisteri.registry.choices import Language
from rekisteri.restrictions.choices import ObjectionPurpose, RestrictionGround


def _today() -> dt.date:
    return timezone.localdate()


def _errors(exc: ServiceError) -> list[str]:
    return [str(m) for m in exc.reasons()]


# --------------------------------------------------------------------------
# Staff
# --------------------------------------------------------------------------


@require(Perm.PRIVACY_VIEW)
def case_list(request: HttpRequest) -> HttpResponse:
    """Cases for the privacy officer: open, due in 7 days, overdue, closed,
    by handler."""
    view = request.GET.get("view", "open")
    if view not in selectors.VIEWS:
        view = "open"
    handler = request.GET.get("handler", "")
    handler_id = formats.request_number(handler)
    today = _today()
    return render(
        request,
        "dsr/case_list.html",
        {
            "rows": selectors.case_list(
                user=request.user, view=view, handler_id=handler_id, today=today
            ),
            "counts": selectors.case_counts(user=request.user, today=today),
            "view": view,
            "views": [
                ("open", _("Open")),
                ("due_soon", _("Due within 7 days")),
                ("overdue", _("Overdue")),
                ("closed", _("Closed")),
                ("all", _("All")),
            ],
            "handlers": _handlers(),
            "handler": handler,
            "today": today,
            "can_manage": has_perm(request.user, Perm.PRIVACY_MANAGE),
        },
    )


def _handlers() -> list[StaffUser]:
    return [
        u
        for u in StaffUser.objects.filter(is_active=True).order_by("username")
        if has_perm(u, Perm.PRIVACY_MANAGE)
    ]


def _received_at(value: str) -> dt.datetime | None:
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValidationFailed.single(
            "received_at", "invalid", _("Enter a valid date and time.")
        ) from None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


@require(Perm.PRIVACY_MANAGE)
@require_http_methods(["GET", "POST"])
def case_create(request: HttpRequest) -> HttpResponse:
    """Record a request received by email, letter or phone."""
    errors: list[str] = []
    data: dict[str, Any] = {}
    if request.method == "POST":
        data = request.POST
        try:
            created = services.case_create(
                actor=request.user,
                kinds=request.POST.getlist("kinds"),
                channel=data.get("channel", ""),
                language=data.get("language", "fi"),
                received_at=_received_at(data.get("received_at", "")),
                requester_name=data.get("requester_name", ""),
                requester_email=data.get("requester_email", ""),
                requester_phone=data.get("requester_phone", ""),
                requester_address=data.get("requester_address", ""),
                details=data.get("details", ""),
            )
        except ServiceError as exc:
            errors = _errors(exc)
        else:
            if created.duplicates:
                messages.warning(
                    request,
                    _("The same requester has open cases of the same kind: %(refs)s")
                    % {"refs": ", ".join(d.reference for d in created.duplicates)},
                )
            return redirect("dsr:case_detail", dsr_id=created.case.pk)
    return render(
        request,
        "dsr/case_form.html",
        {
            "errors": errors,
            "data": data,
            "chosen": request.POST.getlist("kinds") if request.method == "POST" else [],
            "kinds": Kind.choices,
            "channels": [c for c in Channel.choices if c[0] != Channel.WEB],
            "languages": Language.choices,
        },
    )


@not_a_write_service("records a read of a case in the audit log")
def record_read(
    *, actor: Any, case: Any, action: str = "dsr.view", **details: Any
) -> None:
    """The audit event of a case shown (page, API, a letter to print)."""
    audit_record(
        actor=actor,
        action=action,
        target_type="dsr_case",
        target_id=case.pk,
        purpose="rights_request",
        details={"status": case.status, **details},
    )


@require(Perm.PRIVACY_VIEW)
def case_detail(request: HttpRequest, dsr_id: Any) -> HttpResponse:
    """One case: requester, matched persons, deadline, identity, actions,
    letters, and the forms for the next steps."""
    case = selectors.case_get(user=request.user, case_id=dsr_id)
    record_read(actor=request.user, case=case)
    persons = list(case.persons.all())
    done = {a.kind: a for a in case.actions.all()}
    return render(
        request,
        "dsr/case_detail.html",
        {
            "case": case,
            "persons": persons,
            "kind_rows": [
                (k, Kind(k).label, done.get(k), k in registered_kinds())
                for k in case.kinds
            ],
            # The choices an action takes (actions.register's params).
            "grounds": RestrictionGround.choices,
            "purposes": ObjectionPurpose.choices,
            "sent": list(case.messages.all()),
            "exports": list(case.exports.all()),
            "duplicates": services.open_duplicates(case),
            "handlers": _handlers(),
            "reasons": [c for c in IdentityReason.choices if c[0]],
            "today": _today(),
            "can_manage": has_perm(request.user, Perm.PRIVACY_MANAGE),
            "status": Status,
            "none_held": services.NONE_HELD,
        },
    )


OPS = (
    "assign",
    "send_code",
    "confirm_code",
    "staff_check",
    "request_identity",
    "extend",
    "run_action",
    "record_manual",
    "complete",
    "none_held",
    "refuse",
    "withdraw",
)


@not_a_write_service("dispatches a staff step to the declared dsr services")
def perform(
    op: str, *, actor: Any, case: Any, data: Any, files: Any = None, base_url: str = ""
) -> Any:
    """One step on a case by name: the UI and the API share it."""
    if op == "assign":
        handler_id = str(data.get("handler_id") or "")
        pk = formats.request_number(handler_id)
        handler = (
            StaffUser.objects.filter(pk=pk, is_active=True).first() if pk else None
        )
        if handler_id and handler is None:
            raise ValidationFailed.single("handler", "invalid", _("Unknown account."))
        return services.case_assign(actor=actor, case=case, handler=handler)
    if op == "send_code":
        return services.identity_send_code(
            actor=actor, case=case, person_id=data.get("person_id") or None
        )
    if op == "confirm_code":
        return services.identity_confirm_code(
            actor=actor, case=case, code=str(data.get("code", ""))
        )
    if op == "staff_check":
        return services.identity_record_check(
            actor=actor, case=case, how=str(data.get("how", ""))
        )
    if op == "request_identity":
        return services.identity_request(
            actor=actor, case=case, reason=str(data.get("reason", ""))
        )
    if op == "extend":
        try:
            months = int(data.get("months", 0))
        except (TypeError, ValueError):
            months = 0
        return services.case_extend(
            actor=actor,
            case=case,
            months=months,
            reason=str(data.get("reason", "")),
            informed_otherwise=str(data.get("informed_otherwise", ""))
            in ("1", "on", "true", "True"),
        )
    if op == "run_action":
        return services.case_run_action(
            actor=actor, case=case, kind=str(data.get("kind", "")), params=data
        )
    if op == "record_manual":
        upload = files.get("export") if files else None
        return services.case_record_manual(
            actor=actor,
            case=case,
            kind=str(data.get("kind", "")),
            note=str(data.get("note", "")),
            export=upload.read() if upload else None,
            filename=upload.name if upload else "",
            content_type=(upload.content_type if upload else "")
            or "application/octet-stream",
        )
    if op == "complete":
        return services.case_complete(actor=actor, case=case, base_url=base_url)
    if op == "none_held":
        return services.case_answer_none_held(
            actor=actor, case=case, note=str(data.get("note", ""))
        )
    if op == "refuse":
        return services.case_refuse(
            actor=actor, case=case, reason=str(data.get("reason", ""))
        )
    if op == "withdraw":
        return services.case_withdraw(
            actor=actor, case=case, reason=str(data.get("reason", ""))
        )
    raise ValidationFailed.single("op", "invalid_choice", _("Unknown step."))


@require(Perm.PRIVACY_MANAGE)
@require_POST
def case_act(request: HttpRequest, dsr_id: Any) -> HttpResponse:
    """Take one step on a case (the forms on the case page post here)."""
    case = selectors.case_get(user=request.user, case_id=dsr_id)
    try:
        perform(
            request.POST.get("op", ""),
            actor=request.user,
            case=case,
            data=request.POST,
            files=request.FILES,
            base_url=f"{request.scheme}://{request.get_host()}",
        )
    except ServiceError as exc:
        for message in _errors(exc):
            messages.error(request, message)
    else:
        messages.success(request, _("Saved."))
    return redirect("dsr:case_detail", dsr_id=case.pk)


def _attachment(got: services.Download) -> HttpResponse:
    response = HttpResponse(got.content, content_type=got.content_type)
    response["Content-Disposition"] = f'attachment; filename="{got.filename}"'
    response["Cache-Control"] = "no-store"
    return response


@require(Perm.PRIVACY_MANAGE)
@require_http_methods(["GET"])
def case_letter_print(
    request: HttpRequest, dsr_id: Any, letter_id: Any
) -> HttpResponse:
    """A letter to post, as a page to print: the controller's and the
    requester's addresses, the date, the subject and the text."""
    case = selectors.case_get(user=request.user, case_id=dsr_id)
    letter = selectors.letter_to_post(case=case, letter_id=letter_id)
    record_read(
        actor=request.user, case=case, action="dsr.letter_print", letter=letter.letter
    )
    return render(
        request,
        "dsr/letter_print.html",
        {"case": case, "letter": letter, "profile": controller_profile()},
    )


@require(Perm.PRIVACY_MANAGE)
@require_POST
def case_export_hand_over(
    request: HttpRequest, dsr_id: Any, export_id: Any
) -> HttpResponse:
    """The case's export for staff to deliver by post or in person (a POST:
    handing it over is recorded)."""
    case = selectors.case_get(user=request.user, case_id=dsr_id)
    try:
        got = services.export_hand_over(
            actor=request.user, case=case, export_id=export_id
        )
    except NotFound:
        raise  # the 404 page
    except ServiceError as exc:
        for message in _errors(exc):
            messages.error(request, message)
        return redirect("dsr:case_detail", dsr_id=case.pk)
    return _attachment(got)


# --------------------------------------------------------------------------
# Public portal
# --------------------------------------------------------------------------


CONFIRM_SEGMENT = {"fi": "vahvista/", "sv": "bekrafta/", "en": "confirm/"}


def _portal_ctx(language: str, **extra: Any) -> dict[str, Any]:
    texts = PORTAL_TEXTS[language]
    return {
        "language": language,
        "t": texts,
        "kinds": [(k, texts["kinds"][k]) for k in Kind.values],
        "base": services.PORTAL_PATHS[language],
        "confirm_url": services.PORTAL_PATHS[language] + CONFIRM_SEGMENT[language],
        "others": [
            (lang, services.PORTAL_PATHS[lang], name)
            for lang, name in (("fi", "Suomi"), ("sv", "Svenska"), ("en", "English"))
            if lang != language
        ],
        **extra,
    }


def _portal_errors(language: str, exc: ServiceError) -> list[str]:
    texts = PORTAL_TEXTS[language]["errors"]
    if isinstance(exc, ValidationFailed):
        codes = [code for errs in exc.fields.values() for code, _m in errs]
    else:
        codes = [exc.code]
    return [texts.get(code, texts["invalid"]) for code in dict.fromkeys(codes)]


def _portal(language: str):
    @require(Perm.PUBLIC)
    @require_http_methods(["GET", "POST"])
    def view(request: HttpRequest) -> HttpResponse:
        if request.method == "GET":
            return render(
                request, "dsr/portal.html", _portal_ctx(language, step="form")
            )
        try:
            # The portal posts no form class: its text is checked here as
            # every form's is (core/textinput.py).
            refuse_damaged(request.POST)
            draft = portal.portal_submit(
                kinds=request.POST.getlist("kinds"),
                email=request.POST.get("email", ""),
                details=request.POST.get("details", ""),
                language=language,
                client=getattr(request, "client_address", ""),
            )
        except ServiceError as exc:
            status = 429 if exc.code == "rate_limited" else 400
            return render(
                request,
                "dsr/portal.html",
                _portal_ctx(
                    language,
                    step="form",
                    errors=_portal_errors(language, exc),
                    data=request.POST,
                    chosen=request.POST.getlist("kinds"),
                ),
                status=status,
            )
        return render(
            request,
            "dsr/portal.html",
            _portal_ctx(language, step="sent", draft=draft.pk),
        )

    view.__name__ = f"portal_{language}"
    view.__doc__ = (
        f"The request portal in {language}: choose, give an address, get a code."
    )
    return view


def _portal_confirm(language: str):
    @require(Perm.PUBLIC)
    @require_POST
    def view(request: HttpRequest) -> HttpResponse:
        draft = request.POST.get("draft", "")
        try:
            case = portal.portal_confirm(
                draft_id=draft, code=request.POST.get("code", "")
            )
        except ServiceError as exc:
            return render(
                request,
                "dsr/portal.html",
                _portal_ctx(
                    language,
                    step="sent",
                    draft=draft,
                    errors=_portal_errors(language, exc),
                ),
                status=400,
            )
        return render(
            request,
            "dsr/portal.html",
            _portal_ctx(language, step="done", reference=case.reference),
        )

    view.__name__ = f"portal_confirm_{language}"
    view.__doc__ = f"Confirm a portal request with its emailed code ({language})."
    return view


def _download(language: str):
    @require(Perm.PUBLIC)
    @require_http_methods(["GET", "POST"])
    def view(request: HttpRequest, token: str) -> HttpResponse:
        if request.method == "GET":
            return render(
                request, "dsr/portal.html", _portal_ctx(language, step="download")
            )
        try:
            got = services.export_download(
                token=token, code=request.POST.get("code", "")
            )
        except services.DownloadRefused:
            return render(
                request,
                "dsr/portal.html",
                _portal_ctx(
                    language,
                    step="download",
                    errors=[PORTAL_TEXTS[language]["errors"]["download_refused"]],
                ),
                status=403,
            )
        return _attachment(got)

    view.__name__ = f"download_{language}"
    view.__doc__ = f"The one-time export download ({language})."
    return view


portal_fi, portal_sv, portal_en = (_portal(x) for x in ("fi", "sv", "en"))
confirm_fi, confirm_sv, confirm_en = (_portal_confirm(x) for x in ("fi", "sv", "en"))
download_fi, download_sv, download_en = (_download(x) for x in ("fi", "sv", "en"))
