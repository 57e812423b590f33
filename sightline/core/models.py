"""Core data: base model, event log, themes, calendar, clocks, documents, notifications."""

import uuid

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone


class BaseModel(models.Model):
    """Every editable record: who created and last changed it, a version for optimistic locking,
    and archiving instead of deletion."""

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    updated_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    archived_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class Event(models.Model):
    """Append-only, hash-chained record of every write and every restricted read."""

    class Kind(models.TextChoices):
        WRITE = "write", "Change"
        READ = "read", "Restricted read"
        AUTH = "auth", "Authentication"
        DENIED = "denied", "Access refused"
        SYSTEM = "system", "System"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    action = models.CharField(max_length=80)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=254, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_label = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    reason = models.TextField(blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["object_type", "object_id", "id"])]

    def __str__(self) -> str:
        return f"{self.id} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Events are append-only.")


class EventChainHead(models.Model):
    """A single row locked while an event is appended, so the chain has one order."""

    last_hash = models.CharField(max_length=64, default="0" * 64)
    count = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"Event chain head after {self.count} events"


class Theme(BaseModel):
    class Kind(models.TextChoices):
        PRACTICE = "practice", "Practice issue"
        GOOD = "good", "Good practice"
        SYSTEMIC = "systemic", "Systemic"

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PRACTICE)
    description = models.TextField(blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CalendarOverride(BaseModel):
    """An admin-edited change to the working-day calendar: an extra closure or a one-off holiday
    missing from the published list (non-working), or a published holiday the partnership works
    (working)."""

    class Kind(models.TextChoices):
        CLOSED = "closed", "Not a working day"
        OPEN = "open", "Working day"

    date = models.DateField(unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.CLOSED)
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}"


class BankHoliday(models.Model):
    """Mirror of the published England and Wales bank holidays (refreshed by a command)."""

    date = models.DateField(unique=True)
    name = models.CharField(max_length=120)
    source = models.CharField(max_length=40, default="govuk-bank-holidays")

    class Meta:
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}"


class ClockDefinition(BaseModel):
    """A statutory or local deadline, declared as data."""

    class Unit(models.TextChoices):
        WORKING_DAYS = "working_days", "Working days"
        MONTHS = "months", "Months"
        CALENDAR_DAYS = "calendar_days", "Calendar days"

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=160)
    start_event = models.CharField(max_length=160)
    length = models.PositiveIntegerField()
    unit = models.CharField(max_length=20, choices=Unit.choices)
    source = models.TextField(help_text="Citation for the rule")
    due_soon_working_days = models.PositiveIntegerField(default=5)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Document(models.Model):
    """A stored file that passed the one upload path. Served only through access checks."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    kind = models.CharField(max_length=10)  # pdf, docx, xlsx, png, jpeg
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    storage_name = models.CharField(max_length=100, unique=True)
    extracted_text = models.TextField(blank=True)
    owner_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    owner_id = models.CharField(max_length=64, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at"]
        indexes = [models.Index(fields=["owner_type", "owner_id"])]

    def __str__(self) -> str:
        return self.original_name


class Notification(models.Model):
    """An in-app notification; the e-mail copy is sent by the task worker after commit."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    dedupe_key = models.CharField(max_length=200, blank=True)
    # The record the notification is about, when a job sends it about one (a reminder about an
    # action, an agency return or a briefing's acknowledgement): "app.model" and its key.
    about_type = models.CharField(max_length=100, blank=True)
    about_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "read_at"]),
            models.Index(fields=["about_type", "about_id"], name="notification_about"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="notification_dedupe_per_user",
            )
        ]

    def __str__(self) -> str:
        return self.subject


class SchedulerRun(models.Model):
    """Which daily job last ran for which date, so the scheduler enqueues each once."""

    job = models.CharField(max_length=60)
    for_date = models.DateField()
    enqueued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "for_date"], name="scheduler_once_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.job} for {self.for_date:%Y-%m-%d}"
