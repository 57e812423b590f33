"""Deadlines in the running system: today's date, the working calendar and clock definitions.

The arithmetic lives in :mod:`sightline.core.calendar` (pure); this module feeds it from the
database: the ``BankHoliday`` mirror, admin ``CalendarOverride`` rows and ``ClockDefinition``.
"""

from __future__ import annotations

import threading
import time
import zoneinfo
from datetime import date

from django.db import transaction
from django.db.models import Count, Max, Min
from django.utils import timezone

from sightline.core.calendar import (
    ClockStatus,
    WorkingCalendar,
    clock_state,
    published_holidays,
    published_years,
)
from sightline.core.models import BankHoliday, CalendarOverride, ClockDefinition

__all__ = [
    "ClockBook",
    "COUNTS_BACK",
    "PACKAGE_SOURCE",
    "clear_calendar_cache",
    "clock_due",
    "clock_status",
    "get_calendar",
    "sync_bank_holidays",
    "today",
]

LONDON = zoneinfo.ZoneInfo("Europe/London")
PACKAGE_SOURCE = "govuk-bank-holidays"

# Clocks whose length counts back from the start date rather than forward (a reminder that
# falls N working days before an action's due date). ClockDefinition has no direction field,
# so the codes are listed here.
COUNTS_BACK = frozenset({"action-reminder"})

# Rebuild at least this often even if the fingerprint is unchanged (a backstop for edits to a
# BankHoliday row that change neither the count nor the highest id).
_MAX_AGE_SECONDS = 300.0

_lock = threading.Lock()
_cached: tuple[tuple, float, WorkingCalendar] | None = None


def today() -> date:
    """The current date in Europe/London."""
    return timezone.localdate(timezone=LONDON)


def _fingerprint() -> tuple:
    holidays = BankHoliday.objects.aggregate(
        n=Count("id"), max_id=Max("id"), first=Min("date"), last=Max("date")
    )
    overrides = CalendarOverride.objects.aggregate(
        n=Count("id"),
        max_id=Max("id"),
        updated=Max("updated_at"),
        archived=Max("archived_at"),
    )
    return (
        tuple(sorted(holidays.items())),
        tuple(sorted(overrides.items())),
    )


def _build_calendar() -> WorkingCalendar:
    stored = dict(BankHoliday.objects.values_list("date", "name"))
    stored_years = {d.year for d in stored}
    holidays = {d: name for d, name in published_holidays().items() if d.year not in stored_years}
    holidays.update(stored)
    covered = stored_years | set(published_years())

    closed: list[date] = []
    open_days: list[date] = []
    rows = CalendarOverride.objects.filter(archived_at__isnull=True).values_list("date", "kind")
    for day, kind in rows:
        if kind == CalendarOverride.Kind.OPEN:
            open_days.append(day)
        else:
            closed.append(day)
    return WorkingCalendar(holidays, closed=closed, open_days=open_days, covered_years=covered)


def get_calendar() -> WorkingCalendar:
    """The working calendar in force: stored bank holidays (for the years the table holds),
    the bundled published data for other years, the rules beyond that, and live overrides.

    Cached in-process and rebuilt only when the tables' fingerprint changes.
    """
    global _cached
    fingerprint = _fingerprint()
    now = time.monotonic()
    cached = _cached
    if cached is not None and cached[0] == fingerprint and now - cached[1] < _MAX_AGE_SECONDS:
        return cached[2]
    calendar = _build_calendar()
    with _lock:
        _cached = (fingerprint, now, calendar)
    return calendar


def clear_calendar_cache() -> None:
    """Forget the cached calendar so the next call rebuilds it."""
    global _cached
    with _lock:
        _cached = None


def _due(definition: ClockDefinition, start: date, calendar: WorkingCalendar) -> date:
    if definition.code in COUNTS_BACK:
        if definition.unit != ClockDefinition.Unit.WORKING_DAYS:
            raise ValueError(f"Clock {definition.code!r} counts back and must use working days.")
        return calendar.subtract_working_days(start, definition.length)
    return calendar.deadline(start, definition.length, definition.unit)


def clock_due(code: str, start: date) -> date:
    """The due date of the clock ``code`` started on ``start`` (day 0).

    Raises ``ClockDefinition.DoesNotExist`` for an unknown code.
    """
    definition = ClockDefinition.objects.get(code=code)
    return _due(definition, start, get_calendar())


_today = today  # clock_status's parameter shadows the function name


class ClockBook:
    """Every clock definition, read in one query, for pages that compute many deadlines."""

    def __init__(self) -> None:
        self.definitions = {
            d.code: d for d in ClockDefinition.objects.filter(archived_at__isnull=True)
        }
        self.calendar = get_calendar()

    def due(self, code: str, start: date) -> date:
        return _due(self.definitions[code], start, self.calendar)

    def status(self, code: str, start: date, as_at: date) -> ClockStatus:
        definition = self.definitions[code]
        due = _due(definition, start, self.calendar)
        return clock_state(due, as_at, self.calendar, due_soon=definition.due_soon_working_days)


def clock_status(code: str, start: date, today: date | None = None) -> ClockStatus:
    """Due date and RAG of the clock ``code`` started on ``start``, as at ``today``."""
    definition = ClockDefinition.objects.get(code=code)
    calendar = get_calendar()
    due = _due(definition, start, calendar)
    as_at = today if today is not None else _today()
    return clock_state(due, as_at, calendar, due_soon=definition.due_soon_working_days)


def sync_bank_holidays() -> int:
    """Copy the bundled published England and Wales dates into ``BankHoliday``.

    Adds missing dates and refreshes the names of rows that came from the package; rows an
    administrator entered or edited (another ``source``) are left alone. Returns the number of
    dates the table holds afterwards.
    """
    published = published_holidays()
    with transaction.atomic():
        existing = {row.date: row for row in BankHoliday.objects.select_for_update()}
        to_create = []
        to_update = []
        for day, name in published.items():
            row = existing.get(day)
            if row is None:
                to_create.append(BankHoliday(date=day, name=name, source=PACKAGE_SOURCE))
            elif row.source == PACKAGE_SOURCE and row.name != name:
                row.name = name
                to_update.append(row)
        BankHoliday.objects.bulk_create(to_create)
        if to_update:
            BankHoliday.objects.bulk_update(to_update, ["name"])
        held = BankHoliday.objects.count()
    clear_calendar_cache()
    return held
