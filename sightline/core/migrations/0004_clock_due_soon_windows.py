"""A due-soon window shorter than the clock itself, so a new clock starts on track."""

from django.db import migrations

WINDOWS = {"sin-notification": (5, 2), "rapid-review": (5, 5)}


def forwards(apps, schema_editor):
    ClockDefinition = apps.get_model("core", "ClockDefinition")
    for code, (old, new) in WINDOWS.items():
        ClockDefinition.objects.filter(code=code, due_soon_working_days=old).update(
            due_soon_working_days=new
        )


def backwards(apps, schema_editor):
    ClockDefinition = apps.get_model("core", "ClockDefinition")
    for code, (old, new) in WINDOWS.items():
        ClockDefinition.objects.filter(code=code, due_soon_working_days=new).update(
            due_soon_working_days=old
        )


class Migration(migrations.Migration):
    dependencies = [("core", "0003_seed_themes")]
    operations = [migrations.RunPython(forwards, backwards)]
