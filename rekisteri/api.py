"""The JSON API: ``/api/v1/...``, with OpenAPI docs at ``/api/docs``.

Every error is JSON of one shape::

    {"error": {"code": "<machine_code>", "message": "<human message>",
               "fields": {"<field>": [{"code": ..., "message": ...}]}}}

``fields`` appears only for validation errors. A body never carries a stack
trace or a submitted value (it may be personal data), and the log gets the
exception class name only.

Responses are ``Cache-Control: no-store``: they may hold personal data and
token clients have no session for the security middleware to notice.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, re_path
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as SchemaValidationError
from ninja.parser import Parser
from ninja.utils import normalize_path, replace_path_param_notation

from rekisteri.accounts.api import TOKEN_ATTR, StaffSessionAuth, TokenAuth
from rekisteri.accounts.api import router as accounts_router
from rekisteri.accounts.permissions import Perm, has_perm
from rekisteri.accounts.services import api_token_authenticate
from rekisteri.audit.choices import Outcome
from rekisteri.audit.services import audit_record
from rekisteri.billing.api import router as billing_router
from rekisteri.contracts.api import router as contracts_router
from rekisteri.core import refusals
from rekisteri.core.errors import ServiceError, ValidationFailed
from rekisteri.dsr.api import router as dsr_router
from rekisteri.messaging.api import router as messaging_router
from rekisteri.privacy.api import router as privacy_router
from rekisteri.registry.api import router as registry_router
from rekisteri.restrictions.api import router as restrictions_router
from rekisteri.rights.api import router as rights_router

logger = logging.getLogger("rekisteri.api")

JSON_CONTENT_TYPE = "application/json; charset=utf-8"


# --------------------------------------------------------------------------
# Error bodies
# --------------------------------------------------------------------------


def error_body(
    code: str, message: str, fields: dict[str, list[dict[str, str]]] | None = None
) -> dict[str, Any]:
    """The one error shape of the API."""
    error: dict[str, Any] = {"code": code, "message": str(message)}
    if fields is not None:
        error["fields"] = fields
    return {"error": error}


def error_response(
    code: str,
    message: str,
    status: int,
    fields: dict[str, list[dict[str, str]]] | None = None,
) -> HttpResponse:
    """A JSON error response outside ninja's operation machinery."""
    response = HttpResponse(
        json.dumps(error_body(code, message, fields)),
        status=status,
        content_type=JSON_CONTENT_TYPE,
    )
    response["Cache-Control"] = "no-store"
    return response


class MalformedBody(ValueError):
    """The request body is not valid JSON."""


class DuplicateKey(ValueError):
    """A JSON object in the body names one member twice."""


