"""Link the reminders sent before notifications named the record they are about, so the
pages show them too. The reminder jobs' dedupe keys carry the record's key in a fixed place;
this reads them once, here, and never again."""

import re

from django.db import migrations

KEYS = [
    (re.compile(r"^action-(?:due|overdue)-(\d+)-"), "actions.action"),
    (re.compile(r"^return-due-(\d+)-"), "reviews.agencyreturn"),
    (re.compile(r"^briefing-(?:reminder|overdue)-(\d+)(?:-|$)"), "learning.dissemination"),
    (re.compile(r"^case-(?:due|overdue)-(\d+)-"), "reviews.case"),
]
PREFIXES = ("action-due-", "action-overdue-", "return-due-", "briefing-reminder-",
            "briefing-overdue-", "case-due-", "case-overdue-")


def link_reminders(apps, schema_editor):
    Notification = apps.get_model("core", "Notification")
    rows = Notification.objects.filter(about_type="").exclude(dedupe_key="")
    for note in rows.only("pk", "dedupe_key").iterator(chunk_size=2000):
        if not note.dedupe_key.startswith(PREFIXES):
            continue
        for pattern, object_type in KEYS:
            found = pattern.match(note.dedupe_key)
            if found:
                Notification.objects.filter(pk=note.pk).update(
                    about_type=object_type, about_id=found.group(1)
                )
                break


class Migration(migrations.Migration):
    dependencies = [("core", "0005_notification_about")]

    operations = [migrations.RunPython(link_reminders, migrations.RunPython.noop)]
