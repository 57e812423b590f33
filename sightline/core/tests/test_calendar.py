"""Working-day calendar: properties, published and computed holidays, and hand-checked dates."""

import calendar as stdlib_calendar
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sightline.core.calendar import (
    ClockStatus,
    WorkingCalendar,
    add_months,
    clock_state,
    default_calendar,
    easter_sunday,
    published_holidays,
    published_years,
    statutory_holidays,
)

CAL = default_calendar()

# Spans published years (2012–2028) and years that fall back to the rules on both sides.
dates = st.dates(min_value=date(2005, 1, 1), max_value=date(2040, 12, 31))
counts = st.integers(min_value=0, max_value=300)
small_counts = st.integers(min_value=0, max_value=40)


@st.composite
def calendars(draw):
    """The default calendar with random closures and random open days (disjoint)."""
    base = draw(st.dates(min_value=date(2026, 11, 1), max_value=date(2027, 2, 28)))
    offsets = draw(st.sets(st.integers(min_value=0, max_value=120), max_size=12))
    chosen = sorted(base + timedelta(days=o) for o in offsets)
    split = draw(st.integers(min_value=0, max_value=len(chosen)))
    return WorkingCalendar(
        published_holidays(),
        closed=chosen[:split],
        open_days=chosen[split:],
        covered_years=published_years(),
    )


override_dates = st.dates(min_value=date(2026, 10, 1), max_value=date(2027, 3, 31))


def naive_working_days(cal, start, end):
    """Reference count of working days in (start, end], by listing them."""
    if end < start:
        return -naive_working_days(cal, end, start)
    days = (start + timedelta(days=i) for i in range(1, (end - start).days + 1))
    return sum(1 for d in days if cal.is_working_day(d))


# --------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------


@given(start=dates, n=st.integers(min_value=1, max_value=300))
def test_result_is_a_working_day_strictly_after_start(start, n):
    result = CAL.add_working_days(start, n)
    assert result > start
    assert CAL.is_working_day(result)


@given(start=dates)
def test_zero_working_days_is_the_start_date(start):
    assert CAL.add_working_days(start, 0) == start


@given(start=dates, n=counts)
def test_add_working_days_is_strictly_monotone_in_n(start, n):
    assert CAL.add_working_days(start, n) < CAL.add_working_days(start, n + 1)


@given(start=dates, n=st.integers(min_value=1, max_value=300))
def test_no_working_day_is_skipped(start, n):
    before = CAL.add_working_days(start, n - 1)
    after = CAL.add_working_days(start, n)
    between = [before + timedelta(days=i) for i in range(1, (after - before).days)]
    assert not any(CAL.is_working_day(d) for d in between)


@given(start=dates, n=counts)
def test_working_days_between_inverts_add_working_days(start, n):
    assert CAL.working_days_between(start, CAL.add_working_days(start, n)) == n


@given(start=dates, a=small_counts, b=small_counts)
def test_adding_in_two_steps_is_the_same_as_one(start, a, b):
    assert CAL.add_working_days(CAL.add_working_days(start, a), b) == CAL.add_working_days(
        start, a + b
    )


@given(a=dates, b=dates)
def test_working_days_between_is_antisymmetric_and_matches_a_plain_count(a, b):
    if abs((b - a).days) > 800:
        b = a + timedelta(days=(b - a).days % 800)
    assert CAL.working_days_between(a, b) == -CAL.working_days_between(b, a)
    assert CAL.working_days_between(a, b) == naive_working_days(CAL, a, b)


@given(cal=calendars(), start=override_dates, n=small_counts)
def test_properties_hold_with_overrides(cal, start, n):
    result = cal.add_working_days(start, n)
    assert cal.working_days_between(start, result) == n
    if n:
        assert cal.is_working_day(result)
        assert result > start
    for day in cal.closed:
        assert not cal.is_working_day(day)
    for day in cal.open_days:
        assert cal.is_working_day(day)


@given(start=st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)), n=counts)
def test_add_months_lands_on_same_day_or_the_last_day_of_the_month(start, n):
    result = add_months(start, n)
    months = (result.year - start.year) * 12 + result.month - start.month
    assert months == n
    last = stdlib_calendar.monthrange(result.year, result.month)[1]
    if start.day <= last:
        assert result.day == start.day
    else:
        assert result.day == last
    assert CAL.add_months(start, n) == result
    assert CAL.deadline(start, n, "months") == result


@given(start=st.dates(min_value=date(2005, 12, 10), max_value=date(2039, 12, 31)), n=small_counts)
def test_adding_working_days_across_a_year_boundary(start, n):
    start = date(start.year, 12, max(start.day, 15))
    result = CAL.add_working_days(start, n + 15)
    assert result.year == start.year + 1
    assert CAL.working_days_between(start, result) == n + 15
    new_year = next(d for d in CAL.holidays_in(result.year) if d.month == 1)
    assert not CAL.is_working_day(new_year)


