"""Working-day arithmetic for England and Wales.

A pure module: no Django, no clock. Callers pass dates in, including "today".

Rule (domain spec §2): a working day is any day that is not a Saturday, Sunday or an
England and Wales bank holiday (Christmas Day and Good Friday are in the published list).
The trigger date is day 0; a deadline of N working days is the Nth working day strictly after it.
Month clocks end on the same day of the month (or that month's last day) and are not moved
to a working day.
"""

from __future__ import annotations

import calendar as _stdlib_calendar
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from types import MappingProxyType
from typing import Literal

__all__ = [
    "UNIT_CALENDAR_DAYS",
    "UNIT_MONTHS",
    "UNIT_WORKING_DAYS",
    "UNITS",
    "ClockStatus",
    "WorkingCalendar",
    "add_months",
    "clock_state",
    "default_calendar",
    "easter_sunday",
    "published_holidays",
    "statutory_holidays",
]

DIVISION = "england-and-wales"

UNIT_WORKING_DAYS = "working_days"
UNIT_MONTHS = "months"
UNIT_CALENDAR_DAYS = "calendar_days"
UNITS = (UNIT_WORKING_DAYS, UNIT_MONTHS, UNIT_CALENDAR_DAYS)

RAG_OVERDUE = "overdue"
RAG_DUE_SOON = "due_soon"
RAG_ON_TRACK = "on_track"

_ONE_DAY = timedelta(days=1)
_SATURDAY = 5
_SUBSTITUTE = " (substitute day)"


# --------------------------------------------------------------------------------------------
# Holiday data
# --------------------------------------------------------------------------------------------


def easter_sunday(year: int) -> date:
    """Easter Sunday in the Gregorian calendar (anonymous Gregorian algorithm)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month, day = divmod(h + el - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _first_monday(year: int, month: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(7 - first.weekday()) % 7)


def _last_monday(year: int, month: int) -> date:
    last = date(year, month, _stdlib_calendar.monthrange(year, month)[1])
    return last - timedelta(days=last.weekday())


def statutory_holidays(year: int) -> dict[date, str]:
    """England and Wales bank holidays for ``year`` computed from the usual rules.

    Does not know one-off changes (jubilees, state funerals, a moved early May holiday), so it
    is only used for years that the published data does not cover.
    """
    result: dict[date, str] = {}

    new_year = date(year, 1, 1)
    if new_year.weekday() >= _SATURDAY:
        result[new_year + timedelta(days=7 - new_year.weekday())] = "New Year’s Day" + _SUBSTITUTE
    else:
        result[new_year] = "New Year’s Day"

    easter = easter_sunday(year)
    result[easter - timedelta(days=2)] = "Good Friday"
    result[easter + _ONE_DAY] = "Easter Monday"
    result[_first_monday(year, 5)] = "Early May bank holiday"
    result[_last_monday(year, 5)] = "Spring bank holiday"
    result[_last_monday(year, 8)] = "Summer bank holiday"

    christmas = date(year, 12, 25)
    boxing = date(year, 12, 26)
    if christmas.weekday() >= _SATURDAY:  # Saturday or Sunday: substitute on the 27th
        result[date(year, 12, 27)] = "Christmas Day" + _SUBSTITUTE
    else:
        result[christmas] = "Christmas Day"
    if boxing.weekday() >= _SATURDAY:  # Saturday -> Monday 28th; Sunday -> Tuesday 28th
        result[date(year, 12, 28)] = "Boxing Day" + _SUBSTITUTE
    else:
        result[boxing] = "Boxing Day"
    return dict(sorted(result.items()))


@functools.lru_cache(maxsize=512)
def _statutory_dates(year: int) -> frozenset[date]:
    return frozenset(statutory_holidays(year))


@functools.lru_cache(maxsize=1)
def _published() -> Mapping[date, str]:
    # Imported here so that the pure calendar functions work without the package.
    from govuk_bank_holidays.bank_holidays import BankHolidays

    holidays = BankHolidays(use_cached_holidays=True)  # bundled data only, never the network
    result: dict[date, str] = {}
    for item in holidays.get_holidays(division=DIVISION):
        name = item["title"]
        if (item.get("notes") or "").strip().lower() == "substitute day":
            name += _SUBSTITUTE
        result[item["date"]] = name
    return MappingProxyType(result)


def published_holidays() -> dict[date, str]:
    """England and Wales bank holidays from the data bundled with ``govuk-bank-holidays``.

    Read once and cached; no network call is ever made. Returns a fresh dict each call.
    """
    return dict(_published())


def published_years() -> frozenset[int]:
    """The years the bundled published data covers."""
    return frozenset(d.year for d in _published())


# --------------------------------------------------------------------------------------------
# Month arithmetic
# --------------------------------------------------------------------------------------------


def add_months(start: date, n: int) -> date:
    """The same day of the month ``n`` months later, or that month's last day if it is shorter."""
    _check_count(n, "months")
    month_index = start.month - 1 + n
    year, month0 = divmod(month_index, 12)
    year += start.year
    if year > date.max.year:
        raise ValueError(f"Adding {n} months to {start.isoformat()} goes past the year 9999.")
    month = month0 + 1
    day = min(start.day, _stdlib_calendar.monthrange(year, month)[1])
    return date(year, month, day)


