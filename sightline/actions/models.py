"""Action plans shared by every process that produces lessons."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models

from sightline.core.models import BaseModel, Document, Theme


class ActionStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    ON_TRACK = "on_track", "On track"
    AT_RISK = "at_risk", "At risk"
    COMPLETE = "complete", "Complete"
    SIGNED_OFF = "signed_off", "Signed off"
    CARRIED_FORWARD = "carried_forward", "Carried into another plan"


OPEN_STATUSES = (ActionStatus.NOT_STARTED, ActionStatus.ON_TRACK, ActionStatus.AT_RISK)


# Rows the lists show: archived records are kept but never listed.
LIVE = models.Q(archived_at__isnull=True)


class ActionPlan(BaseModel):
    class Source(models.TextChoices):
        PRIORITY = "priority", "Partnership priority"
        SCRUTINY = "scrutiny", "Scrutiny activity"
        REVIEW = "review", "Practice review"
        RAPID_REVIEW = "rapid_review", "Rapid review"
        LINE_OF_SIGHT = "line_of_sight", "Line of Sight"
        AUDIT = "audit", "Audit"
        OTHER = "other", "Other"

    reference = models.CharField(max_length=20, unique=True)
    title = models.CharField(max_length=200)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.PRIORITY)
    # The record the plan came from, once the review and audit processes exist.
    source_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source_id = models.CharField(max_length=64, blank=True)
    summary = models.TextField(blank=True)
    themes = models.ManyToManyField(Theme, blank=True, related_name="action_plans")

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["-created_at", "-id"],
                condition=LIVE,
                name="plan_live_newest_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"


class Action(BaseModel):
    plan = models.ForeignKey(ActionPlan, on_delete=models.PROTECT, related_name="actions")
    reference = models.CharField(max_length=24, unique=True)
    lesson = models.TextField(help_text="The lesson or finding this action responds to")
    description = models.TextField(help_text="What will be done")
    expected_change = models.TextField(help_text="What is expected to change as a result")
    owner_agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, related_name="actions"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_actions",
    )
    due_date = models.DateField()
    status = models.CharField(
        max_length=20, choices=ActionStatus.choices, default=ActionStatus.NOT_STARTED
    )
    impact_statement = models.TextField(blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    signed_off_at = models.DateTimeField(null=True, blank=True)
    themes = models.ManyToManyField(Theme, blank=True, related_name="actions")
    carried_to = models.ForeignKey(
        ActionPlan,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="carried_in",
        help_text="The plan this action was formally carried into",
    )

    class Meta:
        ordering = ["due_date", "id"]
        # One index for each order the lists offer, over live (unarchived) actions only, so
        # a page of any list is read in index order and its counts come from the index.
        indexes = [
            models.Index(fields=["owner_agency", "status", "due_date"]),
            models.Index(fields=["status", "due_date"]),
            models.Index(fields=["due_date", "id"], condition=LIVE, name="action_live_due_idx"),
            models.Index(
                fields=["status", "due_date", "id"], condition=LIVE, name="action_live_status_idx"
            ),
            models.Index(
                fields=["-status", "due_date", "id"],
                condition=LIVE,
                name="action_live_status_desc_idx",
            ),
            models.Index(
                fields=["owner_agency", "due_date", "id"],
                condition=LIVE,
                name="action_live_agency_idx",
            ),
            models.Index(
                fields=["owner", "due_date", "id"], condition=LIVE, name="action_live_owner_idx"
            ),
            models.Index(
                fields=["plan", "due_date", "id"], condition=LIVE, name="action_live_plan_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="signed_off") | models.Q(signed_off_at__isnull=False),
                name="action_signed_off_has_date",
            )
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.description[:60]}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class ActionUpdate(models.Model):
    """A dated progress update, with evidence files. Updates are never edited."""

    action = models.ForeignKey(Action, on_delete=models.PROTECT, related_name="updates")
    on_date = models.DateField()
    note = models.TextField()
    status_after = models.CharField(max_length=20, choices=ActionStatus.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    evidence = models.ManyToManyField(Document, blank=True, related_name="+")

    class Meta:
        ordering = ["-on_date", "-id"]

    def __str__(self) -> str:
        return f"Update to {self.action.reference} on {self.on_date:%Y-%m-%d}"