@given(year=st.integers(min_value=1900, max_value=2200))
def test_statutory_holidays_shape(year):
    holidays = statutory_holidays(year)
    assert len(holidays) == 8
    assert all(d.year == year for d in holidays)
    assert all(d.weekday() < 5 for d in holidays)
    assert sum(1 for d in holidays if d.weekday() == 0) >= 4  # Easter, May x2, August
    easter = easter_sunday(year)
    assert easter.weekday() == 6
    assert date(year, 3, 22) <= easter <= date(year, 4, 25)


@settings(max_examples=50)
@given(n=st.integers(min_value=-1000, max_value=-1), start=dates)
def test_negative_counts_are_refused(n, start):
    with pytest.raises(ValueError, match="zero or more"):
        CAL.add_working_days(start, n)
    with pytest.raises(ValueError, match="zero or more"):
        add_months(start, n)
    with pytest.raises(ValueError, match="zero or more"):
        CAL.deadline(start, n, "calendar_days")


# --------------------------------------------------------------------------------------------
# Published and computed holidays
# --------------------------------------------------------------------------------------------

# Where the published list departs from the usual rules (one-off proclamations).
ONE_OFF_DIFFERENCES = {
    # 2012 Diamond Jubilee: spring holiday moved from 28 May to 4 June, extra day 5 June.
    date(2012, 5, 28),
    date(2012, 6, 4),
    date(2012, 6, 5),
    # 2020 VE Day: early May holiday moved from 4 May to Friday 8 May.
    date(2020, 5, 4),
    date(2020, 5, 8),
    # 2022 Platinum Jubilee: spring holiday moved from 30 May to 2 June, extra day 3 June;
    # state funeral of Queen Elizabeth II on 19 September.
    date(2022, 5, 30),
    date(2022, 6, 2),
    date(2022, 6, 3),
    date(2022, 9, 19),
    # 2023 coronation of King Charles III.
    date(2023, 5, 8),
}


def test_statutory_rules_match_published_data_apart_from_one_off_changes():
    published = published_holidays()
    years = published_years()
    assert set(range(2012, 2029)) <= years
    computed = {d for year in years for d in statutory_holidays(year)}
    assert computed ^ set(published) == ONE_OFF_DIFFERENCES


def test_published_holidays_are_a_copy():
    first = published_holidays()
    first.clear()
    assert len(published_holidays()) >= 140


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        (1818, date(1818, 3, 22)),
        (1943, date(1943, 4, 25)),
        (2000, date(2000, 4, 23)),
        (2008, date(2008, 3, 23)),
        (2019, date(2019, 4, 21)),
        (2024, date(2024, 3, 31)),
        (2026, date(2026, 4, 5)),
        (2027, date(2027, 3, 28)),
        (2038, date(2038, 4, 25)),
        (2285, date(2285, 3, 22)),
    ],
)
def test_easter_sunday(year, expected):
    assert easter_sunday(year) == expected


@pytest.mark.parametrize("source", ["published", "statutory"])
def test_christmas_and_easter_2026_and_2027(source):
    if source == "published":
        cal = CAL
    else:
        cal = WorkingCalendar({}, covered_years=set())
    non_working = [
        date(2026, 4, 3),  # Good Friday
        date(2026, 4, 6),  # Easter Monday
        date(2026, 12, 25),  # Christmas Day, a Friday
        date(2026, 12, 28),  # Boxing Day (Saturday) substitute, Monday
        date(2027, 1, 1),
        date(2027, 3, 26),  # Good Friday
        date(2027, 3, 29),  # Easter Monday
        date(2027, 12, 27),  # Christmas Day (Saturday) substitute, Monday
        date(2027, 12, 28),  # Boxing Day (Sunday) substitute, Tuesday
        date(2028, 1, 3),  # New Year's Day (Saturday) substitute, Monday
    ]
    for day in non_working:
        assert not cal.is_working_day(day), day
    working = [
        date(2026, 4, 2),
        date(2026, 4, 7),
        date(2026, 12, 24),
        date(2026, 12, 29),
        date(2027, 3, 25),
        date(2027, 3, 30),
        date(2027, 12, 29),
    ]
    for day in working:
        assert cal.is_working_day(day), day


def test_statutory_christmas_names():
    assert statutory_holidays(2026)[date(2026, 12, 28)] == "Boxing Day (substitute day)"
    assert statutory_holidays(2027)[date(2027, 12, 27)] == "Christmas Day (substitute day)"
    assert statutory_holidays(2027)[date(2027, 12, 28)] == "Boxing Day (substitute day)"
    # 25 December on a Sunday: Boxing Day stays on Monday 26th, Christmas moves to the 27th.
    assert statutory_holidays(2022)[date(2022, 12, 26)] == "Boxing Day"
    assert statutory_holidays(2022)[date(2022, 12, 27)] == "Christmas Day (substitute day)"
    # New Year's Day on a Sunday moves to Monday 2nd.
    assert date(2023, 1, 2) in statutory_holidays(2023)


