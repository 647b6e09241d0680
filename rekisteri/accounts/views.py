"""Account pages of the signed-in staff member: overview, password, second
factor, confidentiality attestation and personal API tokens.

Log-in and log-out are in ``views_auth.py``; account administration in
``views_admin.py``.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from rekisteri.accounts import mfa, services
from rekisteri.accounts.auth import mfa_required
from rekisteri.accounts.clearance import clearance_of
from rekisteri.accounts.conf import setting
from rekisteri.accounts.decorators import (
    require_recent_auth,
    require_recent_auth_to_post,
)
from rekisteri.accounts.forms import ApiTokenForm, PasswordChangeForm
from rekisteri.accounts.permissions import Perm, require
from rekisteri.core.errors import Conflict, ValidationFailed


def _own_tokens(request: HttpRequest) -> list:
    """The signed-in user's tokens only, newest first."""
    return list(request.user.api_tokens.order_by("-created_at"))


def _form_errors(form, exc: ValidationFailed) -> None:
    for name, errors in exc.fields.items():
        for _code, message in errors:
            form.add_error(name if name in form.fields else None, message)


@require(Perm.AUTHENTICATED)
def account(request: HttpRequest) -> HttpResponse:
    """One's own account: role, second factor, training and attestation."""
    user = request.user
    return render(
        request,
        "accounts/account.html",
        {
            "clearance": clearance_of(user),
            "totp": mfa.confirmed_totp(user),
            "recovery_left": mfa.recovery_codes_left(user),
            "mfa_required": mfa_required(user),
            "attestation_version": setting("REKISTERI_ATTESTATION_VERSION"),
            "training_valid_months": setting("REKISTERI_TRAINING_VALID_MONTHS"),
        },
    )


@require(Perm.AUTHENTICATED)
@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    """Change one's own password; the session stays logged in."""
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_change(
                actor=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password1"],
                request=request,
            )
        except ValidationFailed as exc:
            _form_errors(form, exc)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("Your password has been changed."))
            return redirect("accounts:account")
    return render(request, "accounts/password_change.html", {"form": form})


@require(Perm.AUTHENTICATED)
@require_recent_auth_to_post()
@require_http_methods(["GET", "POST"])
def attestation(request: HttpRequest) -> HttpResponse:
    """Read and sign the confidentiality undertaking."""
    version = setting("REKISTERI_ATTESTATION_VERSION")
    if request.method == "POST":
        if request.POST.get("agree") != "yes":
            messages.error(request, _("Tick the box to sign the undertaking."))
        else:
            try:
                services.attestation_sign(
                    actor=request.user,
                    version=request.POST.get("version") or version,
                    request=request,
                )
            except Conflict as exc:
                # The page was read under another version of the text.
                messages.error(request, exc.message)
            else:
                messages.success(request, _("Thank you. The undertaking is signed."))
                return redirect("accounts:account")
    return render(
        request,
        "accounts/attestation.html",
        {"version": version, "clearance": clearance_of(request.user)},
    )


@require(Perm.AUTHENTICATED)
@require_recent_auth
@require_POST
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes; the old ones stop working. Shown once."""
    try:
        codes = mfa.recovery_codes_renew(user=request.user, request=request)
    except ValidationFailed:
        return redirect("accounts:mfa_enrol")
    return render(
        request,
        "accounts/recovery_codes.html",
        {"codes": codes, "next_url": resolve_url("accounts:account")},
    )


@require(Perm.OWN_TOKENS)
@require_recent_auth_to_post()
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    """List one's own API tokens and create a new one.

    The plaintext of a new token is rendered straight into the response to
    the POST and nowhere else: it is not stored, not put in the session for
    a redirect, and cannot be shown again. Responses to signed-in users are
    ``no-store`` (SecurityHeadersMiddleware), so it is not cached either.
    """
    created = None
    plaintext = None
    if request.method == "POST":
        form = ApiTokenForm(request.POST)
        if form.is_valid():
            try:
                created, plaintext = services.api_token_create(
                    actor=request.user,
                    name=form.cleaned_data["name"],
                    scope=form.cleaned_data["scope"],
                    days=form.cleaned_data["days"],
                )
            except ValidationFailed as exc:
                _form_errors(form, exc)
            else:
                form = ApiTokenForm()
    else:
        form = ApiTokenForm()
    return render(
        request,
        "accounts/tokens.html",
        {
            "form": form,
            "tokens": _own_tokens(request),
            "created": created,
            "plaintext": plaintext,
        },
    )


@require(Perm.OWN_TOKENS)
@require_POST
def token_revoke(request: HttpRequest, token_id: uuid.UUID) -> HttpResponse:
    """Revoke one of one's own tokens; someone else's looks missing (404)."""
    token = services.api_token_revoke(actor=request.user, token_id=token_id)
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("accounts:tokens")
