"""The concern records when the raising agency became aware; the local authority's notifier
records when the local authority did, and the notification clock starts there.

Before this a case held one date of awareness, entered when the concern was raised and treated
as the local authority's. Existing cases keep it as the raising agency's date too, and where
the decision has been made it stands as the date the notifier went by.

Agencies are marked as local authorities where the data already says so: an agency leads a
case (the lead is the local authority where the incident happened), or one of its people holds
the serious incident notifier duty (the local authority's duty)."""

from django.db import migrations, models
from django.db.models import F, OuterRef, Subquery


def record_existing_dates(apps, schema_editor):
    Case = apps.get_model("reviews", "Case")
    IncidentNotification = apps.get_model("reviews", "IncidentNotification")
    Case.objects.filter(raised_aware_date__isnull=True).update(raised_aware_date=F("aware_date"))
    decided = IncidentNotification.objects.exclude(status="concern_raised").filter(
        la_aware_date__isnull=True
    )
    decided.update(
        la_aware_date=Subquery(Case.objects.filter(pk=OuterRef("case_id")).values("aware_date"))
    )


def mark_local_authorities(apps, schema_editor):
    Agency = apps.get_model("accounts", "Agency")
    Case = apps.get_model("reviews", "Case")
    Membership = apps.get_model("accounts", "Membership")
    leads = set(Case.objects.values_list("lead_agency_id", flat=True))
    notifiers = {
        m.agency_id
        for m in Membership.objects.filter(active=True)
        if "incident_notifier" in (m.duties or [])
    }
    Agency.objects.filter(pk__in=leads | notifiers).update(is_local_authority=True)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_agency_is_local_authority"),
        ("reviews", "0002_signoffs_bound_to_content"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="raised_aware_date",
            field=models.DateField(
                blank=True,
                help_text="When the agency that raised the concern became aware",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="incidentnotification",
            name="la_aware_date",
            field=models.DateField(
                blank=True,
                help_text="When the local authority became aware, as its notifier recorded it",
                null=True,
            ),
        ),
        migrations.RunPython(record_existing_dates, migrations.RunPython.noop),
        migrations.RunPython(mark_local_authorities, migrations.RunPython.noop),
    ]
