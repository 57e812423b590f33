"""Reminders: what the daily reminder jobs send about outstanding items, and what the pages
show of it.

A reminder is a notification a daily job sends about one outstanding item: an action, an agency
return, an agency's acknowledgement of a briefing. Each kind of item has one `ReminderRule`,
which the job and the pages share, so they cannot disagree:

- `rule.due_on(item, day)` is what the job sends about the item when it runs on `day`: the
  reminders' dedupe keys (each goes once to each person) and whether they chase an overdue item.
  The job sends exactly these, with `notify(..., about=item, dedupe_key=reminder.key)`, which
  links the notification to the item (`Notification.about_type` and `about_id`).
- `reminders_for(rule, items, today=...)` reads, for a page, every reminder already sent about
  each item from the stored notifications (one query for all the items, found by that link and
  by the rule's key families), and the next one due: the first day from today on which
  `rule.due_on` gives a reminder not yet sent. It assumes the item stays as it is now.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Model, Q
from django.utils import timezone

from sightline.core.history import and_join
from sightline.core.models import Notification

# The furthest ahead a page looks for the next reminder, in days.
LOOK_AHEAD_DAYS = 400


@dataclass(frozen=True)
class Reminder:
    """One reminder a job sends about an item on a day."""

    key: str  # the notification's dedupe key: "action-due-42-20260305"
    overdue: bool = False  # chasing an item past its date (or telling the business unit so)


class ReminderRule:
    """When reminders about one kind of item go out. Subclasses set `object_type` (the item's
    model, as "app.model") and `families`: the start of every dedupe key the rule makes, such
    as "action-due", each with whether its reminders chase an overdue item. They define
    `due_on()`, and `window()`: the first and last days on which a reminder not yet sent could
    fall, seen from `day`, so a page looks at those days only."""

    object_type: str = ""
    families: dict[str, bool] = {}  # read only: each subclass sets its own

    def due_on(self, item, day: datetime.date) -> list[Reminder]:
        raise NotImplementedError

    def window(self, item, day: datetime.date) -> tuple[datetime.date, datetime.date]:
        return day, day + datetime.timedelta(days=LOOK_AHEAD_DAYS)

    def key(self, family: str, item, *parts) -> str:
        """A dedupe key of one of the rule's families: "action-due-42-20260305"."""
        if family not in self.families:
            raise ValueError(f"{family} is not a reminder family of {self.object_type}")
        return "-".join(str(p) for p in (family, item.pk, *parts))

    def is_overdue(self, key: str) -> bool:
        return any(key.startswith(f"{f}-") and late for f, late in self.families.items())


@dataclass(frozen=True)
class SentReminder:
    on: datetime.date
    people: tuple[str, ...]
    overdue: bool = False


@dataclass
class ReminderStatus:
    """An item's reminders: those sent, oldest first, and the date of the next one."""

    sent: list[SentReminder] = field(default_factory=list)
    next_on: datetime.date | None = None

    @property
    def last_on(self) -> datetime.date | None:
        return self.sent[-1].on if self.sent else None

    @property
    def summary(self) -> str:
        """In words, for a page: Reminded 3 March 2026 (Priya Shah, Asha Rao); next reminder
        10 March 2026."""
        from sightline.core.templatetags.govuk import govuk_date

        def said(r: SentReminder) -> str:
            who = f" ({', '.join(r.people)})" if r.people else ""
            return f"{govuk_date(r.on)}{who}"

        parts = []
        reminded = [said(r) for r in self.sent if not r.overdue]
        overdue = [said(r) for r in self.sent if r.overdue]
        if reminded:
            parts.append(f"Reminded {and_join(reminded)}")
        if overdue:
            parts.append(f"{'o' if parts else 'O'}verdue reminder {and_join(overdue)}")
        if self.next_on:
            next_text = "next reminder" if self.sent else "first reminder"
            parts.append(
                f"{next_text if parts else next_text.capitalize()} {govuk_date(self.next_on)}"
            )
        elif self.sent:
            parts.append("no more reminders due")
        return "; ".join(parts)


def next_reminder(
    rule: ReminderRule, item, *, today: datetime.date, sent: set[str]
) -> datetime.date | None:
    """The first day from `today` on which the job would send a reminder about `item` that has
    not been sent yet, or None if there will be none while the item stays as it is."""
    first, last = rule.window(item, today)
    day = max(today, first)
    last = min(last, today + datetime.timedelta(days=LOOK_AHEAD_DAYS))
    while day <= last:
        if any(r.key not in sent for r in rule.due_on(item, day)):
            return day
        day += datetime.timedelta(days=1)
    return None


def reminders_for(
    rule: ReminderRule, items: Iterable[Model], *, today: datetime.date
) -> dict[int, ReminderStatus]:
    """Each item's reminders sent and the next one due, keyed by the item's pk: one query for
    every item's notifications, whatever the number of items."""
    items = list(items)
    by_pk = {str(item.pk): item for item in items}
    found: dict[str, dict[str, list[Notification]]] = {}
    if by_pk:
        families = Q()
        for family in rule.families:
            families |= Q(dedupe_key__startswith=f"{family}-")
        notes = (
            Notification.objects.filter(
                families, about_type=rule.object_type, about_id__in=list(by_pk)
            )
            .select_related("user")
            .order_by("created_at", "pk")
        )
        for note in notes:
            found.setdefault(note.about_id, {}).setdefault(note.dedupe_key, []).append(note)
    result = {}
    for pk, item in by_pk.items():
        keys = found.get(pk, {})
        sent = [
            SentReminder(
                on=timezone.localdate(notes[0].created_at),
                people=tuple(sorted({n.user.full_name or n.user.email for n in notes})),
                overdue=rule.is_overdue(key),
            )
            for key, notes in sorted(keys.items(), key=lambda kv: kv[1][0].created_at)
        ]
        result[item.pk] = ReminderStatus(
            sent=_merged(sent), next_on=next_reminder(rule, item, today=today, sent=set(keys))
        )
    return result


def _merged(sent: list[SentReminder]) -> list[SentReminder]:
    """Reminders sent on the same day with the same purpose read as one."""
    merged: list[SentReminder] = []
    for reminder in sent:
        last = merged[-1] if merged else None
        if last and last.on == reminder.on and last.overdue == reminder.overdue:
            people = tuple(sorted(set(last.people) | set(reminder.people)))
            merged[-1] = SentReminder(on=last.on, people=people, overdue=last.overdue)
        else:
            merged.append(reminder)
    return merged
