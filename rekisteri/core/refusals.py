"""Whose data a refused request was after.

A refused page or API call (``access.denied``) is linked to the person it
targeted, so the privacy officer's "who accessed this person" lists refused
attempts too. The lower layers (accounts, the API shell) do not know the
register's models; the apps that own person-keyed routes register a
resolver here in ``AppConfig.ready`` (the pattern of ``rekisteri.core.holds``).

A resolver gets the route's keyword arguments and returns the data subject's
id only when the object exists (today every existing person is in every
user's scope); otherwise None, and the event names no one. The refusal
itself is answered the same either way, so nothing about existence leaks to
the caller.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import ValidationError

Resolver = Callable[[Mapping[str, Any]], uuid.UUID | None]
_resolvers: list[Resolver] = []


def register(resolver: Resolver) -> None:
    if resolver not in _resolvers:
        _resolvers.append(resolver)


def subject_of(kwargs: Mapping[str, Any] | None) -> uuid.UUID | None:
    """The person a refused route targeted, if it exists; else None."""
    if not kwargs:
        return None
    for resolver in _resolvers:
        try:
            found = resolver(kwargs)
        except (ValueError, TypeError, ValidationError):  # not an id at all
            found = None
        if found is not None:
            return found
    return None
