"""API authentication and authorization, and the ``/me`` endpoint.

Two ways in: a personal API token (``Authorization: Bearer rk_<prefix>_<secret>``)
for integrations, and the staff session (with CSRF) so the interactive docs
can be tried by a logged-in user.

Every operation is decorated with :func:`requires`, which both records the
permission in the OpenAPI document (``x-required-permission``, so tests can
enumerate it) and enforces it. Enforcement happens during authentication,
before the request body is parsed: a caller without the permission learns
nothing about the validation rules of an operation they may not use.

This module deliberately has no ``from __future__ import annotations``: ninja
resolves a view's annotations through the wrapper :func:`requires` returns,
whose globals are this module's, so they must be real objects, not strings.
"""

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf, contribute_operation_callback

from rekisteri.accounts.choices import TokenScope
from rekisteri.accounts.models import ApiToken
from rekisteri.accounts.permissions import Perm, has_perm
from rekisteri.accounts.services import api_token_authenticate
from rekisteri.core.errors import Forbidden

# Request attribute that carries the ApiToken when the caller used one.
TOKEN_ATTR = "api_token"  # noqa: S105 - an attribute name, not a secret

# Permissions whose operations change data: a read-scope token may not call them.
WRITE_PERMS = frozenset(
    {
        Perm.REGISTRY_CHANGE,
        Perm.CONTRACTS_CHANGE,
        Perm.BILLING_CHANGE,
        Perm.MESSAGES_CHANGE,
        Perm.PRIVACY_MANAGE,
        Perm.ACCOUNTS_MANAGE,
    }
)


def _authorize(request: HttpRequest, user: Any, perm: Perm, scope: str) -> None:
    """Raise :class:`Forbidden` unless ``user`` (and the token, if any) may act."""
    if not has_perm(user, perm):
        raise Forbidden()
    token: ApiToken | None = getattr(request, TOKEN_ATTR, None)
    if (
        token is not None
        and scope == TokenScope.WRITE
        and token.scope != TokenScope.WRITE
    ):
        raise Forbidden(_("This API token may only read."), code="token_scope")


class TokenAuth(HttpBearer):
    """Personal API token, then the operation's permission and token scope."""

    # Becomes the security scheme's "bearerFormat" in the OpenAPI document.
    openapi_bearerFormat = "rk_<prefix>_<secret>"

    def __init__(
        self, perm: Perm = Perm.AUTHENTICATED, scope: str = TokenScope.READ
    ) -> None:
        self.perm = perm
        self.scope = scope
        super().__init__()

    def __call__(self, request: HttpRequest) -> Any:
        # Replaces HttpBearer.__call__, which logs an unexpected header in
        # full under DEBUG: that header may be someone's credentials.
        scheme, _sep, value = request.headers.get(self.header, "").partition(" ")
        if scheme.lower() != self.openapi_scheme or not value.strip():
            return None
        return self.authenticate(request, value.strip())

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        """Return the token's user, or None so the next method is tried."""
        api_token = api_token_authenticate(token, request)
        if api_token is None:
            return None
        setattr(request, TOKEN_ATTR, api_token)
        _authorize(request, api_token.user, self.perm, self.scope)
        return api_token.user


class StaffSessionAuth(APIKeyCookie):
    """The staff session cookie, with Django's CSRF check for unsafe methods.

    Unlike ninja's ``django_auth`` the CSRF check runs only when a session
    user is present: a token client that sends no cookie must get 401 for a
    bad token, not a CSRF 403.
    """

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(
        self, perm: Perm = Perm.AUTHENTICATED, scope: str = TokenScope.READ
    ) -> None:
        self.perm = perm
        self.scope = scope
        super().__init__(csrf=True)

    def __call__(self, request: HttpRequest) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if self.csrf and check_csrf(request) is not None:
            raise Forbidden(
                _("The CSRF token is missing or wrong; reload the page."),
                code="csrf_failed",
            )
        return self.authenticate(request, None)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        """Return the logged-in staff user once the permission check passes."""
        _authorize(request, request.user, self.perm, self.scope)
        return request.user


class FieldErrorOut(Schema):
    code: str
    message: str


class ErrorDetailOut(Schema):
    code: str = Field(..., description="Stable machine-readable code")
    message: str = Field(..., description="Human message; never a submitted value")
    fields: dict[str, list[FieldErrorOut]] | None = Field(
        None, description="Per-field errors, for validation errors only"
    )


class ErrorOut(Schema):
    """The shape of every API error."""

    error: ErrorDetailOut


def _document_errors(operation: Any) -> None:
    """List the error answers every operation can give in the OpenAPI entry."""
    model = operation._create_response_model(ErrorOut)
    statuses = [401, 403, 422, 500]
    if "{" in operation.path:
        statuses.append(404)
    if set(operation.methods) - {"GET"}:
        statuses.append(400)
    for status in sorted(statuses):
        operation.response_models.setdefault(status, model)


def auth_for(perm: Perm, scope: str) -> list:
    """The authentication callbacks for an operation requiring ``perm``."""
    return [TokenAuth(perm, scope), StaffSessionAuth(perm, scope)]


def requires(perm: Perm, *, scope: str | None = None) -> Callable:
    """Declare and enforce the permission of an API operation.

    Put it below the router decorator::

        @router.get("/organizations/{organization_id}")
        @requires(Perm.REGISTRY_VIEW)
        def organization_detail(request, organization_id: str): ...

    ``scope`` is the token scope needed; it defaults to ``write`` for
    permissions that change data and ``read`` otherwise (the POST search is
    a read). The operation's OpenAPI entry gets ``x-required-permission`` and
    ``x-required-scope``; authentication checks both before the body is
    parsed, and the view checks the permission again as a backstop.
    """
    needed_scope = scope or (
        TokenScope.WRITE if perm in WRITE_PERMS else TokenScope.READ
    )

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            # Authentication has checked this already; checking again keeps
            # the operation closed should its auth callbacks ever be replaced.
            _authorize(request, getattr(request, "auth", None), perm, needed_scope)
            return view(request, *args, **kwargs)

        def contribute(operation: Any) -> None:
            callbacks = auth_for(perm, needed_scope)
            operation.auth_param = callbacks
            operation.auth_callbacks = callbacks
            operation.openapi_extra = {
                **(operation.openapi_extra or {}),
                "x-required-permission": perm.value,
                "x-required-scope": str(needed_scope),
            }
            _document_errors(operation)

        wrapped.required_perm = perm  # type: ignore[attr-defined]
        contribute_operation_callback(wrapped, contribute)
        return wrapped

    return decorator


# --------------------------------------------------------------------------
# /me
# --------------------------------------------------------------------------


class TokenOut(Schema):
    name: str
    prefix: str
    scope: str
    created_at: dt.datetime
    expires_at: dt.datetime


class MeOut(Schema):
    username: str
    first_name: str
    last_name: str
    role: str
    auth_method: str
    token: TokenOut | None = None


router = Router(tags=["account"])


@router.get("/me", response=MeOut, summary="Who am I")
@requires(Perm.AUTHENTICATED)
def me(request: HttpRequest) -> dict:
    """The authenticated staff user and, for token calls, the token's scope
    and expiry (never its secret)."""
    user = request.auth  # type: ignore[attr-defined]
    token: ApiToken | None = getattr(request, TOKEN_ATTR, None)
    return {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "role": user.role,
        "auth_method": "token" if token is not None else "session",
        "token": token,
    }
