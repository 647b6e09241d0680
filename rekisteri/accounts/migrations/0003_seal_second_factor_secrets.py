"""Seal TOTP secrets and hash recovery codes that were stored in clear.

Idempotent: sealed secrets (``s1:``) and digests (16 hex characters) are
left alone, so an interrupted run is finished by running it again.
"""

from django.db import migrations

from rekisteri.accounts import credentials


def seal_and_hash(apps, schema_editor):
    TOTPDevice = apps.get_model("otp_totp", "TOTPDevice")  # noqa: N806
    StaticToken = apps.get_model("otp_static", "StaticToken")  # noqa: N806
    for device in TOTPDevice.objects.all().iterator():
        if not credentials.is_sealed(device.key):
            device.key = credentials.seal_totp_key(device.key, device.user_id)
            device.save(update_fields=["key"])
    for token in StaticToken.objects.all().iterator():
        if len(token.token) != 16:
            token.token = credentials.recovery_digest(token.token)
            token.save(update_fields=["token"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_access_controls"),
        ("otp_totp", "0003_add_timestamps"),
        ("otp_static", "0003_add_timestamps"),
    ]

    operations = [
        migrations.RunPython(seal_and_hash, migrations.RunPython.noop),
        migrations.CreateModel(
            name="SealedTOTPDevice",
            fields=[],
            options={"proxy": True, "indexes": [], "constraints": []},
            bases=("otp_totp.totpdevice",),
        ),
        migrations.CreateModel(
            name="HashedStaticDevice",
            fields=[],
            options={"proxy": True, "indexes": [], "constraints": []},
            bases=("otp_static.staticdevice",),
        ),
    ]