@pytest.mark.parametrize(
    ("day", "name_part"),
    [
        (date(2020, 5, 8), "VE day"),
        (date(2022, 6, 2), "Spring bank holiday"),
        (date(2022, 6, 3), "Platinum Jubilee"),
        (date(2022, 9, 19), "State Funeral"),
        (date(2023, 5, 8), "coronation"),
    ],
)
def test_one_off_holidays_are_non_working(day, name_part):
    assert not CAL.is_working_day(day)
    assert name_part in CAL.holiday_name(day)


@pytest.mark.parametrize(
    "day",
    [
        date(2020, 5, 4),  # early May holiday moved to VE Day
        date(2022, 5, 30),  # spring holiday moved to 2 June
        date(2012, 5, 28),  # spring holiday moved to 4 June
    ],
)
def test_moved_holidays_are_working_days(day):
    assert CAL.is_working_day(day)


def test_years_outside_the_published_data_use_the_rules():
    assert min(CAL.covered_years) == 2012
    assert not CAL.is_working_day(date(2035, 12, 25))
    assert not CAL.is_working_day(date(2011, 4, 22))  # Good Friday 2011
    assert CAL.holidays_in(2040) == statutory_holidays(2040)


def test_covered_years_are_authoritative():
    cal = WorkingCalendar({date(2026, 1, 2): "Local holiday"}, covered_years={2026})
    assert cal.is_working_day(date(2026, 12, 25))  # 2026 is covered and lists no Christmas
    assert not cal.is_working_day(date(2026, 1, 2))
    assert not cal.is_working_day(date(2027, 12, 27))  # 2027 falls back to the rules


# --------------------------------------------------------------------------------------------
# Hand-checked deadlines
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        # Mon 21 Dec 2026: 22 (1), 23 (2), 24 (3); 25 Christmas; 26-27 weekend; 28 Boxing Day
        # substitute; 29 (4), 30 (5).
        (date(2026, 12, 21), 5, date(2026, 12, 30)),
        (date(2026, 12, 21), 6, date(2026, 12, 31)),
        # 1 January 2027 is a holiday, so the 7th working day is Monday 4 January.
        (date(2026, 12, 21), 7, date(2027, 1, 4)),
        # Thu 2 Apr 2026: Good Friday and Easter Monday skipped: 7, 8, 9, 10, 13.
        (date(2026, 4, 2), 5, date(2026, 4, 13)),
        # Rapid review from Fri 1 May 2026: 4 May and 25 May are holidays.
        (date(2026, 5, 1), 15, date(2026, 5, 26)),
        # A start on a Saturday: day 1 is the Monday.
        (date(2026, 1, 3), 1, date(2026, 1, 5)),
        # Christmas 2027 (Sat/Sun) with substitutes on 27 and 28 December.
        (date(2027, 12, 24), 1, date(2027, 12, 29)),
        # 2022: Platinum Jubilee (2-3 June) and state funeral (19 September).
        (date(2022, 6, 1), 1, date(2022, 6, 6)),
        (date(2022, 9, 16), 1, date(2022, 9, 20)),
    ],
)
def test_hand_checked_working_day_deadlines(start, n, expected):
    assert CAL.add_working_days(start, n) == expected
    assert CAL.deadline(start, n, "working_days") == expected
    assert CAL.working_days_between(start, expected) == n


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
        (date(2027, 8, 31), 6, date(2028, 2, 29)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2026, 3, 15), 6, date(2026, 9, 15)),
        (date(2026, 7, 10), 6, date(2027, 1, 10)),  # a Sunday: month clocks are not moved
    ],
)
def test_hand_checked_month_deadlines(start, n, expected):
    assert CAL.deadline(start, n, "months") == expected


def test_calendar_day_deadline_and_unknown_unit():
    assert CAL.deadline(date(2026, 12, 21), 10, "calendar_days") == date(2026, 12, 31)
    with pytest.raises(ValueError, match="Unknown clock unit"):
        CAL.deadline(date(2026, 12, 21), 10, "fortnights")


def test_subtract_working_days():
    assert CAL.subtract_working_days(date(2026, 12, 31), 5) == date(2026, 12, 22)
    assert CAL.subtract_working_days(date(2026, 12, 31), 0) == date(2026, 12, 31)
    with pytest.raises(ValueError, match="zero or more"):
        CAL.subtract_working_days(date(2026, 12, 31), -1)


