"""Make the current request known to ``audit_record``.

Services take an ``actor`` but no request; with this middleware the events
they record still carry the client address of the request that caused them.
A context variable, so concurrent requests (threads, async) never mix.

It also opens the request's audit scope: the events the request records
outside its own transactions (the reads of a page) are appended together
when the view is done (rekisteri/audit/batching.py).
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.http import HttpRequest, HttpResponse

from rekisteri.audit.batching import request_scope

current_request: ContextVar[Any] = ContextVar("rekisteri_audit_request", default=None)


class AuditContextMiddleware:
    """Sets :data:`current_request` and holds the request's reads' events
    for the duration of each request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_request.set(request)
        try:
            with request_scope():
                return self.get_response(request)
        finally:
            current_request.reset(token)
