"""Form posts whose text is not UTF-8 are refused with a field error instead
of being stored as mojibake (Django decodes them with U+FFFD)."""

from __future__ import annotations

from urllib.parse import quote_from_bytes

import pytest
from django import forms
from django.urls import reverse

from rekisteri.accounts.choices import StaffRole
from rekisteri.registry.models import Organization
from rekisteri.testing import client_as

pytestmark = pytest.mark.django_db

FIELDS = {
    "business_id": b"",
    "vat_number": b"",
    "status": b"customer",
    "postal_street": b"Mannerheimintie 1",
    "postal_postal_code": b"00100",
    "postal_city": b"Helsinki",
    "postal_country": b"FI",
    "visiting_street": b"",
    "visiting_postal_code": b"",
    "visiting_city": b"",
    "visiting_country": b"FI",
}


def _urlencoded(name: bytes) -> bytes:
    pairs = {"name": name, **FIELDS}
    return b"&".join(
        k.encode() + b"=" + quote_from_bytes(v).encode() for k, v in pairs.items()
    )


@pytest.fixture
def staff_client(client):
    client_as(StaffRole.SALES, client=client)
    return client


def test_a_latin1_form_post_is_refused_with_a_field_error(staff_client):
    # "Mäkelä Oy" from a client that posts ISO-8859-1.
    body = _urlencoded("Mäkelä Oy".encode("latin-1"))
    response = staff_client.post(
        reverse("registry:organization_create"),
        body,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.has_error("name", "invalid_encoding")
    assert not Organization.objects.exists()


def test_a_multipart_post_with_invalid_utf8_is_refused(staff_client):
    boundary = "b0undary"
    parts = [b"--" + boundary.encode()]
    for name, value in {"name": b"M\xe4kel\xe4 Oy", **FIELDS}.items():
        parts.append(
            b'Content-Disposition: form-data; name="'
            + name.encode()
            + b'"\r\n\r\n'
            + value
        )
        parts.append(b"--" + boundary.encode())
    body = b"\r\n".join(parts) + b"--\r\n"
    response = staff_client.post(
        reverse("registry:organization_create"),
        body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 200
    assert response.context["form"].has_error("name", "invalid_encoding")
    assert not Organization.objects.exists()


def test_the_same_text_in_utf8_is_stored():
    field = forms.CharField()
    assert field.clean("Mäkelä Oy") == "Mäkelä Oy"
    with pytest.raises(forms.ValidationError) as exc:
        field.clean("M\ufffdkel\ufffd Oy")
    assert exc.value.code == "invalid_encoding"
    email = forms.EmailField()
    with pytest.raises(forms.ValidationError):
        email.clean("m\ufffd@example.fi")
