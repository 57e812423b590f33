"""Seed the clock definitions and mirror the bundled England and Wales bank holidays.

Self-contained: it uses historical models only and reads the bank holiday data straight from
the govuk-bank-holidays package's bundled copy (never the network).
"""

from django.db import migrations

PACKAGE_SOURCE = "govuk-bank-holidays"

CLOCKS = [
    {
        "code": "sin-notification",
        "name": "Serious incident notification to the national Panel",
        "start_event": "local authority becomes aware",
        "length": 5,
        "unit": "working_days",
        "source": (
            "Working Together to Safeguard Children 2023, ch. 5; "
            "gov.uk 'Report a serious child safeguarding incident'"
        ),
        "due_soon_working_days": 5,
    },
    {
        "code": "rapid-review",
        "name": "Rapid review sent to the Panel",
        "start_event": "serious incident notification sent",
        "length": 15,
        "unit": "working_days",
        "source": "Child Safeguarding Practice Review Panel guidance (non-statutory)",
        "due_soon_working_days": 5,
    },
    {
        "code": "lcspr",
        "name": "Local child safeguarding practice review completed and published",
        "start_event": "decision to commission a local review",
        "length": 6,
        "unit": "months",
        "source": "Working Together 2023 ch. 5; SI 2018/789",
        "due_soon_working_days": 20,
    },
    {
        "code": "advance-copy",
        "name": "Final report to the Panel and Secretary of State before publication",
        "start_event": "final report sent to the Panel and Secretary of State",
        "length": 7,
        "unit": "working_days",
        "source": "Working Together (not confirmed verbatim; local setting)",
        "due_soon_working_days": 5,
    },
    {
        "code": "publication-period",
        "name": "Minimum period a published report stays public",
        "start_event": "publication date",
        "length": 12,
        "unit": "months",
        "source": "Working Together 2023; NSPCC repository guidance",
        "due_soon_working_days": 20,
    },
    {
        "code": "action-reminder",
        "name": "Reminder before an action is due (counted back from the due date)",
        "start_event": "action due date",
        "length": 5,
        "unit": "working_days",
        "source": "Partnership local practice",
        "due_soon_working_days": 5,
    },
]


def _bundled_holidays():
    from govuk_bank_holidays.bank_holidays import BankHolidays

    data = BankHolidays(use_cached_holidays=True)
    result = {}
    for item in data.get_holidays(division=BankHolidays.ENGLAND_AND_WALES):
        name = item["title"]
        if (item.get("notes") or "").strip().lower() == "substitute day":
            name += " (substitute day)"
        result[item["date"]] = name
    return result


def seed(apps, schema_editor):
    ClockDefinition = apps.get_model("core", "ClockDefinition")
    BankHoliday = apps.get_model("core", "BankHoliday")
    db = schema_editor.connection.alias

    for clock in CLOCKS:
        values = dict(clock)
        code = values.pop("code")
        if not ClockDefinition.objects.using(db).filter(code=code).exists():
            ClockDefinition.objects.using(db).create(code=code, **values)

    existing = set(BankHoliday.objects.using(db).values_list("date", flat=True))
    BankHoliday.objects.using(db).bulk_create(
        [
            BankHoliday(date=day, name=name, source=PACKAGE_SOURCE)
            for day, name in sorted(_bundled_holidays().items())
            if day not in existing
        ]
    )


def unseed(apps, schema_editor):
    ClockDefinition = apps.get_model("core", "ClockDefinition")
    BankHoliday = apps.get_model("core", "BankHoliday")
    db = schema_editor.connection.alias
    ClockDefinition.objects.using(db).filter(code__in=[c["code"] for c in CLOCKS]).delete()
    BankHoliday.objects.using(db).filter(source=PACKAGE_SOURCE).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(seed, unseed),
    ]
