"""When actions are reminded: the one rule the daily `action-reminders` job and the action
pages share (see sightline.core.reminders).

An open action is reminded once when its due date comes within the reminder period (the
"action-reminder" clock, in working days; the setting is the fallback) and once more the day
after its due date if it is still open. Both go to its owner and its agency's safeguarding
leads, and both are keyed on the due date, so moving the date starts again."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings

from sightline.actions.models import Action, ActionStatus
from sightline.core.calendar import WorkingCalendar
from sightline.core.clocks import get_calendar
from sightline.core.models import ClockDefinition
from sightline.core.reminders import Reminder, ReminderRule

OPEN = frozenset({ActionStatus.NOT_STARTED, ActionStatus.ON_TRACK, ActionStatus.AT_RISK})


def reminder_working_days() -> int:
    """How many working days before the due date owners are reminded (the clock definition,
    editable in settings; the setting is the fallback)."""
    length = (
        ClockDefinition.objects.filter(code="action-reminder", archived_at__isnull=True)
        .values_list("length", flat=True)
        .first()
    )
    return length if length is not None else settings.SIGHTLINE_REMINDER_WORKING_DAYS


class ActionReminders(ReminderRule):
    object_type = "actions.action"
    families = {"action-due": False, "action-overdue": True}

    def __init__(self, calendar: WorkingCalendar, working_days: int):
        self.calendar = calendar
        self.working_days = working_days

    @classmethod
    def load(cls) -> ActionReminders:
        return cls(get_calendar(), reminder_working_days())

    def horizon(self, day: date) -> date:
        """Actions due by this date are reminded when the job runs on `day`."""
        return self.calendar.add_working_days(day, self.working_days)

    def due_on(self, action: Action, day: date) -> list[Reminder]:
        if action.archived_at is not None or action.status not in OPEN:
            return []
        if action.due_date > self.horizon(day):
            return []
        due = f"{action.due_date:%Y%m%d}"
        if action.due_date < day:
            return [Reminder(self.key("action-overdue", action, due), overdue=True)]
        return [Reminder(self.key("action-due", action, due))]

    def window(self, action: Action, day: date) -> tuple[date, date]:
        # The horizon is never more than twice the period plus a fortnight of holidays ahead;
        # after the day after the due date no new key can come.
        first = action.due_date - timedelta(days=self.working_days * 2 + 14)
        return max(day, first), max(day, action.due_date + timedelta(days=1))


def action_reminders(actions, today: date) -> dict:
    """The reminders sent about each open action and the next one due, keyed by the action's
    pk: one query for all of them."""
    from sightline.core.reminders import reminders_for

    open_actions = [a for a in actions if a.archived_at is None and a.status in OPEN]
    if not open_actions:
        return {}
    return reminders_for(ActionReminders.load(), open_actions, today=today)
