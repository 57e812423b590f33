"""Serious incidents and child safeguarding practice reviews.

A `Case` is one serious incident, from the concern to the closed review. Each stage has its own
record (notification, rapid review, local review) with its own workflow. Real identities live
only in `CaseSubject`; everything else carries the pseudonym.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from sightline.core.models import BaseModel, Document, Theme


class CaseStage(models.TextChoices):
    CONCERN = "concern", "Notification decision"
    NOT_NOTIFIED = "not_notified", "Not notified"
    RAPID_REVIEW = "rapid_review", "Rapid review"
    DECISION = "decision", "Awaiting decision"
    LOCAL_REVIEW = "local_review", "Local review"
    NATIONAL_REVIEW = "national_review", "National review"
    ALTERNATIVE_LEARNING = "alternative_learning", "Alternative learning"
    READY_FOR_PUBLICATION = "ready_for_publication", "Ready for publication"
    CLOSED = "closed", "Closed"


class AgeBand(models.TextChoices):
    UNBORN = "unborn", "Unborn"
    UNDER_1 = "under_1", "Under 1"
    AGE_1_4 = "1_4", "1 to 4"
    AGE_5_9 = "5_9", "5 to 9"
    AGE_10_15 = "10_15", "10 to 15"
    AGE_16_17 = "16_17", "16 to 17"


class Case(BaseModel):
    class Harm(models.TextChoices):
        DIED = "died", "Died"
        SERIOUS_HARM = "serious_harm", "Seriously harmed"

    reference = models.CharField(max_length=20, unique=True)
    pseudonym = models.CharField(max_length=60, help_text="For example, Child A or Baby F")
    age_band = models.CharField(max_length=10, choices=AgeBand.choices)
    harm = models.CharField(max_length=20, choices=Harm.choices)
    looked_after = models.BooleanField(default=False)
    incident_date = models.DateField()
    raised_aware_date = models.DateField(
        null=True, blank=True, help_text="When the agency that raised the concern became aware"
    )
    # The start of the notification clock. Set when the concern is raised (see
    # services.local_authority_aware_default) and then by the local authority's notifier, who
    # records when it became aware (IncidentNotification.la_aware_date).
    aware_date = models.DateField(help_text="When the local authority became aware")
    summary = models.TextField(help_text="What happened, without names")
    lead_agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, related_name="led_cases"
    )
    raised_by_agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, related_name="raised_cases"
    )
    involved_agencies = models.ManyToManyField(
        "accounts.Agency", related_name="involved_cases", blank=True
    )
    themes = models.ManyToManyField(Theme, blank=True, related_name="cases")
    case_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The business unit officer who runs the case",
    )
    stage = models.CharField(max_length=30, choices=CaseStage.choices, default=CaseStage.CONCERN)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-aware_date", "-id"]
        indexes = [models.Index(fields=["stage", "aware_date"])]

    def __str__(self) -> str:
        return f"{self.reference} {self.pseudonym}"


class CaseMember(BaseModel):
    """A person named on the case: sees it (and its identities when allowed) until the end date."""

    class Part(models.TextChoices):
        REVIEWER = "reviewer", "Independent reviewer"
        CHAIR = "chair", "Review chair"
        MEMBER = "member", "Review group member"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="case_memberships"
    )
    part = models.CharField(max_length=20, choices=Part.choices)
    can_see_identity = models.BooleanField(default=False)
    access_ends_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "user", "part"], name="case_member_unique")
        ]


class CaseSubject(BaseModel):
    """The restricted record: real identities of the child and family."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="subject")
    child_name = models.CharField(max_length=200, blank=True)
    other_names = models.CharField(
        max_length=300, blank=True, help_text="Previous or known-as names"
    )
    date_of_birth = models.DateField(null=True, blank=True)
    address = models.TextField(blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    nhs_number = models.CharField(max_length=12, blank=True)
    school = models.CharField(max_length=200, blank=True)
    family_members = models.TextField(
        blank=True, help_text="One person per line: name, relationship, date of birth"
    )
    ethnicity = models.CharField(max_length=120, blank=True)
    protected_characteristics = models.TextField(blank=True)
    residence_local_authority = models.CharField(max_length=120, blank=True)

    def __str__(self) -> str:
        return f"Restricted record for {self.case.reference}"


class IncidentNotification(BaseModel):
    """The local authority's decision on notifying the national Panel (SCSI 1)."""

    class Status(models.TextChoices):
        CONCERN_RAISED = "concern_raised", "Concern raised"
        NOTIFIED = "notified", "Notified"
        NOT_NOTIFIED = "not_notified", "Not notified"

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="notification")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CONCERN_RAISED)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    abuse_or_neglect = models.BooleanField(
        null=True, blank=True, help_text="Abuse or neglect known or suspected"
    )
    death_or_serious_harm = models.BooleanField(null=True, blank=True)
    looked_after_child = models.BooleanField(null=True, blank=True)
    la_aware_date = models.DateField(
        null=True,
        blank=True,
        help_text="When the local authority became aware, as its notifier recorded it",
    )
    decision_date = models.DateField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sent_date = models.DateField(
        null=True, blank=True, help_text="Sent to the Panel, Ofsted and DfE"
    )
    panel_reference = models.CharField(max_length=60, blank=True)
    partners_informed_date = models.DateField(null=True, blank=True)
    partnership_copy_date = models.DateField(null=True, blank=True)
    not_notified_reasons = models.TextField(blank=True)
    referred_to_line_of_sight = models.BooleanField(default=False)


