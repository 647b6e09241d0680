"""Extension points of the customer register, filled by apps above it.

The register must not import the apps that build on it (docs/architecture.md,
layering), so they register here in ``AppConfig.ready`` instead, the way
``rekisteri.core.holds`` collects legal holds:

- organization page sections: ``(request, organization) → HTML or ""``,
  rendered below the organization's facts in name order;
- person page sections: ``(request, person) → HTML or ""``, rendered
  below the person's privacy facts in name order;
- person page annotations: ``() → {name: expression}``, added to the
  person page's own query (``selectors.person_get``), so a section reads
  its flags or rows from the person instead of with a query of its own;
- subcommands of ``manage.py registry``: a name, a help text, a function that
  adds the arguments and one that runs it.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.safestring import SafeString

OrganizationSection = Callable[[Any, Any], SafeString | str]
_sections: dict[str, OrganizationSection] = {}


def register_organization_section(name: str, render: OrganizationSection) -> None:
    """Register (or replace) the organization page section called ``name``."""
    _sections[name] = render


def unregister_organization_section(name: str) -> None:
    _sections.pop(name, None)


def organization_sections(request: Any, organization: Any) -> list[SafeString | str]:
    """Every registered section's HTML for this page, empty ones left out."""
    out = []
    for name in sorted(_sections):
        html = _sections[name](request, organization)
        if html:
            out.append(html)
    return out


PersonSection = Callable[[Any, Any], SafeString | str]
_person_sections: dict[str, PersonSection] = {}


def register_person_section(name: str, render: PersonSection) -> None:
    """Register (or replace) the person page section called ``name``."""
    _person_sections[name] = render


def unregister_person_section(name: str) -> None:
    _person_sections.pop(name, None)


def person_sections(request: Any, person: Any) -> list[SafeString | str]:
    """Every registered person section's HTML, empty ones left out."""
    out = []
    for name in sorted(_person_sections):
        html = _person_sections[name](request, person)
        if html:
            out.append(html)
    return out


PersonAnnotations = Callable[[], dict[str, Any]]
_person_annotations: dict[str, PersonAnnotations] = {}


def register_person_annotations(name: str, annotations: PersonAnnotations) -> None:
    """Add ``annotations()`` (expressions over the person's row, ``pk`` as
    ``OuterRef``) to the person page's query; their names should start with
    the registering app's label."""
    _person_annotations[name] = annotations


def person_annotations_key() -> tuple[tuple[str, PersonAnnotations], ...]:
    """What the registered annotations are, for the key of a statement
    compiled with them (registry.selectors.person_get)."""
    return tuple(sorted(_person_annotations.items()))


def person_annotations() -> dict[str, Any]:
    """Every registered annotation, by name."""
    out: dict[str, Any] = {}
    for name in sorted(_person_annotations):
        out.update(_person_annotations[name]())
    return out


@dataclass(frozen=True)
class Subcommand:
    """One ``manage.py registry <name>`` subcommand.

    ``run(command, options)`` gets the Django command (for ``stdout``,
    ``stderr`` and ``style``) and the parsed options; it raises
    ``CommandError`` to fail.
    """

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[Any, dict[str, Any]], None]


_subcommands: dict[str, Subcommand] = {}


def register_subcommand(sub: Subcommand) -> None:
    _subcommands[sub.name] = sub


def subcommands() -> list[Subcommand]:
    return [_subcommands[n] for n in sorted(_subcommands)]