def subtract_months(start: date, n: int) -> date:
    """The same day of the month ``n`` months earlier, or that month's last day if it is
    shorter (for dates counted back, such as a decision some months ago)."""
    _check_count(n, "months")
    year, month0 = divmod(start.year * 12 + start.month - 1 - n, 12)
    if year < date.min.year:
        raise ValueError(f"Taking {n} months from {start.isoformat()} goes before the year 1.")
    day = min(start.day, _stdlib_calendar.monthrange(year, month0 + 1)[1])
    return date(year, month0 + 1, day)


def _check_count(n: int, what: str) -> None:
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"The number of {what} must be a whole number, not {n!r}.")
    if n < 0:
        raise ValueError(f"The number of {what} must be zero or more, not {n}.")


# --------------------------------------------------------------------------------------------
# The working calendar
# --------------------------------------------------------------------------------------------


class WorkingCalendar:
    """An immutable working-day calendar.

    ``holidays`` is authoritative for every year in ``covered_years`` (by default, the years
    that appear in ``holidays``); other years fall back to :func:`statutory_holidays`.
    ``closed`` dates are extra non-working days. ``open_days`` are working days even if they
    are a bank holiday or a weekend (an explicit decision by the partnership).
    """

    __slots__ = ("_closed", "_covered_years", "_holiday_dates", "_holidays", "_open")

    def __init__(
        self,
        holidays: Mapping[date, str],
        closed: Iterable[date] = (),
        open_days: Iterable[date] = (),
        covered_years: Iterable[int] | None = None,
    ) -> None:
        frozen = dict(sorted(holidays.items()))
        closed_set = frozenset(closed)
        open_set = frozenset(open_days)
        both = closed_set & open_set
        if both:
            listed = ", ".join(sorted(d.isoformat() for d in both))
            raise ValueError(f"A date cannot be both closed and open: {listed}.")
        years = frozenset(d.year for d in frozen) if covered_years is None else covered_years
        object.__setattr__(self, "_holidays", MappingProxyType(frozen))
        object.__setattr__(self, "_holiday_dates", frozenset(frozen))
        object.__setattr__(self, "_closed", closed_set)
        object.__setattr__(self, "_open", open_set)
        object.__setattr__(self, "_covered_years", frozenset(years))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("WorkingCalendar is immutable.")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("WorkingCalendar is immutable.")

    def __repr__(self) -> str:
        years = sorted(self._covered_years)
        span = f"{years[0]}–{years[-1]}" if years else "none"
        return (
            f"<WorkingCalendar covered={span} holidays={len(self._holidays)} "
            f"closed={len(self._closed)} open={len(self._open)}>"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, WorkingCalendar):
            return NotImplemented
        return (
            self._holidays == other._holidays
            and self._closed == other._closed
            and self._open == other._open
            and self._covered_years == other._covered_years
        )

    def __hash__(self) -> int:
        return hash((self._holiday_dates, self._closed, self._open, self._covered_years))

    # Read-only views -------------------------------------------------------------------------

    @property
    def covered_years(self) -> frozenset[int]:
        return self._covered_years

    @property
    def closed(self) -> frozenset[date]:
        return self._closed

    @property
    def open_days(self) -> frozenset[date]:
        return self._open

    def holidays_in(self, year: int) -> dict[date, str]:
        """The bank holidays this calendar uses for ``year`` (before overrides)."""
        if year in self._covered_years:
            return {d: name for d, name in self._holidays.items() if d.year == year}
        return statutory_holidays(year)

    def holiday_name(self, d: date) -> str | None:
        return self.holidays_in(d.year).get(d)

    # Queries ---------------------------------------------------------------------------------

    def _is_holiday(self, d: date) -> bool:
        if d.year in self._covered_years:
            return d in self._holiday_dates
        return d in _statutory_dates(d.year)

    def is_working_day(self, d: date) -> bool:
        if d in self._open:
            return True
        if d in self._closed:
            return False
        return d.weekday() < _SATURDAY and not self._is_holiday(d)

    def add_working_days(self, start: date, n: int) -> date:
        """The Nth working day strictly after ``start`` (day 0). ``n == 0`` returns ``start``."""
        _check_count(n, "working days")
        if n > (date.max - start).days:
            raise ValueError(f"{n} working days after {start.isoformat()} is past the year 9999.")
        current = start
        remaining = n
        try:
            while remaining:
                current += _ONE_DAY
                if self.is_working_day(current):
                    remaining -= 1
        except OverflowError:
            raise ValueError(
                f"{n} working days after {start.isoformat()} is past the year 9999."
            ) from None
        return current

    def subtract_working_days(self, start: date, n: int) -> date:
        """The Nth working day strictly before ``start``. ``n == 0`` returns ``start``."""
        _check_count(n, "working days")
        if n > (start - date.min).days:
            raise ValueError(f"{n} working days before {start.isoformat()} is before the year 1.")
        current = start
        remaining = n
        try:
            while remaining:
                current -= _ONE_DAY
                if self.is_working_day(current):
                    remaining -= 1
        except OverflowError:
            raise ValueError(
                f"{n} working days before {start.isoformat()} is before the year 1."
            ) from None
        return current

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative (the count in (end, start]) if end < start.

        ``working_days_between(s, add_working_days(s, n)) == n`` for every n >= 0.
        """
        if end < start:
            return -self.working_days_between(end, start)
        count = 0
        current = start
        while current < end:
            current += _ONE_DAY
            if self.is_working_day(current):
                count += 1
        return count

    def add_months(self, start: date, n: int) -> date:
        """Same day of the month ``n`` months later, or that month's last day."""
        return add_months(start, n)

    def add_calendar_days(self, start: date, n: int) -> date:
        _check_count(n, "calendar days")
        try:
            return start + timedelta(days=n)
        except OverflowError:
            raise ValueError(
                f"{n} calendar days after {start.isoformat()} is past the year 9999."
            ) from None

    def deadline(self, start: date, length: int, unit: str) -> date:
        """The due date of a clock of ``length`` ``unit`` started on ``start`` (day 0)."""
        unit = str(unit)
        if unit == UNIT_WORKING_DAYS:
            return self.add_working_days(start, length)
        if unit == UNIT_MONTHS:
            return add_months(start, length)
        if unit == UNIT_CALENDAR_DAYS:
            return self.add_calendar_days(start, length)
        raise ValueError(f"Unknown clock unit {unit!r}; expected one of {', '.join(UNITS)}.")