class RapidReview(BaseModel):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RETURNS_REQUESTED = "returns_requested", "Agency returns requested"
        MEETING_HELD = "meeting_held", "Review meeting held"
        RECOMMENDATION_MADE = "recommendation_made", "Recommendation made"
        SIGNED_OFF = "signed_off", "Signed off by partners"
        SENT_TO_PANEL = "sent_to_panel", "Sent to the Panel"
        PANEL_RESPONDED = "panel_responded", "Panel responded"
        DECIDED = "decided", "Decision recorded"

    class Recommendation(models.TextChoices):
        LOCAL_REVIEW = "local_review", "Local child safeguarding practice review"
        NATIONAL_REVIEW = "national_review", "National review may be needed"
        NO_REVIEW = "no_review", "No review: alternative learning route"

    class Decision(models.TextChoices):
        LCSPR = "lcspr", "Commission a local review"
        NATIONAL = "national", "National review by the Panel"
        ALTERNATIVE = "alternative", "Alternative learning"

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="rapid_review")
    status = models.CharField(max_length=30, choices=Status.choices, default=Status.OPEN)
    start_date = models.DateField(help_text="Day 0 of the 15 working day clock")
    returns_due_date = models.DateField(null=True, blank=True)
    pack_shared_at = models.DateTimeField(null=True, blank=True)
    meeting_date = models.DateField(null=True, blank=True)
    attendees = models.TextField(blank=True)
    facts = models.TextField(blank=True)
    immediate_actions = models.TextField(blank=True)
    learning_shared = models.TextField(blank=True)
    improvements = models.TextField(blank=True)
    family_context = models.TextField(
        blank=True, help_text="Including race, culture and inequalities"
    )
    recommendation = models.CharField(max_length=20, choices=Recommendation.choices, blank=True)
    criterion_improvements = models.BooleanField(default=False)
    criterion_recurrent_themes = models.BooleanField(default=False)
    criterion_agencies_working_together = models.BooleanField(default=False)
    criterion_panel_suggested = models.BooleanField(default=False)
    recommendation_reasons = models.TextField(blank=True)
    alternative_learning = models.TextField(blank=True)
    sent_to_panel_date = models.DateField(null=True, blank=True)
    panel_response_date = models.DateField(null=True, blank=True)
    panel_response = models.TextField(blank=True)
    decision = models.CharField(max_length=20, choices=Decision.choices, blank=True)
    decision_date = models.DateField(null=True, blank=True)
    decision_reasons = models.TextField(blank=True)


class AgencyReturn(BaseModel):
    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        SUBMITTED = "submitted", "Submitted"

    rapid_review = models.ForeignKey(RapidReview, on_delete=models.CASCADE, related_name="returns")
    agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, related_name="case_returns"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.REQUESTED)
    due_date = models.DateField()
    involvement = models.TextField(blank=True)
    key_practice_episodes = models.TextField(blank=True)
    immediate_safety_actions = models.TextField(blank=True)
    early_learning = models.TextField(blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["agency__name"]
        constraints = [
            models.UniqueConstraint(fields=["rapid_review", "agency"], name="one_return_per_agency")
        ]


class PartnerSignOff(models.Model):
    """A safeguarding partner's sign-off of the rapid review or of the final report, bound to
    exactly the content signed: its fingerprint and the content itself, as the partner read it.

    A change to that content withdraws the sign-off (`withdrawn_at`, with the reason); it is
    kept, never deleted, and the partner signs again. One sign-off per partner and stage is
    current at a time."""

    class Stage(models.TextChoices):
        RAPID_REVIEW = "rapid_review", "Rapid review"
        FINAL_REPORT = "final_report", "Final report quality assurance"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="signoffs")
    stage = models.CharField(max_length=20, choices=Stage.choices)
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(default=timezone.now)
    comment = models.TextField(blank=True)
    fingerprint = models.CharField(
        max_length=64, blank=True, help_text="SHA-256 of the content signed"
    )
    content = models.JSONField(
        default=list, blank=True, help_text="The content as signed: [heading, paragraphs] pairs"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["signed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "stage", "agency"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="one_signoff_per_partner",
            )
        ]

    def __str__(self) -> str:
        return f"Sign-off by {self.agency_id}"


