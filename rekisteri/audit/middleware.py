"""Make the current request known to ``audit_record``.

Services take an ``actor`` but no request; with this middleware the events
they record still carry the client address of the request that caused them.
A context variable, so concurrent requests (threads, async) never mix.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.http import HttpRequest, HttpResponse

current_request: ContextVar[Any] = ContextVar("rekisteri_audit_request", default=None)


class AuditContextMiddleware:
    """Sets :data:`current_request` for the duration of each request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            current_request.reset(token)
