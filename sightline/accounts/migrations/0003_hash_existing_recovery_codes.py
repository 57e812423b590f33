"""Move recovery codes out of django-otp's static device, which keeps them in clear, into
`RecoveryCodeDevice`, which keeps only their password hashes. Each person keeps the codes they
wrote down."""

from django.contrib.auth.hashers import make_password
from django.db import migrations


def normalise(code: str) -> str:
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())[:32]


def hash_static_tokens(apps, schema_editor):
    StaticDevice = apps.get_model("otp_static", "StaticDevice")
    StaticToken = apps.get_model("otp_static", "StaticToken")
    RecoveryCodeDevice = apps.get_model("accounts", "RecoveryCodeDevice")
    RecoveryCode = apps.get_model("accounts", "RecoveryCode")
    for static in StaticDevice.objects.all().iterator():
        device = RecoveryCodeDevice.objects.create(
            user_id=static.user_id, name="Recovery codes", confirmed=static.confirmed
        )
        RecoveryCode.objects.bulk_create(
            RecoveryCode(device=device, code_hash=make_password(normalise(token.token)))
            for token in StaticToken.objects.filter(device=static)
        )
    StaticToken.objects.all().delete()
    StaticDevice.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_grants_devices_and_hashed_recovery_codes"),
        ("otp_static", "0003_add_timestamps"),
    ]

    operations = [migrations.RunPython(hash_static_tokens, migrations.RunPython.noop)]