class LocalReview(BaseModel):
    class Status(models.TextChoices):
        COMMISSIONED = "commissioned", "Commissioned"
        REVIEWER_APPOINTED = "reviewer_appointed", "Reviewer appointed"
        TOR_AGREED = "tor_agreed", "Terms of reference agreed"
        EVIDENCE = "evidence", "Evidence and engagement"
        DRAFT = "draft", "Draft report"
        PARTNER_QA = "partner_qa", "Partner quality assurance"
        FINAL_AGREED = "final_agreed", "Final report agreed"
        READY_FOR_PUBLICATION = "ready_for_publication", "Ready for publication"
        CLOSED = "closed", "Closed"

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="local_review")
    status = models.CharField(max_length=30, choices=Status.choices, default=Status.COMMISSIONED)
    decision_date = models.DateField(help_text="Day 0 of the 6 month clock")
    terms_of_reference = models.TextField(blank=True)
    methodology = models.TextField(blank=True)
    final_agreed_date = models.DateField(null=True, blank=True)
    delay_reason = models.TextField(blank=True)
    delay_notified_date = models.DateField(
        null=True,
        blank=True,
        help_text="When the Panel and Secretary of State were told of a delay",
    )


class EngagementEntry(models.Model):
    class With(models.TextChoices):
        FAMILY = "family", "Family member"
        PRACTITIONER = "practitioner", "Practitioner"
        MANAGER = "manager", "Manager or agency"

    local_review = models.ForeignKey(
        LocalReview, on_delete=models.CASCADE, related_name="engagement"
    )
    on_date = models.DateField()
    with_whom = models.CharField(max_length=20, choices=With.choices)
    who = models.CharField(max_length=200, help_text="Role or relationship, not a name")
    summary = models.TextField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-on_date", "-id"]

    def __str__(self) -> str:
        return f"Engagement on {self.on_date:%Y-%m-%d}"


class ParallelProceeding(BaseModel):
    class Kind(models.TextChoices):
        CRIMINAL = "criminal", "Criminal proceedings"
        INQUEST = "inquest", "Inquest"
        DHR = "dhr", "Domestic homicide review"
        SAR = "sar", "Safeguarding adults review"
        FAMILY_COURT = "family_court", "Family court proceedings"
        OTHER = "other", "Other"

    local_review = models.ForeignKey(
        LocalReview, on_delete=models.CASCADE, related_name="proceedings"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=200, help_text="For example, trial listed for June 2027")
    liaison_notes = models.TextField(blank=True)
    causes_delay = models.BooleanField(default=False)
    delay_notes = models.TextField(blank=True)
    panel_told_date = models.DateField(null=True, blank=True)


class MonitoringEntry(models.Model):
    """Regulation 14: the partners monitor the review's time and quality."""

    local_review = models.ForeignKey(
        LocalReview, on_delete=models.CASCADE, related_name="monitoring"
    )
    on_date = models.DateField()
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    note = models.TextField()
    information_requested = models.BooleanField(default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-on_date", "-id"]

    def __str__(self) -> str:
        return f"Monitoring on {self.on_date:%Y-%m-%d}"


class DraftVersion(models.Model):
    local_review = models.ForeignKey(LocalReview, on_delete=models.CASCADE, related_name="drafts")
    label = models.CharField(max_length=100)
    received_on = models.DateField()
    notes = models.TextField(blank=True)
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_on", "-id"]

    def __str__(self) -> str:
        return self.label


class Lesson(BaseModel):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="lessons")
    text = models.TextField()
    themes = models.ManyToManyField(Theme, blank=True, related_name="+")

    class Meta:
        ordering = ["id"]


class Recommendation(BaseModel):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="recommendations")
    number = models.PositiveIntegerField()
    text = models.TextField()
    lesson = models.ForeignKey(
        Lesson, null=True, blank=True, on_delete=models.SET_NULL, related_name="recommendations"
    )
    actions = models.ManyToManyField("actions.Action", blank=True, related_name="recommendations")

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["case", "number"], name="recommendation_number_unique")
        ]
