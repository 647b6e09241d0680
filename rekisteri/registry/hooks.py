"""Listeners for new contact points of a person.

An app above the registry (the suppression list of rekisteri.restrictions)
needs to know when an email address or phone number enters the register, on
every path that creates a person or adds one: the staff forms, the API,
imports, the invoice form's typed contact. It registers a listener in
``AppConfig.ready``; the registry calls every listener inside the write's
transaction, after the rows exist, and never imports the listening app.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.dispatch import Signal

from rekisteri.access.enforce import not_a_write_service

# listener(actor=..., person=..., emails=[normalised], phones=[E.164])
Listener = Callable[..., None]
_listeners: dict[str, Listener] = {}
# listener_many(actor=..., added=[(person, emails, phones), ...])
_listeners_many: dict[str, Listener] = {}

# Sent after a bulk write of new rows (``bulk_create`` sends no post_save),
# with ``sender`` the model and ``instances`` the new rows (or, for a cache
# recomputed set-based, the rows stored): an app that follows single saves
# through ``post_save`` follows bulk writes here, once for the lot
# (rekisteri.registry.bulk, contracts.relationship).
rows_created = Signal()


def register_contact_listener(name: str, listener: Listener) -> None:
    """Register (or replace) the listener called ``name``."""
    _listeners[name] = listener


def unregister_contact_listener(name: str) -> None:
    _listeners.pop(name, None)
    _listeners_many.pop(name, None)


def register_contact_listener_many(name: str, listener: Listener) -> None:
    """Register the batched form of the listener called ``name``."""
    _listeners_many[name] = listener


@not_a_write_service("tells listeners inside a write that its service authorized")
def contact_points_added(
    *, actor: Any, person: Any, emails: Sequence[str], phones: Sequence[str]
) -> None:
    """Tell every listener that ``person`` now has these new addresses."""
    if not emails and not phones:
        return
    for name in sorted(_listeners):
        _listeners[name](
            actor=actor, person=person, emails=list(emails), phones=list(phones)
        )


@not_a_write_service("tells listeners inside a bulk write that its service authorized")
def contact_points_added_many(
    *, actor: Any, added: Sequence[tuple[Any, Sequence[str], Sequence[str]]]
) -> None:
    """:func:`contact_points_added` for many persons: ``added`` holds
    ``(person, emails, phones)``. A listener without a batched form is
    called person by person."""
    added = [(p, list(e), list(ph)) for p, e, ph in added if e or ph]
    if not added:
        return
    for name in sorted(_listeners):
        many = _listeners_many.get(name)
        if many is not None:
            many(actor=actor, added=added)
            continue
        for person, emails, phones in added:
            _listeners[name](actor=actor, person=person, emails=emails, phones=phones)


# --------------------------------------------------------------------------
# Whether a person's processing is restricted (GDPR Art. 18)
# --------------------------------------------------------------------------

# provider(person_id) -> bool
_restricted: dict[str, Callable[[Any], bool]] = {}


def register_restriction_status(name: str, provider: Callable[[Any], bool]) -> None:
    """Register (or replace) a provider telling whether a person is restricted."""
    _restricted[name] = provider


def person_restricted(person_id: Any) -> bool:
    """True when any provider says the person's processing is restricted
    (the person API's ``restricted`` field; the page shows a banner)."""
    return any(_restricted[name](person_id) for name in sorted(_restricted))


# --------------------------------------------------------------------------
# Whether an address is on a suppression list (GDPR Art. 21(3))
# --------------------------------------------------------------------------

# query(kind, value) -> bool; kind is "email" or "phone", value normalised
_suppression: dict[str, Callable[[str, str], bool]] = {}


def register_suppression_query(name: str, query: Callable[[str, str], bool]) -> None:
    """Register (or replace) a query telling whether an address is suppressed."""
    _suppression[name] = query


def contact_suppressed(kind: str, value: str) -> bool:
    """True when an address may not be added for marketing (an importer of
    third-party lists leaves the row out)."""
    return any(_suppression[name](kind, value) for name in sorted(_suppression))


# query_many(kind, values) -> the suppressed ones; one query for a batch
_suppression_many: dict[str, Callable[[str, Sequence[str]], set[str]]] = {}


def register_suppression_query_many(
    name: str, query: Callable[[str, Sequence[str]], set[str]]
) -> None:
    """Register (or replace) the batched form of a suppression query."""
    _suppression_many[name] = query


def contacts_suppressed(kind: str, values: Sequence[str]) -> set[str]:
    """Those of ``values`` (normalised) that may not be added for marketing:
    the batched :func:`contact_suppressed` of list imports. A query with no
    batched form is asked value by value."""
    found: set[str] = set()
    for name in sorted(_suppression):
        many = _suppression_many.get(name)
        if many is not None:
            found |= many(kind, values)
        else:
            found |= {v for v in values if _suppression[name](kind, v)}
    return found
