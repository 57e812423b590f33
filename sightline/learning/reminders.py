"""When agencies are reminded to acknowledge a briefing: the one rule the daily
`briefing-reminders` job and the dissemination pages share (see sightline.core.reminders).

An agency that has not acknowledged a published briefing is reminded from
`SIGHTLINE_REMINDER_WORKING_DAYS` working days before the date due, once in each ISO week
(Monday to Sunday) until it acknowledges; its safeguarding leads get each reminder. The day
after the date due the business unit is told, once."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings

from sightline.core.calendar import WorkingCalendar
from sightline.core.clocks import get_calendar
from sightline.core.reminders import Reminder, ReminderRule
from sightline.learning.models import Briefing, Dissemination


def iso_week(day: date) -> str:
    iso = day.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


class AcknowledgementReminders(ReminderRule):
    object_type = "learning.dissemination"
    families = {"briefing-reminder": False, "briefing-overdue": True}

    def __init__(self, calendar: WorkingCalendar, working_days: int):
        self.calendar = calendar
        self.working_days = working_days

    @classmethod
    def load(cls) -> AcknowledgementReminders:
        return cls(get_calendar(), settings.SIGHTLINE_REMINDER_WORKING_DAYS)

    def horizon(self, day: date) -> date:
        """Acknowledgements due by this date are chased when the job runs on `day`."""
        return self.calendar.add_working_days(day, self.working_days)

    def outstanding(self, d: Dissemination) -> bool:
        briefing = d.briefing
        return (
            d.archived_at is None
            and d.acknowledged_at is None
            and briefing.status == Briefing.Status.PUBLISHED
            and briefing.archived_at is None
        )

    def due_on(self, d: Dissemination, day: date) -> list[Reminder]:
        if not self.outstanding(d):
            return []
        if d.acknowledge_by > self.horizon(day):
            return []
        reminders = [Reminder(self.key("briefing-reminder", d, iso_week(day)))]
        if d.acknowledge_by < day:
            # The business unit is told once; its key has no date.
            reminders.append(Reminder(self.key("briefing-overdue", d), overdue=True))
        return reminders

    def window(self, d: Dissemination, day: date) -> tuple[date, date]:
        if not self.outstanding(d):
            return day, day
        # Reminded from before the date due, then in every week: one comes within 7 days.
        first = d.acknowledge_by - timedelta(days=self.working_days * 2 + 14)
        return max(day, first), max(day, d.acknowledge_by) + timedelta(days=7)


def acknowledgement_reminders(disseminations, today: date) -> dict:
    """The reminders sent about each outstanding acknowledgement and the next one due, keyed by
    the dissemination's pk: one query for all of them. Load each one's briefing with it."""
    from sightline.core.reminders import reminders_for

    outstanding = [d for d in disseminations if d.acknowledged_at is None and d.archived_at is None]
    if not outstanding:
        return {}
    return reminders_for(AcknowledgementReminders.load(), outstanding, today=today)


def outstanding_by_briefing(briefings, today: date) -> dict[int, list]:
    """For the reach dashboard: each briefing's agencies yet to acknowledge, with their
    reminders, as (dissemination, status) pairs. Two queries for a page of briefings."""
    ids = [b.pk for b in briefings]
    if not ids:
        return {}
    pending = list(
        Dissemination.objects.filter(
            briefing_id__in=ids, acknowledged_at__isnull=True, archived_at__isnull=True
        )
        .select_related("briefing", "agency")
        .order_by("agency__name", "pk")
    )
    statuses = acknowledgement_reminders(pending, today)
    result: dict[int, list] = {}
    for d in pending:
        result.setdefault(d.briefing_id, []).append((d, statuses.get(d.pk)))
    return result
