"""New primary keys: time-ordered for register rows, random for handles
given outside the staff (docs/security.md, Identifiers)."""

from __future__ import annotations

import time
import uuid

import pytest
from django.apps import apps
from django.db import models

from rekisteri.core import ids
from rekisteri.core.errors import NotFound

# Rows whose id reaches someone outside the staff: a portal requester, a
# download link, an erasure receipt, a one-time code or a token.
RANDOM_IDS = {
    "accounts.ApiToken",
    "accounts.EnrolmentCode",
    "dsr.ExportFile",
    "dsr.IdentityCode",
    "dsr.PortalDraft",
    "rights.ErasureReceipt",
    # Its id is the download link's only name (docs/rights.md, Stored exports).
    "rights.StaffExport",
}


def test_time_ordered_ids_are_version_7_and_sort_by_creation():
    made = [ids.time_ordered_id() for _ in range(2000)]
    assert all(isinstance(u, uuid.UUID) and u.version == 7 for u in made)
    assert made == sorted(made)
    assert [u.hex for u in made] == sorted(u.hex for u in made)  # SQLite's order
    assert len(set(made)) == len(made)
    millis = made[-1].int >> 80
    assert abs(millis - time.time_ns() // 1_000_000) < 60_000


def test_random_ids_are_version_4():
    a, b = ids.random_id(), ids.random_id()
    assert a.version == b.version == 4
    assert a != b


def test_every_uuid_primary_key_has_one_of_the_two_defaults():
    seen = {}
    for model in apps.get_models():
        pk = model._meta.pk
        if isinstance(pk, models.UUIDField):
            seen[model._meta.label] = pk.default
    assert seen, "no model has a UUID primary key"
    expected = {
        label: ids.random_id if label in RANDOM_IDS else ids.time_ordered_id
        for label in seen
    }
    wrong = {label: d for label, d in seen.items() if d is not expected[label]}
    assert wrong == {}
    assert set(seen) >= RANDOM_IDS


def test_an_id_in_other_scripts_digits_is_not_found():
    real = uuid.UUID("01a24e55-1bfd-72fb-842d-fccbf4403119")
    assert ids.as_uuid(str(real)) == real
    for zero in (0x660, 0xFF10, 0x966):  # Arabic-Indic, fullwidth, Devanagari
        spelt = "".join(chr(zero + int(c)) if c.isdigit() else c for c in str(real))
        with pytest.raises(NotFound):
            ids.as_uuid(spelt)


@pytest.mark.parametrize(
    "spelt",
    [
        "urn:uuid:01a24e55-1bfd-72fb-842d-fccbf4403119",
        "{01a24e55-1bfd-72fb-842d-fccbf4403119}",
        "01a24e551bfd72fb842dfccbf4403119",
        "01a24e55_1bfd_72fb_842d_fccbf4403119",
        " 01a24e55-1bfd-72fb-842d-fccbf4403119",
        "01a24e55-1bfd-72fb-842d-fccbf4403119\n",
        "01a24e55-1bfd-72fb-842d-fccbf440311",
        "01a24e55-1bfd-72fb-842d-fccbf44031199",
        "",
    ],
)
def test_an_id_has_one_spelling(spelt):
    with pytest.raises(NotFound):
        ids.as_uuid(spelt)


def test_an_id_in_capitals_is_the_same_id():
    real = uuid.UUID("01a24e55-1bfd-72fb-842d-fccbf4403119")
    assert ids.as_uuid(str(real).upper()) == real
    assert ids.as_uuid(real) is real


@pytest.mark.django_db
def test_a_whole_number_id_in_a_path_has_one_spelling(client):
    from rekisteri.accounts.choices import StaffRole
    from rekisteri.testing import client_as, make_staff

    admin = client_as(StaffRole.ADMINISTRATOR, client=client)
    other = make_staff(StaffRole.SALES)
    assert admin.get(f"/accounts/staff/{other.pk}/").status_code == 200
    for spelt in (f"0{other.pk}", f"00{other.pk}", "9" * 5000, "0"):
        assert admin.get(f"/accounts/staff/{spelt}/").status_code == 404, spelt