def _members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object's members, refusing a name given twice.

    JSON decoders differ on which of two equal names wins (Python's keeps
    the last, others the first), so a proxy or a log that reads the body
    may see another value than the API stores (I-JSON, RFC 7493 §2.3)."""
    members = dict(pairs)
    if len(members) != len(pairs):
        raise DuplicateKey()
    return members


class UnsupportedBody(ValueError):
    """The request body is not declared as JSON."""


def is_json_content_type(content_type: str) -> bool:
    """``application/json`` or a ``+json`` type (the charset aside)."""
    kind = (content_type or "").split(";", 1)[0].strip().lower()
    return kind == "application/json" or (
        kind.startswith("application/") and kind.endswith("+json")
    )


class StrictJSONParser(Parser):
    """JSON body parser whose failure the error handler can recognise.

    ninja wraps any parser exception into ``HttpError(400)``; the cause tells
    a malformed body (400) and a body that is not declared as JSON (415)
    apart from other 400s.
    """

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        """Decode the JSON body or raise :class:`MalformedBody` or
        :class:`UnsupportedBody`."""
        if not is_json_content_type(request.content_type):
            raise UnsupportedBody(request.content_type or "")
        try:
            return json.loads(request.body, object_pairs_hook=_members)
        except DuplicateKey:
            raise
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            # RecursionError: nesting deeper than the decoder's stack allows.
            # The decoder's message quotes the body; only the class travels on.
            raise MalformedBody(type(exc).__name__) from None


# Pydantic error types → (our code, message). Messages are ours, not
# pydantic's: some of pydantic's quote parts of the input.
_BAD_TEXT = (
    "invalid_character",
    lambda ctx: _("The text contains characters not allowed."),
)
_SCHEMA_ERRORS: dict[str, tuple[str, Callable[[dict], str]]] = {
    "missing": ("required", lambda ctx: _("This field is required.")),
    "string_too_long": (
        "too_long",
        lambda ctx: _("At most %(n)d characters.") % {"n": ctx.get("max_length", 0)},
    ),
    "too_long": (
        "too_many",
        lambda ctx: _("At most %(n)d items.") % {"n": ctx.get("max_length", 0)},
    ),
    "enum": ("invalid_choice", lambda ctx: _("Choose a valid value.")),
    "literal_error": ("invalid_choice", lambda ctx: _("Choose a valid value.")),
    "extra_forbidden": ("unknown_field", lambda ctx: _("Unknown field.")),
    "string_type": ("type_string", lambda ctx: _("Enter a text value.")),
    # A NUL or a lone surrogate (rekisteri.core.schemas.InputSchema); pydantic
    # itself refuses a lone surrogate in a constrained string.
    "text_character": _BAD_TEXT,
    "string_unicode": _BAD_TEXT,
    "bool_type": ("type_boolean", lambda ctx: _("Enter true or false.")),
    "bool_parsing": ("type_boolean", lambda ctx: _("Enter true or false.")),
    "int_type": ("type_integer", lambda ctx: _("Enter a whole number.")),
    "int_parsing": ("type_integer", lambda ctx: _("Enter a whole number.")),
    "int_from_float": ("type_integer", lambda ctx: _("Enter a whole number.")),
    "list_type": ("type_list", lambda ctx: _("Enter a list.")),
    "model_type": ("type_object", lambda ctx: _("Enter a JSON object.")),
    "model_attributes_type": ("type_object", lambda ctx: _("Enter a JSON object.")),
    "dict_type": ("type_object", lambda ctx: _("Enter a JSON object.")),
    "uuid_type": ("type_uuid", lambda ctx: _("Enter an id (UUID).")),
    "uuid_parsing": ("type_uuid", lambda ctx: _("Enter an id (UUID).")),
    "greater_than_equal": (
        "too_small",
        lambda ctx: _("Enter at least %(n)s.") % {"n": ctx.get("ge", "")},
    ),
    "less_than_equal": (
        "too_large",
        lambda ctx: _("Enter at most %(n)s.") % {"n": ctx.get("le", "")},
    ),
}
_DATE_MESSAGE = gettext_lazy("Enter a date in the form YYYY-MM-DD.")

# Where a value came from: stripped from the location, as is the body
# parameter's name, so a field is named as the client sent it.
_LOC_SOURCES = {"body", "query", "path", "header", "cookie", "form"}
_BODY_PARAM = "payload"
# An unknown field is named back only when its name could be a field's name.
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")


def _schema_error(err: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """(field name, {code, message}) for one ninja/pydantic error entry."""
    loc = list(err.get("loc") or ())
    if loc and loc[0] in _LOC_SOURCES:
        loc = loc[1:]
    if loc and loc[0] == _BODY_PARAM:
        loc = loc[1:]
    kind = str(err.get("type", ""))
    if kind == "extra_forbidden" and loc and not _NAME.fullmatch(str(loc[-1])):
        # The unknown name is the client's own text, which may be anything
        # (an address, markup, 100 kB): the error names where it was.
        loc = loc[:-1]
    field = ".".join(str(part) for part in loc) or "body"
    ctx = err.get("ctx") or {}
    if kind in _SCHEMA_ERRORS:
        code, message = _SCHEMA_ERRORS[kind]
        return field, {"code": code, "message": str(message(ctx))}
    if kind.startswith("date") or kind.startswith("datetime"):
        return field, {"code": "date_invalid", "message": str(_DATE_MESSAGE)}
    return field, {"code": "invalid", "message": str(_("This value is not valid."))}


def schema_error_fields(errors: list[dict[str, Any]]) -> dict[str, list[dict]]:
    """Group ninja's validation errors by field, without the submitted values."""
    fields: dict[str, list[dict[str, str]]] = {}
    for err in errors:
        name, entry = _schema_error(err)
        fields.setdefault(name, []).append(entry)
    return fields


# --------------------------------------------------------------------------
# The API object
# --------------------------------------------------------------------------


