"""Second-factor secrets read from the database do not pass the second factor."""

from __future__ import annotations

import importlib
from binascii import hexlify

import pytest
from django.apps import apps as global_apps
from django.db import connection
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from rekisteri.accounts import mfa
from rekisteri.accounts.choices import StaffRole
from rekisteri.testing import make_staff, totp_code

pytestmark = pytest.mark.django_db


def raw_column(table: str, column: str, where: str, value) -> list[str]:
    with connection.cursor() as cur:
        cur.execute(f'SELECT "{column}" FROM "{table}" WHERE {where} = %s', [value])  # noqa: S608
        return [row[0] for row in cur.fetchall()]


def enrolled(user):
    device = mfa.totp_enrol_start(user=user)
    codes = mfa.totp_enrol_confirm(
        user=user, device_id=device.pk, code=totp_code(device)
    )
    return mfa.confirmed_totp(user), codes


def test_totp_secret_is_sealed_and_still_verifies() -> None:
    user = make_staff(StaffRole.SALES)
    device, _codes = enrolled(user)
    (stored,) = raw_column("otp_totp_totpdevice", "key", "id", device.pk)
    secret_hex = hexlify(device.bin_key).decode()
    assert secret_hex not in stored.lower()
    assert stored.startswith("s1:")
    # A code computed from what the database holds is not accepted...
    with pytest.raises(ValueError):
        TOTP(bytes.fromhex(stored), 30, 0, 6, 0)
    # ...while the real authenticator's code is.
    found, reason = mfa.check_code(user, totp_code(device, steps_ahead=1))
    assert found is not None and reason == ""


def test_a_recovery_code_read_from_the_database_does_not_pass() -> None:
    user = make_staff(StaffRole.SALES)
    _device, codes = enrolled(user)
    stored = raw_column(
        "otp_static_statictoken",
        "token",
        "device_id",
        mfa.recovery_device(user).pk,
    )
    assert len(stored) == 10
    plain = {code.replace("-", "") for code in codes}
    assert not plain & set(stored)
    found, reason = mfa.check_code(user, stored[0])
    assert found is None and reason == "wrong"
    mfa.recovery_device(user).throttle_reset()  # the one-second throttle
    found, _reason = mfa.check_code(user, codes[0])
    assert found is not None
    assert mfa.recovery_codes_left(user) == 9
    found, _reason = mfa.check_code(user, codes[0])  # single use
    assert found is None


def test_the_migration_seals_existing_secrets_and_hashes_existing_codes() -> None:
    user = make_staff(StaffRole.SALES)
    # Rows as django-otp wrote them before: hex secret, codes as typed.
    legacy = TOTPDevice.objects.create(user=user, name="totp", confirmed=True)
    secret = legacy.bin_key
    static = mfa.StaticDevice.objects.create(user=user, name="recovery", confirmed=True)
    StaticToken.objects.create(device=static, token="abcd2345")
    migration = importlib.import_module(
        "rekisteri.accounts.migrations.0003_seal_second_factor_secrets"
    )
    migration.seal_and_hash(global_apps, None)
    device = mfa.confirmed_totp(user)
    assert device.key.startswith("s1:")
    assert device.bin_key == secret
    assert StaticToken.objects.get(device=static).token != "abcd2345"
    found, _reason = mfa.check_code(user, "abcd-2345")
    assert found is not None
    migration.seal_and_hash(global_apps, None)  # a re-run changes nothing
    assert mfa.confirmed_totp(user).bin_key == secret
