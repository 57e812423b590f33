"""7-minute briefings and their dissemination to partner agencies."""

from django.conf import settings
from django.db import models

from sightline.core.models import BaseModel, Theme


class Briefing(BaseModel):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        IN_REVIEW = "in_review", "In review"
        APPROVED = "approved", "Approved"
        PUBLISHED = "published", "Published"
        WITHDRAWN = "withdrawn", "Withdrawn"

    class Source(models.TextChoices):
        PRACTICE_REVIEW = "practice_review", "Practice review"
        RAPID_REVIEW = "rapid_review", "Rapid review"
        LINE_OF_SIGHT = "line_of_sight", "Line of Sight learning event"
        AUDIT = "audit", "Audit"
        TOPIC = "topic", "Topic"

    reference = models.CharField(max_length=20, unique=True)
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.TOPIC)
    source_case = models.ForeignKey(
        "reviews.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="briefings"
    )
    topic = models.CharField(max_length=200, blank=True)
    # The seven tiles; their headings are a partnership setting (SIGHTLINE_BRIEFING_HEADINGS).
    section_1 = models.TextField(blank=True)
    section_2 = models.TextField(blank=True)
    section_3 = models.TextField(blank=True)
    section_4 = models.TextField(blank=True)
    section_5 = models.TextField(blank=True)
    section_6 = models.TextField(blank=True)
    section_7 = models.TextField(blank=True)
    reflective_questions = models.TextField(blank=True, help_text="One question per line")
    themes = models.ManyToManyField(Theme, blank=True, related_name="briefings")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="authored_briefings"
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="approved_briefings",
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    publish_date = models.DateField(null=True, blank=True)
    review_date = models.DateField(null=True, blank=True)
    is_public = models.BooleanField(
        default=True, help_text="Also publish in the public learning library"
    )
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def sections(self) -> list[tuple[str, str]]:
        headings = settings.SIGHTLINE_BRIEFING_HEADINGS
        return [(headings[i], getattr(self, f"section_{i + 1}")) for i in range(7)]

    def questions(self) -> list[str]:
        return [q.strip() for q in self.reflective_questions.splitlines() if q.strip()]


class Dissemination(BaseModel):
    """A briefing sent to one agency, and that agency's record of how it cascaded it (the
    partnership's 7MB action plan)."""

    briefing = models.ForeignKey(Briefing, on_delete=models.PROTECT, related_name="disseminations")
    agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, related_name="disseminations"
    )
    sent_at = models.DateTimeField()
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    acknowledge_by = models.DateField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    teams = models.TextField(blank=True, help_text="Teams the briefing was cascaded to")
    cascade_date = models.DateField(null=True, blank=True)
    staff_reached = models.PositiveIntegerField(null=True, blank=True)
    changes = models.TextField(blank=True, help_text="What the teams will do differently")

    class Meta:
        ordering = ["agency__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["briefing", "agency"], name="one_dissemination_per_agency"
            )
        ]

    def __str__(self) -> str:
        return f"{self.briefing.reference} to {self.agency}"
