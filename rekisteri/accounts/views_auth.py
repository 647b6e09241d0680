"""Log-in, second factor, re-authentication and log-out pages.

The business rules (lockout, audit, what counts as a factor) are in
``auth.py`` and ``mfa.py``; these views only move the user between steps.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from rekisteri.accounts import auth, enrolment, mfa
from rekisteri.accounts.conf import setting
from rekisteri.accounts.decorators import reauth_url
from rekisteri.accounts.forms import CodeForm, EnrolForm, LoginForm, ReauthForm
from rekisteri.accounts.middleware import first_refusal_in_a_while
from rekisteri.accounts.permissions import Perm, require
from rekisteri.accounts.sessions import (
    SESSION_PENDING,
    mark_reauth,
    recently_authenticated,
)
from rekisteri.audit.choices import Outcome
from rekisteri.audit.services import audit_record
from rekisteri.core.errors import ValidationFailed

SESSION_ENROL_DEVICE = "rk_enrol_device"


def _failed_message() -> str:
    """Why the login did not go through: the same words whatever the cause."""
    return _("The user name or password is not right, or the account is disabled.")


def _locked_message() -> str:
    return _(
        "Too many failed attempts. Try again in %(minutes)s minutes, or ask "
        "an administrator to unlock the account."
    ) % {"minutes": setting("REKISTERI_LOCKOUT_MINUTES")}


def safe_next(request: HttpRequest, candidate: str | None) -> str:
    """``candidate`` if it is a path on this site, else the start page."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate,
        allowed_hosts={request.get_host()},
        require_https=request.is_secure(),
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _pending_next(request: HttpRequest) -> str:
    pending = request.session.get(SESSION_PENDING) or {}
    return safe_next(request, pending.get("next"))


@require(Perm.PUBLIC)
@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    """Step one: user name and password."""
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if request.user.is_authenticated:
        return redirect(safe_next(request, next_url))
    status = 200
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = auth.password_step(
            request, form.cleaned_data["username"], form.cleaned_data["password"]
        )
        if result.step is auth.Step.DONE:
            return redirect(safe_next(request, next_url))
        if result.step in (auth.Step.VERIFY, auth.Step.ENROL):
            request.session[SESSION_PENDING]["next"] = next_url
            request.session.modified = True
            target = "verify" if result.step is auth.Step.VERIFY else "enrol"
            return redirect(f"accounts:mfa_{target}")
        if result.step is auth.Step.LOCKED:
            form.add_error(None, _locked_message())
            status = 429
        else:
            form.add_error(None, _failed_message())
            status = 401
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "accounts/login.html",
        {
            "form": form,
            "next": next_url,
            "expired": request.GET.get("expired") == "1",
        },
        status=status,
    )


@require(Perm.PUBLIC)
@sensitive_post_parameters("code")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def mfa_verify(request: HttpRequest) -> HttpResponse:
    """Step two: a code from the authenticator app or a recovery code."""
    user = auth.pending_user(request)
    if user is None or mfa.confirmed_totp(user) is None:
        return redirect("accounts:login")
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        if auth.second_factor_locked(request, user):
            request.session.pop(SESSION_PENDING, None)
            form.add_error(None, _locked_message())
            status = 429
        else:
            device, reason = mfa.check_code(user, form.cleaned_data["code"])
            if device is not None:
                next_url = _pending_next(request)
                auth.complete_login(request, user, device)
                audit_record(
                    actor=user,
                    action="auth.mfa_verify",
                    target_type="staff_user",
                    target_id=user.pk,
                    details={"method": "totp" if device.name == "totp" else "recovery"},
                    request=request,
                )
                return redirect(next_url)
            if auth.second_factor_failed(request, user, reason):
                form.add_error(None, _locked_message())
                status = 429
            else:
                form.add_error("code", _code_message(reason))
                status = 401
    elif request.method == "POST":
        status = 400
    return render(request, "accounts/mfa_verify.html", {"form": form}, status=status)


def _code_message(reason: str) -> str:
    if reason == "replayed":
        return _("This code has been used already. Wait for the next one.")
    if reason == "throttled":
        return _("Too many wrong codes. Wait a moment and try again.")
    return _("The code is not right.")