class RekisteriAPI(NinjaAPI):
    """NinjaAPI with no-store responses and URL patterns the permission kit
    can read.

    Each URL pattern's view gets ``required_perm`` (what the root urlconf's
    permission test kit looks for); operation routes also get
    ``required_perms`` per HTTP method. Anything under ``/api/`` that ninja
    does not route (unknown path, wrong method) answers with the JSON error
    shape instead of Django's HTML pages.
    """

    def create_response(
        self,
        request: HttpRequest,
        data: Any,
        *,
        status: int | None = None,
        temporal_response: HttpResponse | None = None,
    ) -> HttpResponse:
        """Render ``data`` and forbid caching (the body may be personal data)."""
        response = super().create_response(
            request, data, status=status, temporal_response=temporal_response
        )
        response["Cache-Control"] = "no-store"
        return response

    def create_temporal_response(self, request: HttpRequest) -> HttpResponse:
        """The response operations fill in; uncacheable from the start."""
        response = super().create_temporal_response(request)
        response["Cache-Control"] = "no-store"
        return response

    def operation_permissions(self) -> dict[str, dict[str, Perm]]:
        """{django route: {HTTP method: Perm}} of every operation."""
        result: dict[str, dict[str, Perm]] = {}
        for bound in self._get_bound_routers():
            prefix = replace_path_param_notation(bound.prefix)
            for path, path_view in bound.path_operations.items():
                route = "/".join(
                    p for p in (prefix, replace_path_param_notation(path)) if p
                )
                route = normalize_path(route).lstrip("/")
                perms = result.setdefault(route, {})
                for operation in path_view.operations:
                    extra = operation.openapi_extra or {}
                    perm = extra.get("x-required-permission")
                    for method in operation.methods:
                        perms[method] = Perm(perm) if perm else Perm.AUTHENTICATED
        return result

    def _get_urls(self) -> list:
        perms_by_route = self.operation_permissions()
        patterns: list = []
        for pattern in super()._get_urls():
            if not isinstance(pattern, URLPattern):
                patterns.append(pattern)
                continue
            route = str(pattern.pattern)
            if pattern.name in {"openapi-json", "openapi-view"}:
                view = pattern.callback
                view.required_perm = Perm.AUTHENTICATED
            elif route in perms_by_route:
                view = _json_fallbacks(pattern.callback)
                perms = perms_by_route[route]
                view.required_perms = perms
                # GET's permission when there is one: the least a caller needs
                # to use the route at all. Each method still checks its own.
                view.required_perm = perms.get("GET") or next(iter(perms.values()))
            else:
                view = _json_fallbacks(pattern.callback)
                view.required_perm = Perm.PUBLIC
            patterns.append(
                URLPattern(pattern.pattern, view, pattern.default_args, pattern.name)
            )
        patterns.append(re_path(r"^.*$", _not_found, name="not-found"))
        return patterns


def _json_fallbacks(view: Callable) -> Callable:
    """Turn the few non-JSON answers ninja gives outside operations into JSON."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            return _not_found(request)
        if response.status_code == 405 and not response.get(
            "Content-Type", ""
        ).startswith("application/json"):
            allow = response.get("Allow", "")
            response = error_response(
                "method_not_allowed", _("This method is not allowed here."), 405
            )
            response["Allow"] = allow
        return response

    return wrapped


def _not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """JSON 404 for any path under /api/ that no operation serves."""
    return error_response("not_found", _("Not found."), 404)


_not_found.required_perm = Perm.PUBLIC  # type: ignore[attr-defined]
_not_found.csrf_exempt = True  # type: ignore[attr-defined]


def _docs_access(view: Callable) -> Callable:
    """The docs page and schema are for staff: a session or a valid token.

    The docs page sends an anonymous visitor to the login page; the JSON
    schema answers 401 in the API's error shape.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            user = None
            header = request.headers.get("Authorization", "")
            scheme, _sep, value = header.partition(" ")
            if scheme.lower() == "bearer":
                token = api_token_authenticate(value.strip())
                user = token.user if token is not None else None
        if has_perm(user, Perm.AUTHENTICATED):
            return view(request, *args, **kwargs)
        match = getattr(request, "resolver_match", None)
        if match is not None and match.url_name == "openapi-view":
            return redirect_to_login(request.get_full_path())
        return _unauthenticated_response()

    return wrapped


def _unauthenticated_response() -> HttpResponse:
    response = error_response("unauthenticated", _("Authentication is required."), 401)
    response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


api = RekisteriAPI(
    title="Rekisteri API",
    version="1",
    description=(
        "Customer register API. Authenticate with a personal API token "
        "(`Authorization: Bearer rk_<prefix>_<secret>`), created under your "
        "account; a read-scope token may only read and search. Every operation "
        "lists the permission it needs as `x-required-permission`. Errors are "
        '`{"error": {"code", "message", "fields"}}`; messages never repeat '
        "submitted values."
    ),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
    docs_decorator=_docs_access,
    # Operations set their own (permission-checking) auth through
    # ``requires``; this default still demands a login from any that do not.
    auth=[TokenAuth(), StaffSessionAuth()],
    parser=StrictJSONParser(),
)
api.add_router("/v1", registry_router)
api.add_router("/v1", accounts_router)
api.add_router("/v1", messaging_router)
api.add_router("/v1", contracts_router)
api.add_router("/v1", privacy_router)
api.add_router("/v1", billing_router)
api.add_router("/v1", rights_router)
api.add_router("/v1", restrictions_router)
api.add_router("/v1", dsr_router)