@functools.lru_cache(maxsize=1)
def default_calendar() -> WorkingCalendar:
    """A calendar from the bundled published data (no overrides)."""
    return WorkingCalendar(_published(), covered_years=published_years())


# --------------------------------------------------------------------------------------------
# Clock status
# --------------------------------------------------------------------------------------------

Rag = Literal["overdue", "due_soon", "on_track"]


@dataclass(frozen=True, slots=True)
class ClockStatus:
    due: date
    working_days_left: int  # negative when overdue
    calendar_days_left: int  # negative when overdue
    rag: Rag

    @property
    def is_overdue(self) -> bool:
        return self.rag == RAG_OVERDUE

    @property
    def label(self) -> str:
        return {
            RAG_OVERDUE: "Overdue",
            RAG_DUE_SOON: "Due soon",
            RAG_ON_TRACK: "On track",
        }[self.rag]


ClockState = ClockStatus


def clock_state(due: date, today: date, cal: WorkingCalendar, due_soon: int = 5) -> ClockStatus:
    """Where a clock stands on ``today``.

    Past the due date it is overdue; on the due date, or with at most ``due_soon`` working
    days left, it is due soon; otherwise on track.
    """
    if due_soon < 0:
        raise ValueError(f"The due-soon window must be zero or more working days, not {due_soon}.")
    working_left = cal.working_days_between(today, due)
    calendar_left = (due - today).days
    if due < today:
        rag: Rag = RAG_OVERDUE
    elif working_left <= due_soon:
        rag = RAG_DUE_SOON
    else:
        rag = RAG_ON_TRACK
    return ClockStatus(
        due=due, working_days_left=working_left, calendar_days_left=calendar_left, rag=rag
    )