@require(Perm.PUBLIC)
@sensitive_post_parameters("code", "enrolment_code")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def mfa_enrol(request: HttpRequest) -> HttpResponse:
    """Set up the authenticator app: at a login that requires it, or from
    one's own account page. Shows the recovery codes once when done."""
    pending = not request.user.is_authenticated
    user = auth.pending_user(request) if pending else request.user
    if user is None:
        return redirect("accounts:login")
    if pending and mfa.confirmed_totp(user) is not None:
        # Only the password has been given: an account that already has an
        # authenticator proves the second factor, it does not set up another.
        return redirect("accounts:mfa_verify")
    if (
        not pending
        and mfa.confirmed_totp(user) is not None
        and not recently_authenticated(request.session)
    ):
        # Replacing a working authenticator: a borrowed session is not enough.
        return redirect(reauth_url(request.get_full_path()))
    device = None
    device_id = request.session.get(SESSION_ENROL_DEVICE)
    if device_id is not None:
        device = mfa.TOTPDevice.objects.filter(
            pk=device_id, user=user, confirmed=False
        ).first()
    if device is None:
        device = mfa.totp_enrol_start(user=user)
        request.session[SESSION_ENROL_DEVICE] = device.pk
    needs_ticket = enrolment.enrolment_code_needed(user)
    form = EnrolForm(request.POST or None)
    if not needs_ticket:
        del form.fields["enrolment_code"]
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            codes = mfa.totp_enrol_confirm(
                user=user,
                device_id=device.pk,
                code=form.cleaned_data["code"],
                enrolment_code=form.cleaned_data.get("enrolment_code", ""),
                request=request,
            )
        except ValidationFailed as exc:
            for name in ("enrolment_code", "code"):
                for _code, message in exc.fields.get(name, []):
                    form.add_error(name if name in form.fields else None, message)
            status = 400
        else:
            request.session.pop(SESSION_ENROL_DEVICE, None)
            device.refresh_from_db()
            next_url = resolve_url("accounts:account")
            if pending:
                next_url = _pending_next(request)
                auth.complete_login(request, user, device)
            # The codes go into this response only: never stored in clear
            # anywhere else, never put in the session for a redirect.
            return render(
                request,
                "accounts/recovery_codes.html",
                {"codes": codes, "next_url": next_url},
            )
    return render(
        request,
        "accounts/mfa_enrol.html",
        {
            "form": form,
            "qr_svg": mfa.qr_svg(device.config_url),
            "secret": mfa.secret_of(device),
            "otpauth_uri": device.config_url,
            "pending": pending,
            "required": auth.mfa_required(user),
            "needs_ticket": needs_ticket,
        },
        status=status,
    )


@require(Perm.AUTHENTICATED)
@sensitive_post_parameters("password", "code")
@never_cache
@require_http_methods(["GET", "POST"])
def reauth(request: HttpRequest) -> HttpResponse:
    """Confirm identity again before a sensitive action."""
    user = request.user
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    enrolled = mfa.confirmed_totp(user) is not None
    form = ReauthForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        client = getattr(request, "client_address", "")
        reason = ""
        if auth.is_locked(user.get_username(), client):
            reason = "locked"
        elif not user.check_password(form.cleaned_data["password"]):
            reason = "password"
        elif enrolled:
            device, code_reason = mfa.check_code(user, form.cleaned_data["code"])
            reason = "" if device is not None else f"code_{code_reason}"
        if not reason:
            mark_reauth(request.session)
            audit_record(
                actor=user,
                action="auth.reauth",
                target_type="staff_user",
                target_id=user.pk,
                request=request,
            )
            return redirect(safe_next(request, next_url))
        locked = reason == "locked" or auth.register_failure(
            user.get_username(), client
        )
        audit_record(
            actor=user,
            action="auth.reauth",
            target_type="staff_user",
            target_id=user.pk,
            outcome=Outcome.FAILED,
            details={"reason": reason},
            request=request,
        )
        if locked:
            # Someone is guessing with this session: end it.
            logout(request)
            return redirect("accounts:login")
        form.add_error(None, _("The password or code is not right."))
        status = 401
    return render(
        request,
        "accounts/reauth.html",
        {"form": form, "enrolled": enrolled, "next": next_url},
        status=status,
    )


@require(Perm.PUBLIC)
@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    """Log out (POST only, with CSRF) and say so in the audit log."""
    if request.user.is_authenticated:
        audit_record(
            actor=request.user,
            action="auth.logout",
            target_type="staff_user",
            target_id=request.user.pk,
            request=request,
        )
    logout(request)
    return redirect("accounts:login")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: a missing or forged token is refused (403) and
    audited. Django's reason text is reduced to a code: it never carries
    the submitted token.

    Anonymous refusals are audited at most once per client address a
    minute, as the network's refusals are (accounts/middleware.py): the
    public forms are open to anyone, and every event takes the chain's
    lock, so a script posting without a token must not be able to flood
    the audit log. A signed-in user's refusals are each audited."""
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    if not signed_in and not first_refusal_in_a_while("csrf_failed", request):
        return render(request, "accounts/csrf_failure.html", status=403)
    text = (reason or "").lower()
    code = "missing" if "missing" in text or "not set" in text else "invalid"
    audit_record(
        actor=user if user is not None and user.is_authenticated else None,
        action="access.csrf_failed",
        target_type="request",
        outcome=Outcome.DENIED,
        details={"reason": code, "method": request.method},
        request=request,
        actor_label="" if user is None or not user.is_authenticated else None,
    )
    return render(request, "accounts/csrf_failure.html", status=403)
