"""Security headers for every response."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

from rekisteri.core import keyring
from rekisteri.core.errors import Forbidden, NotFound

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
# The bundled Swagger UI sets inline styles; scripts stay same-origin only.
DOCS_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")


class SecurityHeadersMiddleware:
    """Content-Security-Policy (no inline script), and no caching of pages
    that may show personal data."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = DOCS_CSP if request.path.startswith("/api/docs") else CSP
        response.headers.setdefault("Content-Security-Policy", policy)
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            response.headers.setdefault("Cache-Control", "no-store, private")
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        return response


class KeyScopeMiddleware:
    """Unwrapped data keys are cached for one request and forgotten after it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with keyring.key_scope():
            return self.get_response(request)


class FinnishFirstLocaleMiddleware(LocaleMiddleware):
    """Finnish unless the user chose another language with the switch.

    The browser's Accept-Language is ignored on purpose: the staff UI is
    Finnish by default, and English is a choice remembered in a cookie.
    """

    def process_request(self, request: HttpRequest) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class ServiceErrorMiddleware:
    """A selector's ``NotFound`` is the UI's 404 page, a service's
    ``Forbidden`` its 403 page, so views need not wrap every call.

    Raised from ``process_exception``, Django answers exactly as if the view
    had raised ``Http404`` or ``PermissionDenied``. The API is not affected:
    django-ninja maps service errors to its JSON error bodies itself
    (``rekisteri/api.py``) before any middleware sees them.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        if isinstance(exception, NotFound):
            raise Http404 from None
        if isinstance(exception, Forbidden):
            raise PermissionDenied from None
