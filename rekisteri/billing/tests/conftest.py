"""Every Finvoice document a billing test generates is validated against the
official Finvoice 3.0 schema, whichever test or view generated it."""

from __future__ import annotations

import xml.etree.ElementTree as ET  # noqa: S405 - our own output

import pytest

from rekisteri.billing import finvoice
from rekisteri.billing.tests.finvoice_schema import assert_valid

VALIDATED: list[int] = []


@pytest.fixture(autouse=True)
def _validate_every_finvoice(monkeypatch):
    build = finvoice.finvoice_element

    def validated(*args, **kwargs):
        root = build(*args, **kwargs)
        assert_valid(ET.tostring(root, encoding="UTF-8", xml_declaration=True))
        VALIDATED.append(1)
        return root

    monkeypatch.setattr(finvoice, "finvoice_element", validated)