# --------------------------------------------------------------------------
# Exception handlers
# --------------------------------------------------------------------------


@api.exception_handler(ValidationFailed)
def _on_validation_failed(request: HttpRequest, exc: ValidationFailed) -> HttpResponse:
    return api.create_response(
        request,
        error_body(exc.code, exc.message, exc.as_dict()),
        status=exc.status,
    )


@api.exception_handler(ServiceError)
def _on_service_error(request: HttpRequest, exc: ServiceError) -> HttpResponse:
    if exc.status == 403:
        _record_api_denied(request, exc)
    return api.create_response(
        request, error_body(exc.code, exc.message), status=exc.status
    )


def _record_api_denied(request: HttpRequest, exc: ServiceError) -> None:
    """``access.denied`` for a refused API call: the caller (token owner or
    session user), the route name and the refusal code."""
    token = getattr(request, TOKEN_ATTR, None)
    actor = token.user if token is not None else getattr(request, "user", None)
    match = getattr(request, "resolver_match", None)
    audit_record(
        actor=actor,
        action="access.denied",
        outcome=Outcome.DENIED,
        target_type="api",
        target_id=(match.view_name if match else "")[:64],
        subject_id=refusals.subject_of(match.kwargs if match else None),
        purpose="security",
        details={"code": exc.code, "method": request.method},
        request=request,
    )


@api.exception_handler(SchemaValidationError)
def _on_schema_error(request: HttpRequest, exc: SchemaValidationError) -> HttpResponse:
    return api.create_response(
        request,
        error_body(
            "validation_error",
            _("Some fields are not valid."),
            schema_error_fields(exc.errors),
        ),
        status=422,
    )


@api.exception_handler(AuthenticationError)
def _on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = api.create_response(
        request,
        error_body(
            "unauthenticated",
            _("Authentication is required: send a valid API token."),
        ),
        status=401,
    )
    response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


@api.exception_handler(PermissionDenied)
def _on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(
        request,
        error_body("forbidden", _("You do not have permission to do this.")),
        status=403,
    )


@api.exception_handler(Http404)
def _on_404(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(
        request, error_body("not_found", _("Not found.")), status=404
    )


_HTTP_ERROR_CODES = {
    400: ("bad_request", gettext_noop("The request is not valid.")),
    401: ("unauthenticated", gettext_noop("Authentication is required.")),
    403: ("forbidden", gettext_noop("You do not have permission to do this.")),
    404: ("not_found", gettext_noop("Not found.")),
    405: ("method_not_allowed", gettext_noop("This method is not allowed here.")),
    429: ("throttled", gettext_noop("Too many requests; try again later.")),
}


@api.exception_handler(HttpError)
def _on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # ninja's own messages may carry parser details in DEBUG; use ours.
    status = exc.status_code
    if isinstance(exc.__cause__, DuplicateKey):
        code = "duplicate_key"
        message = _("An object in the request body names a field twice.")
    elif isinstance(exc.__cause__, MalformedBody):
        code, message = "malformed_json", _("The request body is not valid JSON.")
    elif isinstance(exc.__cause__, UnsupportedBody):
        status = 415
        code = "unsupported_media_type"
        message = _("Send the request body as JSON (Content-Type: application/json).")
    else:
        code, text = _HTTP_ERROR_CODES.get(
            exc.status_code,
            ("error", gettext_noop("The request could not be handled.")),
        )
        message = _(text)
    response = api.create_response(request, error_body(code, message), status=status)
    if isinstance(exc, Throttled) and exc.wait is not None:
        response["Retry-After"] = str(int(exc.wait) + 1)
    return response


@api.exception_handler(RequestDataTooBig)
def _on_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    # Django refuses to read a body over DATA_UPLOAD_MAX_MEMORY_SIZE.
    limit_mb = number_format(
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE / (1024 * 1024), decimal_pos=1
    )
    return api.create_response(
        request,
        error_body(
            "payload_too_large",
            _("The request body is larger than the %(limit)s MB limit.")
            % {"limit": limit_mb},
        ),
        status=413,
    )


@api.exception_handler(Exception)
def _on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    # The class name only: the message and traceback may quote personal data.
    logger.error("API operation failed: %s", type(exc).__name__)
    return api.create_response(
        request,
        error_body("internal_error", _("Something went wrong; try again later.")),
        status=500,
    )
