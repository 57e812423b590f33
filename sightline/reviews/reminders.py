"""When agencies are reminded of their rapid review returns: the one rule the daily
`case-reminders` job and the case pages share (see sightline.core.reminders).

A return still requested is chased once, on its due date (or the first day the job runs after
it), with a reminder to the agency's safeguarding leads keyed on the due date, so a new due
date chases again."""

from __future__ import annotations

from datetime import date

from sightline.core.reminders import Reminder, ReminderRule
from sightline.reviews.models import AgencyReturn


class ReturnReminders(ReminderRule):
    object_type = "reviews.agencyreturn"
    families = {"return-due": False}

    def due_on(self, ret: AgencyReturn, day: date) -> list[Reminder]:
        # Returns of archived cases are never chased: the job does not read them.
        if ret.status != AgencyReturn.Status.REQUESTED or ret.due_date > day:
            return []
        return [Reminder(self.key("return-due", ret, f"{ret.due_date:%Y%m%d}"))]

    def window(self, ret: AgencyReturn, day: date) -> tuple[date, date]:
        start = max(day, ret.due_date)
        return start, start


def return_reminders(returns, today: date) -> dict:
    """The reminders sent about each return still requested and the next one due, keyed by
    the return's pk: one query for all of them."""
    from sightline.core.reminders import reminders_for

    requested = [r for r in returns if r.status == AgencyReturn.Status.REQUESTED]
    if not requested:
        return {}
    return reminders_for(ReturnReminders(), requested, today=today)
