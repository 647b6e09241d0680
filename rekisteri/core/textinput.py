"""Form text that arrived damaged is refused, not stored.

Django decodes a form post (URL-encoded or multipart) as UTF-8 with
replacement: bytes that are not UTF-8 — a client posting Latin-1, a
truncated character — become U+FFFD, and the form would store that
mojibake. :func:`install` makes every text field (``forms.CharField`` and
its subclasses: email, URL, regex, slug fields) refuse a value holding
U+FFFD with the field error ``invalid_encoding``, so the person who typed it
can send it again; :func:`refuse_damaged` does the same for a view that
reads its post without a form. The JSON API refuses invalid UTF-8 as a
malformed body.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from rekisteri.core.errors import FieldErrors

REPLACEMENT = "\ufffd"
INVALID_ENCODING = _(
    "This text has characters that could not be read (it was not sent as "
    "UTF-8). Type it again."
)


def install() -> None:
    """Wrap ``forms.CharField.to_python`` once (idempotent)."""
    original = forms.CharField.to_python
    if getattr(original, "_refuses_replacement", False):
        return

    def to_python(self: forms.CharField, value: Any) -> Any:
        value = original(self, value)
        if isinstance(value, str) and REPLACEMENT in value:
            raise ValidationError(INVALID_ENCODING, code="invalid_encoding")
        return value

    to_python._refuses_replacement = True  # type: ignore[attr-defined]
    forms.CharField.to_python = to_python  # type: ignore[method-assign]


def refuse_damaged(post: Any) -> None:
    """Raise ``ValidationFailed`` with ``invalid_encoding`` on every field of
    ``post`` (a ``QueryDict``) holding U+FFFD, as a form's text field would."""
    errors = FieldErrors()
    for name, values in post.lists():
        if any(REPLACEMENT in value for value in values):
            errors.add(name, "invalid_encoding", str(INVALID_ENCODING))
    errors.raise_if_any()
