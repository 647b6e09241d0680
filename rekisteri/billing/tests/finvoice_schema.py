"""The official Finvoice 3.0 schema, for validating every generated document.

``data/Finvoice3.0.xsd`` is vendored unchanged; its source is noted in
``data/SOURCES.md``. The schema is compiled once per test run.
"""

from __future__ import annotations

import functools
import xml.etree.ElementTree as ET  # noqa: S405 - our own output
from pathlib import Path

import xmlschema

XSD = Path(__file__).parent / "data" / "Finvoice3.0.xsd"


@functools.cache
def schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(XSD)


def errors_of(document: bytes) -> list[str]:
    """The schema's complaints about ``document`` (empty when valid)."""
    return [
        f"{err.path}: {err.reason}" for err in schema().iter_errors(document.decode())
    ]


def assert_valid(document: bytes) -> ET.Element:
    """``document`` parsed, after asserting it is valid Finvoice 3.0."""
    problems = errors_of(document)
    assert not problems, "invalid Finvoice 3.0:\n" + "\n".join(problems[:10])
    return ET.fromstring(document)  # noqa: S314
