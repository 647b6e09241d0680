"""The audit vocabulary: every action an audit event may name, declared once.

Each app declares the actions it records, with what each means, in its own
``<app>/audit_events.py``::

    EVENTS = {
        "person.view": "A person's page, edit form or API record was shown.",
    }

The audit app collects them when the apps are ready (it looks the modules up
by name, so it imports no app above it), and :func:`audit_record` refuses an
action no app declared: a typo or a new event without a description fails
the first test that records it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from importlib import import_module

from django.apps import apps
from django.utils.module_loading import module_has_submodule

MODULE = "audit_events"


@dataclass(frozen=True)
class EventType:
    action: str
    description: str
    app: str


class UndeclaredAuditEvent(ValueError):
    """An audit event names an action that no app declared."""


_events: dict[str, EventType] = {}


def declare(app: str, events: Mapping[str, str]) -> None:
    """Add an app's actions; an action belongs to one app only."""
    for action, description in events.items():
        known = _events.get(action)
        if known is not None and known.app != app:
            raise ValueError(f"audit action {action} is declared by {known.app}")
        _events[action] = EventType(action, str(description), app)


def discover() -> None:
    """Collect ``EVENTS`` from every installed app's ``audit_events`` module."""
    for config in apps.get_app_configs():
        if module_has_submodule(config.module, MODULE):
            module = import_module(f"{config.name}.{MODULE}")
            declare(config.label, module.EVENTS)


def check(action: str) -> None:
    if action not in _events:
        raise UndeclaredAuditEvent(
            f"audit action {action!r} is not declared in any app's {MODULE}.py"
        )


def is_declared(action: str) -> bool:
    return action in _events


def event_types() -> list[EventType]:
    return sorted(_events.values(), key=lambda e: (e.app, e.action))
