"""Sign-offs are bound to the content signed (its fingerprint and the content as signed) and
are withdrawn, not deleted, when it changes.

Sign-offs given before this have no fingerprint, so nothing shows what they signed. Those of a
stage still open for sign-off are withdrawn, with that reason, so the partners sign again;
those of a stage already closed stay as the record they were."""

from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

OPEN_RAPID_REVIEW = (
    "open",
    "returns_requested",
    "meeting_held",
    "recommendation_made",
    "signed_off",
)
OPEN_LOCAL_REVIEW = (
    "commissioned",
    "reviewer_appointed",
    "tor_agreed",
    "evidence",
    "draft",
    "partner_qa",
)
REASON = "it was given before sign-offs were bound to the content signed"


def withdraw_unbound(apps, schema_editor):
    PartnerSignOff = apps.get_model("reviews", "PartnerSignOff")
    unbound = PartnerSignOff.objects.filter(fingerprint="", withdrawn_at__isnull=True)
    now = timezone.now()
    unbound.filter(stage="rapid_review", case__rapid_review__status__in=OPEN_RAPID_REVIEW).update(
        withdrawn_at=now, withdrawn_reason=REASON
    )
    unbound.filter(stage="final_report", case__local_review__status__in=OPEN_LOCAL_REVIEW).update(
        withdrawn_at=now, withdrawn_reason=REASON
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("reviews", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="partnersignoff",
            options={"ordering": ["signed_at", "id"]},
        ),
        migrations.RemoveConstraint(
            model_name="partnersignoff",
            name="one_signoff_per_partner",
        ),
        migrations.AddField(
            model_name="partnersignoff",
            name="content",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text="The content as signed: [heading, paragraphs] pairs",
            ),
        ),
        migrations.AddField(
            model_name="partnersignoff",
            name="fingerprint",
            field=models.CharField(
                blank=True, help_text="SHA-256 of the content signed", max_length=64
            ),
        ),
        migrations.AddField(
            model_name="partnersignoff",
            name="withdrawn_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="partnersignoff",
            name="withdrawn_reason",
            field=models.TextField(blank=True),
        ),
        migrations.AddConstraint(
            model_name="partnersignoff",
            constraint=models.UniqueConstraint(
                condition=models.Q(("withdrawn_at__isnull", True)),
                fields=("case", "stage", "agency"),
                name="one_signoff_per_partner",
            ),
        ),
        migrations.RunPython(withdraw_unbound, migrations.RunPython.noop),
    ]
