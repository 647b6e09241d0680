"""Form posts with more fields than ``DATA_UPLOAD_MAX_NUMBER_FIELDS``.

Django refuses such a post with ``TooManyFieldsSent`` — a bare 400 that
loses everything typed. The limit itself stays (it bounds the work one
request can cause), but the answer is a page that says it:

* a view that can take part of a post (``@accepts_truncated_post``) gets
  the first fields up to the limit, in the order the browser sent them, and
  ``request.post_truncated`` with the number of fields sent; it re-renders
  its form with an error and saves nothing;
* any other view is not run: the visitor sees an error page naming the
  limit (status 400).

The middleware runs before the CSRF check, which reads the post first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from django.conf import settings
from django.core.exceptions import TooManyFieldsSent
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.datastructures import MultiValueDict


def accepts_truncated_post(view: Callable) -> Callable:
    """Mark a view that handles ``request.post_truncated`` itself (put it
    below the other decorators: ``functools.wraps`` carries the mark up)."""
    view.accepts_truncated_post = True  # type: ignore[attr-defined]
    return view


def field_limit() -> int:
    return settings.DATA_UPLOAD_MAX_NUMBER_FIELDS or 0


class FieldLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        if request.method != "POST":
            return None
        try:
            request.POST  # noqa: B018 - parse now, as the CSRF check would
        except TooManyFieldsSent:
            pass
        else:
            return None
        limit = field_limit()
        urlencoded = request.content_type == "application/x-www-form-urlencoded"
        if urlencoded and getattr(view, "accepts_truncated_post", False):
            # The body is bounded by DATA_UPLOAD_MAX_MEMORY_SIZE.
            pairs = parse_qsl(
                request.body.decode(request.encoding or "utf-8", "replace"),
                keep_blank_values=True,
            )
            kept = QueryDict(mutable=True)
            for key, value in pairs[:limit]:
                kept.appendlist(key, value)
            kept._mutable = False
            request._post = kept
            request._files = MultiValueDict()
            request.post_truncated = len(pairs)  # type: ignore[attr-defined]
            return None
        return render(
            request,
            "400_fields.html",
            {"limit": limit},
            status=400,
        )