def test_counts_must_be_whole_numbers():
    with pytest.raises(TypeError):
        CAL.add_working_days(date(2026, 1, 1), 2.5)
    with pytest.raises(TypeError):
        CAL.add_working_days(date(2026, 1, 1), True)


def test_counts_past_the_last_date_are_refused_cleanly():
    with pytest.raises(ValueError, match="9999"):
        CAL.add_working_days(date(9999, 12, 1), 100)
    with pytest.raises(ValueError, match="9999"):
        add_months(date(9999, 12, 1), 1)


# --------------------------------------------------------------------------------------------
# Overrides and immutability
# --------------------------------------------------------------------------------------------


def test_closed_and_open_days_change_the_answer():
    holidays = published_holidays()
    closed = WorkingCalendar(holidays, closed=[date(2026, 12, 29)])
    assert closed.add_working_days(date(2026, 12, 21), 5) == date(2026, 12, 31)
    opened = WorkingCalendar(holidays, open_days=[date(2026, 12, 28)])
    assert opened.add_working_days(date(2026, 12, 21), 5) == date(2026, 12, 29)


def test_a_date_cannot_be_both_closed_and_open():
    with pytest.raises(ValueError, match="both closed and open"):
        WorkingCalendar({}, closed=[date(2026, 1, 2)], open_days=[date(2026, 1, 2)])


def test_calendar_is_immutable():
    with pytest.raises(AttributeError):
        CAL._closed = frozenset({date(2026, 1, 5)})
    with pytest.raises(AttributeError):
        CAL.anything = 1
    assert isinstance(hash(CAL), int)
    assert default_calendar() is CAL


def test_holidays_given_are_copied():
    source = {date(2026, 1, 5): "Local closure"}
    cal = WorkingCalendar(source, covered_years={2026})
    source[date(2026, 1, 6)] = "Added later"
    assert cal.is_working_day(date(2026, 1, 6))


# --------------------------------------------------------------------------------------------
# Clock status
# --------------------------------------------------------------------------------------------


def test_clock_state_overdue_due_soon_and_on_track():
    due = date(2026, 12, 30)
    on_the_day = clock_state(due, due, CAL)
    assert on_the_day == ClockStatus(due, 0, 0, "due_soon")

    overdue = clock_state(due, date(2027, 1, 4), CAL)
    assert overdue.rag == "overdue"
    assert overdue.working_days_left == -2  # 31 December and 4 January
    assert overdue.calendar_days_left == -5
    assert overdue.is_overdue
    assert overdue.label == "Overdue"

    # Five working days left (22, 23, 24, 29, 30 December): still "due soon" with the default.
    five_left = clock_state(due, date(2026, 12, 21), CAL)
    assert (five_left.rag, five_left.working_days_left) == ("due_soon", 5)
    six_left = clock_state(due, date(2026, 12, 18), CAL)
    assert (six_left.rag, six_left.working_days_left) == ("on_track", 6)
    assert clock_state(due, date(2026, 12, 18), CAL, due_soon=6).rag == "due_soon"


def test_clock_state_due_on_a_non_working_day():
    # A month clock ending on Sunday 10 January 2027; on Friday 8th no working day is left.
    status = clock_state(date(2027, 1, 10), date(2027, 1, 8), CAL)
    assert (status.rag, status.working_days_left, status.calendar_days_left) == ("due_soon", 0, 2)
    assert clock_state(date(2027, 1, 10), date(2027, 1, 11), CAL).rag == "overdue"


@given(due=dates, today=dates, window=st.integers(min_value=0, max_value=20))
def test_clock_state_properties(due, today, window):
    if abs((due - today).days) > 500:
        today = due - timedelta(days=(due - today).days % 500)
    status = clock_state(due, today, CAL, due_soon=window)
    assert status.calendar_days_left == (due - today).days
    assert status.working_days_left == CAL.working_days_between(today, due)
    assert (status.rag == "overdue") == (due < today)
    if due >= today:
        assert status.working_days_left >= 0
        assert (status.rag == "due_soon") == (status.working_days_left <= window)


@given(st.dates(min_value=date(1901, 1, 1), max_value=date(2400, 12, 31)), st.integers(0, 240))
def test_subtract_months_undoes_add_months_where_the_day_exists(start, n):
    from sightline.core.calendar import subtract_months

    back = subtract_months(start, n)
    assert back <= start
    assert (start.year * 12 + start.month) - (back.year * 12 + back.month) == n
    assert back.day == start.day or back.day == stdlib_calendar.monthrange(back.year, back.month)[1]


def test_subtract_months_lands_on_the_last_day_of_a_shorter_month():
    from sightline.core.calendar import subtract_months

    assert subtract_months(date(2027, 3, 31), 1) == date(2027, 2, 28)
    assert subtract_months(date(2028, 3, 31), 1) == date(2028, 2, 29)
    assert subtract_months(date(2027, 1, 15), 2) == date(2026, 11, 15)
