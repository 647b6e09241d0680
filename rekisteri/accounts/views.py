"""Account pages: personal API tokens.

Log-in and log-out are Django's own views (see urls.py).
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from rekisteri.accounts import services
from rekisteri.accounts.forms import ApiTokenForm
from rekisteri.accounts.permissions import Perm, require
from rekisteri.core.errors import NotFound, ValidationFailed


def _own_tokens(request: HttpRequest) -> list:
    """The signed-in user's tokens only, newest first."""
    return list(request.user.api_tokens.order_by("-created_at"))


@require(Perm.OWN_TOKENS)
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
                for name, errors in exc.fields.items():
                    for _code, message in errors:
                        form.add_error(name if name in form.fields else None, message)
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
    try:
        token = services.api_token_revoke(actor=request.user, token_id=token_id)
    except NotFound:
        raise Http404 from None
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("accounts:tokens")
