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

from rekisteri.access.enforce import not_a_write_service

# listener(actor=..., person=..., emails=[normalised], phones=[E.164])
Listener = Callable[..., None]
_listeners: dict[str, Listener] = {}


def register_contact_listener(name: str, listener: Listener) -> None:
    """Register (or replace) the listener called ``name``."""
    _listeners[name] = listener


def unregister_contact_listener(name: str) -> None:
    _listeners.pop(name, None)


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
