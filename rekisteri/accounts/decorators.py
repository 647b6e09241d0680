"""``require_recent_auth``: sensitive actions need a fresh password (and
TOTP code, when enrolled).

A stolen session — a laptop left open — should not be enough to change
someone's role, reset a second factor, export or erase. The decorator sends
the user to the re-authentication page unless they gave their credentials
within ``REKISTERI_REAUTH_MINUTES``; afterwards they come back to the page
(a POST is not replayed: they see the form again and submit it).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from rekisteri.accounts.sessions import recently_authenticated


def reauth_url(next_url: str) -> str:
    return reverse("accounts:reauth") + "?" + urlencode({"next": next_url})


def require_recent_auth(view: Callable) -> Callable:
    """View decorator; put it below ``@require(...)``."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not recently_authenticated(request.session):
            url = reauth_url(request.get_full_path())
            if request.headers.get("HX-Request"):
                response = HttpResponse(status=204)
                response["HX-Redirect"] = url
                return response
            return redirect(url)
        return view(request, *args, **kwargs)

    wrapped.requires_recent_auth = True  # type: ignore[attr-defined]
    return wrapped


def require_recent_auth_to_post(
    back: Callable[..., str] | None = None,
) -> Callable[[Callable], Callable]:
    """Like :func:`require_recent_auth`, for the POST only: the page itself
    (a list, a text to read) stays open, the write needs fresh credentials.
    ``back(request, **kwargs)`` names the page to return to after
    re-authenticating (default: this one, for views that also answer GET)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method == "POST" and not recently_authenticated(request.session):
                target = back(request, **kwargs) if back else request.get_full_path()
                return redirect(reauth_url(target))
            return view(request, *args, **kwargs)

        wrapped.requires_recent_auth = True  # type: ignore[attr-defined]
        return wrapped

    return decorator
