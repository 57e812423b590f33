"""The publication policy, the public learning library and its search.

Every publishable item goes through one `PublicationPlan`. Publishing creates or updates a
`LibraryItem`, the public catalogue entry, which stays (as a removal notice) after removal.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from sightline.core.models import BaseModel, Document, Theme


class PublicationPlan(BaseModel):
    class Status(models.TextChoices):
        PREPARING = "preparing", "Preparing"
        AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
        SCHEDULED = "scheduled", "Scheduled"
        PUBLISHED = "published", "Published"
        OFFLINE = "offline", "Taken offline"
        REMOVED = "removed", "Removed"
        WITHHELD = "withheld", "Not published"

    class Kind(models.TextChoices):
        REVIEW = "review", "Practice review"
        BRIEFING = "briefing", "7-minute briefing"
        YEARLY_REPORT = "yearly_report", "Yearly report"
        OTHER = "other", "Other"

    class Version(models.TextChoices):
        FULL_REPORT = "full_report", "Full report"
        IMPROVEMENTS = "improvements", "Information about improvements"
        SUMMARY = "summary", "Summary"

    class RemovalKind(models.TextChoices):
        PERIOD_ENDED = "period_ended", "Public period ended"
        COURT_ORDER = "court_order", "Court order"
        RISK_TO_CHILD = "risk_to_child", "Risk to a child"
        FAMILY_REQUEST = "family_request", "Family request"
        OTHER = "other", "Another reason"

    reference = models.CharField(max_length=20, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PREPARING)
    case = models.ForeignKey(
        "reviews.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="publications"
    )
    briefing = models.ForeignKey(
        "learning.Briefing",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="publications",
    )
    title = models.CharField(max_length=200)
    summary = models.TextField(help_text="The public summary shown in the library")
    body = models.TextField(blank=True, help_text="Text published on the page, if any")
    version_kind = models.CharField(
        max_length=20, choices=Version.choices, default=Version.FULL_REPORT
    )
    review_type = models.CharField(max_length=40, blank=True, help_text="For example, LCSPR")
    themes = models.ManyToManyField(Theme, blank=True, related_name="+")
    document = models.ForeignKey(
        Document, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # What the uploaded file's own properties held before the upload path removed them: one
    # entry per property, naming the kinds of identifier found in it, never the values.
    document_metadata = models.JSONField(default=list, blank=True)
    # Preparing to publish.
    anonymisation_checked = models.BooleanField(default=False)
    legal_check_done = models.BooleanField(
        default=False, help_text="Reporting restrictions and criminal proceedings checked"
    )
    family_informed_date = models.DateField(null=True, blank=True)
    practitioners_briefed_date = models.DateField(null=True, blank=True)
    communications_plan = models.TextField(blank=True)
    advance_copy_panel_date = models.DateField(null=True, blank=True)
    advance_copy_sos_date = models.DateField(null=True, blank=True)
    scheduled_for = models.DateTimeField(null=True, blank=True)
    # The publication guard's last scan: what it checked (a fingerprint) and what it found.
    guard_checked_at = models.DateTimeField(null=True, blank=True)
    guard_fingerprint = models.CharField(max_length=64, blank=True)
    guard_findings = models.JSONField(default=list, blank=True)
    # Published.
    published_at = models.DateTimeField(null=True, blank=True)
    published_document = models.ForeignKey(
        Document, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    min_end_date = models.DateField(null=True, blank=True)
    nspcc_submitted_date = models.DateField(null=True, blank=True)
    # Removal.
    removal_kind = models.CharField(max_length=20, choices=RemovalKind.choices, blank=True)
    removal_reason = models.TextField(blank=True)
    removal_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    removal_planned_for = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    # Decision not to publish.
    withheld_reasons = models.TextField(blank=True)
    withheld_decision_makers = models.TextField(blank=True)
    withheld_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"


class PublicationApproval(models.Model):
    """One approver's approval of exactly the content that was scanned (its fingerprint)."""

    plan = models.ForeignKey(PublicationPlan, on_delete=models.CASCADE, related_name="approvals")
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    fingerprint = models.CharField(max_length=64)
    approved_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["approved_at"]

    def __str__(self) -> str:
        return f"Approval of {self.plan_id} by {self.approver_id}"


class RemovalRequest(models.Model):
    """A request to remove a published item before its minimum public period ends. The partner
    lead it names confirms or refuses it themselves; the removal happens only once they confirm.
    An urgent court-order removal takes the item offline at once, pending that confirmation.

    `fingerprint` binds the request (the item, the reason and its details, the times, who asked
    and who must confirm); a confirmation counts only for the fingerprint it was given to."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for confirmation"
        CONFIRMED = "confirmed", "Confirmed"
        REFUSED = "refused", "Not confirmed"
        WITHDRAWN = "withdrawn", "Withdrawn"

    plan = models.ForeignKey(
        PublicationPlan, on_delete=models.PROTECT, related_name="removal_requests"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    removal_kind = models.CharField(max_length=20, choices=PublicationPlan.RemovalKind.choices)
    removal_reason = models.TextField()
    planned_for = models.DateTimeField(
        null=True, blank=True, help_text="When to remove it once confirmed; empty for at once"
    )
    offline = models.BooleanField(
        default=False, help_text="Taken offline at once, pending confirmation (court orders)"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    fingerprint = models.CharField(max_length=64)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_fingerprint = models.CharField(max_length=64, blank=True)
    decision_note = models.TextField(blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan"],
                condition=models.Q(status="pending"),
                name="publishing_one_pending_removal_request",
            ),
            models.CheckConstraint(
                condition=~models.Q(approver=models.F("requested_by")),
                name="publishing_removal_request_not_self_confirmed",
            ),
        ]

    def __str__(self) -> str:
        return f"Removal request {self.pk} for {self.plan_id}"


class LibraryItem(models.Model):
    """A public catalogue entry: published by a plan, or imported from the back catalogue."""

    class Kind(models.TextChoices):
        REVIEW = "review", "Practice review"
        BRIEFING = "briefing", "7-minute briefing"
        REPORT = "report", "Report"

    slug = models.SlugField(max_length=120, unique=True)
    external_id = models.CharField(max_length=80, unique=True, null=True, blank=True)
    plan = models.OneToOneField(
        PublicationPlan,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="library_item",
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = models.CharField(max_length=300)
    child = models.CharField(max_length=100, blank=True)
    partnership = models.CharField(max_length=200, blank=True)
    review_type = models.CharField(max_length=40, blank=True)
    published = models.DateField(null=True, blank=True)
    year = models.PositiveIntegerField(null=True, blank=True, db_index=True)
    summary = models.TextField(blank=True)
    text = models.TextField(blank=True)
    url = models.URLField(max_length=500, blank=True)
    document = models.ForeignKey(
        Document, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    themes = models.ManyToManyField(Theme, blank=True, related_name="library_items")
    is_public = models.BooleanField(default=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    removal_notice = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-published", "-id"]
        indexes = [models.Index(fields=["kind", "published"])]

    def __str__(self) -> str:
        return self.title


class SearchSynonym(BaseModel):
    """Abbreviations and their expansions, matched both ways (editable in settings)."""

    term = models.CharField(max_length=60, unique=True)
    expansions = models.TextField(help_text="One expansion per line")

    class Meta:
        ordering = ["term"]

    def __str__(self) -> str:
        return self.term

    def expansion_list(self) -> list[str]:
        return [e.strip() for e in self.expansions.splitlines() if e.strip()]


class Subscription(models.Model):
    """A practitioner's e-mail subscription to new publications (double opt-in)."""

    email = models.EmailField(unique=True)
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.email
