"""Errors that services raise, with machine-readable codes.

Views turn them into field-level form errors, the API into 4xx JSON bodies
(``{"error": {"code": ..., "message": ..., "fields": {...}}}``). A message
never contains the offending value: it may be personal data.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


class ServiceError(Exception):
    """Base class: a request the service refuses, with a stable code."""

    code = "invalid"
    status = 400

    def __init__(self, message: str | None = None, *, code: str | None = None) -> None:
        self.message = str(message or self.default_message())
        if code:
            self.code = code
        super().__init__(self.message)

    def default_message(self) -> str:
        return str(_("The request is not valid."))

    def reasons(self) -> list[str]:
        """What to tell a user whose button press was refused."""
        return [self.message]


class ValidationFailed(ServiceError):
    """One or more fields are invalid. ``fields`` maps field → [(code, msg)]."""

    code = "validation_error"
    status = 422

    def __init__(self, fields: dict[str, list[tuple[str, str]]]) -> None:
        self.fields = fields
        super().__init__(_("Some fields are not valid."))

    @classmethod
    def single(cls, field: str, code: str, message: str) -> ValidationFailed:
        return cls({field: [(code, str(message))]})

    def reasons(self) -> list[str]:
        """Each field's messages: they say what to fix."""
        return [m for errs in self.fields.values() for _code, m in errs]

    def as_dict(self) -> dict[str, list[dict[str, str]]]:
        return {
            name: [{"code": c, "message": str(m)} for c, m in errs]
            for name, errs in self.fields.items()
        }


class Conflict(ServiceError):
    code = "conflict"
    status = 409


class NotFound(ServiceError):
    """Missing or outside the user's scope: the two look the same."""

    code = "not_found"
    status = 404

    def default_message(self) -> str:
        return str(_("Not found."))


class Forbidden(ServiceError):
    code = "forbidden"
    status = 403

    def default_message(self) -> str:
        return str(_("You do not have permission to do this."))


class FieldErrors:
    """Collects field errors and raises them together."""

    def __init__(self) -> None:
        self.fields: dict[str, list[tuple[str, str]]] = {}

    def add(self, field: str, code: str, message: str) -> None:
        self.fields.setdefault(field, []).append((code, str(message)))

    def __bool__(self) -> bool:
        return bool(self.fields)

    def raise_if_any(self) -> None:
        if self.fields:
            raise ValidationFailed(self.fields)
