"""Builders for tests: data made visibly in each test through the services."""

from __future__ import annotations

import functools
import itertools
from typing import Any

from django.contrib.auth.hashers import make_password
from django.test import Client

from rekisteri.accounts.choices import StaffRole
from rekisteri.accounts.conf import setting
from rekisteri.accounts.credentials import open_totp_key
from rekisteri.accounts.models import (
    ConfidentialityAttestation,
    SealedTOTPDevice,
    StaffUser,
    TrainingRecord,
)
from rekisteri.accounts.sessions import mark_reauth
from rekisteri.core import formats
from rekisteri.registry.services import organization_create, person_create

TEST_PASSWORD = "correct-horse-battery-staple-42"  # noqa: S105 - test only


@functools.cache
def _test_password_hash() -> str:
    """TEST_PASSWORD hashed once per process with the configured hasher
    (Argon2): a hash costs up to a second on a busy machine, and most tests
    make several accounts that never sign in with a password. The hash is a
    real one, so signing in with TEST_PASSWORD works as before."""
    return make_password(TEST_PASSWORD)


_counter = itertools.count(1)


def make_staff(
    role: str = StaffRole.SALES, *, cleared: bool = True, **kwargs: Any
) -> StaffUser:
    """A staff account with ``role`` and the password TEST_PASSWORD.

    ``cleared`` (the default) records a privacy training completed today and
    signs the current confidentiality attestation, so the account may read
    personal data its role allows; ``cleared=False`` builds one that may not.

    The rows are written directly, not through the audited services, so a
    test starts with an empty audit log and can count exactly the events its
    own actions write.
    """
    from django.utils import timezone

    n = next(_counter)
    password = kwargs.pop("password", TEST_PASSWORD)
    user = StaffUser(
        username=kwargs.pop("username", f"{role}{n}"),
        role=role,
        first_name=kwargs.pop("first_name", "Testi"),
        last_name=kwargs.pop("last_name", f"Käyttäjä{n}"),
        **kwargs,
    )
    if password == TEST_PASSWORD:
        user.password = _test_password_hash()
    else:
        user.set_password(password)
    user.save()
    if cleared:
        TrainingRecord.objects.create(user=user, completed_on=timezone.localdate())
        ConfidentialityAttestation.objects.create(
            user=user, text_version=setting("REKISTERI_ATTESTATION_VERSION")
        )
    return user


def business_id(n: int) -> str:
    """A valid Y-tunnus derived from ``n`` (skips bodies with remainder 1)."""
    body = n
    while True:
        digits = f"{body % 10_000_000:07d}"
        check = formats.ytunnus_check_digit(digits)
        if check is not None:
            return f"{digits}-{check}"
        body += 1


def make_org(actor: Any = None, **kwargs: Any):
    n = next(_counter)
    kwargs.setdefault("name", f"Testiyritys {n} Oy")
    kwargs.setdefault("business_id", business_id(1_000_000 + n * 7))
    return organization_create(actor=actor, **kwargs)


def make_person(actor: Any = None, **kwargs: Any):
    n = next(_counter)
    kwargs.setdefault("first_name", "Matti")
    kwargs.setdefault("last_name", f"Meikäläinen{n}")
    kwargs.setdefault("emails", [f"matti.{n}@example.fi"])
    return person_create(actor=actor, **kwargs)


def enrol_totp(user: StaffUser):
    """Give ``user`` a confirmed TOTP device (as if enrolled); returns it."""
    return SealedTOTPDevice.objects.create(user=user, name="totp", confirmed=True)


def totp_code(device: Any, steps_ahead: int = 0) -> str:
    """The code the authenticator app shows now (or ``steps_ahead`` steps on:
    the device accepts one step either side, and refuses a step it has seen).
    """
    from django_otp.oath import TOTP

    key = open_totp_key(device.key, device.user_id)
    totp = TOTP(key, device.step, device.t0, device.digits, device.drift)
    totp.drift = device.drift + steps_ahead
    return f"{totp.token():0{device.digits}d}"


def login_with_totp(client: Any, user: StaffUser, device: Any) -> Any:
    """Log ``client`` in through the real two-step login; returns the last
    response. The password is TEST_PASSWORD."""
    from django.urls import reverse

    client.post(
        reverse("accounts:login"),
        {"username": user.get_username(), "password": TEST_PASSWORD},
    )
    return client.post(reverse("accounts:mfa_verify"), {"code": totp_code(device)})


def client_as(
    who: str | StaffUser = StaffRole.SALES,
    *,
    client: Client | None = None,
    reauth: bool = False,
    **staff: Any,
) -> Client:
    """A test client logged in as ``who``: a staff role (a new cleared account
    with it is made, ``staff`` passed to :func:`make_staff`; sales, as there,
    unless told) or an account.

    ``client`` logs in that client (pytest-django's ``client`` fixture, or a
    client with headers) instead of a new one. ``reauth`` marks the password
    as just given again, as after a real login: actions that need recent
    re-authentication are allowed. The login itself is not the real two-step
    one; :func:`login_with_totp` is, for tests of the login.
    """
    user = make_staff(who, **staff) if isinstance(who, str) else who
    client = client if client is not None else Client()
    client.force_login(user)
    if reauth:
        session = client.session
        mark_reauth(session)
        session.save()
    return client


def fresh_login(client: Any, user: StaffUser) -> None:
    """Log ``client`` in as ``user`` with the password just given, as after a
    real login: actions that need recent re-authentication are allowed."""
    client_as(user, client=client, reauth=True)
