"""Request middleware of the accounts app: the closed network and the
session timeouts.

:class:`StaffNetworkMiddleware` runs first in the stack. It resolves the
client's address (``request.client_address``, which the audit log records)
and answers 403 to any request for the staff UI or API from outside
``REKISTERI_STAFF_NETWORKS``; the public privacy pages, static files and the
language switch stay reachable from anywhere.

:class:`SessionTimeoutMiddleware` runs after authentication and ends a staff
session that has been idle too long or has lived past its absolute limit.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.functional import LazyObject, empty
from django.utils.translation import gettext as _

from rekisteri.accounts.conf import setting
from rekisteri.accounts.network import (
    in_networks,
    parse_address,
    parse_networks,
    rate_key,
)
from rekisteri.accounts.network import resolve_client as _resolve
from rekisteri.accounts.sessions import (
    SESSION_SEEN,
    SESSION_STARTED,
    session_expiry_reason,
)
from rekisteri.audit.choices import Outcome
from rekisteri.audit.services import audit_record
from rekisteri.core.cachekeys import cache_key

# Paths anyone may reach from anywhere: the public privacy notice in its three
# languages (and everything under them), static files and the language switch.
PUBLIC_PREFIXES = ("/tietosuoja/", "/privacy/", "/dataskydd/", "/i18n/setlang/")
# How often (seconds) the last-seen time is written back to the session.
SEEN_RESOLUTION = 30
# Refusals from one outside address are audited at most once in this time.
DENIED_AUDIT_SECONDS = 60


def first_refusal_in_a_while(kind: str, request: HttpRequest) -> bool:
    """Whether a refusal of ``kind`` to this client address is the first in
    :data:`DENIED_AUDIT_SECONDS`, and so to be audited. Refusals anyone can
    provoke (from outside the network, without a CSRF token) must not be
    able to flood the audit chain: every event takes its lock. The shared
    cache's ``add`` is atomic and true only for the first."""
    from django.core.cache import cache

    key = cache_key(kind, rate_key(getattr(request, "client_address", "") or ""))
    return cache.add(key, 1, timeout=DENIED_AUDIT_SECONDS)


def public_path(path: str) -> bool:
    static = "/" + settings.STATIC_URL.lstrip("/")
    return path.startswith(PUBLIC_PREFIXES) or path.startswith(static)


class StaffNetworkMiddleware:
    """Set ``request.client_address``; refuse staff pages outside the
    configured networks with a plain, audited 403."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        trusted = parse_networks(tuple(setting("REKISTERI_TRUSTED_PROXIES")))
        request.client_address = _resolve(request.META, trusted)  # type: ignore[attr-defined]
        allowed = parse_networks(tuple(setting("REKISTERI_STAFF_NETWORKS")))
        if (
            allowed
            and not public_path(request.path)
            and not in_networks(parse_address(request.client_address), allowed)
        ):
            return self.refuse(request)
        return self.get_response(request)

    def refuse(self, request: HttpRequest) -> HttpResponse:
        # One event per address per minute: a scanner outside the network
        # must not be able to flood the audit chain.
        if first_refusal_in_a_while("network_denied", request):
            audit_record(
                actor=None,
                action="access.network_denied",
                target_type="network",
                outcome=Outcome.DENIED,
                details={"api": request.path.startswith("/api/")},
                request=request,
            )
        if request.path.startswith("/api/"):
            return JsonResponse(
                {
                    "error": {
                        "code": "network_denied",
                        "message": _("Not available from this network."),
                    }
                },
                status=403,
            )
        body = render_to_string("accounts/network_denied.html", request=None)
        return HttpResponse(body, status=403)


def loaded(user: Any) -> Any:
    """The account inside ``request.user``'s lazy wrappers (Django's
    authentication and django_otp's each add one), loaded."""
    while isinstance(user, LazyObject):
        if user._wrapped is empty:
            user._setup()
        user = user._wrapped
    return user


class SessionTimeoutMiddleware:
    """End sessions idle for ``REKISTERI_SESSION_IDLE_MINUTES`` or older than
    ``REKISTERI_SESSION_MAX_HOURS``; audited as ``auth.session_expired``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            # Loaded now (and checked by django_otp): the request keeps the
            # account itself, so the page's many reads of it (permissions,
            # need-to-know, navigation) go through no lazy wrappers.
            request.user = user = loaded(user)
            now = time.time()
            session = request.session
            reason = session_expiry_reason(session, now)
            if reason:
                return self.expire(request, reason)
            session.setdefault(SESSION_STARTED, now)
            if now - session.get(SESSION_SEEN, 0) >= SEEN_RESOLUTION:
                session[SESSION_SEEN] = now
        return self.get_response(request)

    def expire(self, request: HttpRequest, reason: str) -> HttpResponse:
        audit_record(
            actor=request.user,
            action="auth.session_expired",
            target_type="staff_user",
            target_id=request.user.pk,
            details={"reason": reason},
            request=request,
        )
        logout(request)
        if request.path.startswith("/api/"):
            return JsonResponse(
                {
                    "error": {
                        "code": "session_expired",
                        "message": _("Your session has expired; log in again."),
                    }
                },
                status=401,
            )
        query = {"expired": "1"}
        if request.method == "GET" and not request.headers.get("HX-Request"):
            # Back to the same page after logging in (paths hold only ids).
            query["next"] = request.get_full_path()
        url = reverse("accounts:login") + "?" + urlencode(query)
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=401)
            response["HX-Redirect"] = url
            return response
        return redirect(url)
