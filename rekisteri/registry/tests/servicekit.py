"""What the register's service tests share: row counts and the refusal that
must leave no row behind."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from rekisteri.accounts.choices import StaffRole
from rekisteri.core.errors import ValidationFailed
from rekisteri.registry.models import (
    Organization,
    Person,
    PersonEmail,
    PersonPhone,
    Provenance,
    Role,
)
from rekisteri.testing import make_staff

COUNTED = (Organization, Person, PersonEmail, PersonPhone, Role, Provenance)


def row_counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in COUNTED}


@contextmanager
def refused(*codes: str, field: str | None = None) -> Iterator[ValidationFailed]:
    """Expect ValidationFailed carrying ``codes`` and no rows written at all."""
    before = row_counts()
    with pytest.raises(ValidationFailed) as excinfo:
        yield excinfo
    got = {code for errs in excinfo.value.fields.values() for code, _msg in errs}
    assert set(codes) <= got, excinfo.value.fields
    if field is not None:
        assert field in excinfo.value.fields
    assert row_counts() == before, "a refused write left rows behind"


def staff():
    """A new sales staff member."""
    return make_staff(StaffRole.SALES)
