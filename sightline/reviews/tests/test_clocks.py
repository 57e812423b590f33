"""The statutory clocks of a case against the England and Wales working-day calendar.

Expected dates are worked out by hand in the comments: day 0 is the trigger date; a deadline
of N working days is the Nth working day after it, skipping weekends and bank holidays.
Christmas 2026: Fri 25 Dec (Christmas Day), Mon 28 Dec (Boxing Day, substitute), Fri 1 Jan
2027 (New Year's Day). Easter 2027: Fri 26 Mar (Good Friday), Mon 29 Mar (Easter Monday).
"""

from __future__ import annotations

from datetime import date

import pytest

from sightline.core import clocks
from sightline.core.clocks import ClockBook, get_calendar
from sightline.core.models import CalendarOverride, ClockDefinition
from sightline.core.services import calendar_override_create
from sightline.reviews import selectors, services_local
from sightline.reviews.models import Case, CaseStage, LocalReview, RapidReview
from sightline.reviews.tests.conftest import advance_case

pytestmark = pytest.mark.django_db


def clock_of(case: Case, on: date) -> selectors.CaseClock | None:
    case, _ = selectors.case_page(case)  # the case with its stage records
    return selectors.case_clock(case, ClockBook(), on)


# --------------------------------------------------------------------------- which clock runs


def test_a_concern_runs_the_notification_clock_from_awareness(partnership):
    # Aware Mon 2 Mar 2026: Tue 3 (1), Wed 4 (2), Thu 5 (3), Fri 6 (4), Mon 9 Mar (5).
    case = advance_case(partnership, "concern", aware_date=date(2026, 3, 2))
    clock = clock_of(case, date(2026, 3, 2))

    assert clock.code == "sin-notification"
    assert clock.label == "Notification to the Panel"
    assert clock.start == date(2026, 3, 2)
    assert clock.status.due == date(2026, 3, 9)


def test_a_rapid_review_runs_15_working_days_from_the_date_the_notification_was_sent(partnership):
    # Sent Wed 4 Mar 2026: 15 working days is three full weeks later, Wed 25 Mar 2026.
    case = advance_case(
        partnership, "notified", aware_date=date(2026, 3, 2), sent_date=date(2026, 3, 4)
    )
    clock = clock_of(case, date(2026, 3, 4))

    assert clock.code == "rapid-review"
    assert clock.start == date(2026, 3, 4)
    assert clock.status.due == date(2026, 3, 25)


def test_the_rapid_review_can_count_from_awareness_instead(partnership, settings):
    settings.SIGHTLINE_RAPID_REVIEW_CLOCK_FROM = "awareness"
    # Aware Mon 2 Mar 2026 (day 0), notified Wed 4 Mar: due three weeks after Mon 2 Mar.
    case = advance_case(
        partnership, "notified", aware_date=date(2026, 3, 2), sent_date=date(2026, 3, 4)
    )

    assert RapidReview.objects.get(case=case).start_date == date(2026, 3, 2)
    assert clock_of(case, date(2026, 3, 4)).status.due == date(2026, 3, 23)


def test_the_rapid_review_start_is_fixed_when_it_opens(partnership, settings):
    case = advance_case(
        partnership, "notified", aware_date=date(2026, 3, 2), sent_date=date(2026, 3, 4)
    )
    settings.SIGHTLINE_RAPID_REVIEW_CLOCK_FROM = "awareness"

    assert clock_of(case, date(2026, 3, 4)).status.due == date(2026, 3, 25)


@pytest.mark.parametrize(
    ("decision", "due"),
    [
        (date(2026, 5, 14), date(2026, 11, 14)),  # same calendar date, six months on (a Saturday)
        (date(2026, 8, 31), date(2027, 2, 28)),  # no 31 Feb: the month's last day (a Sunday)
        (date(2027, 8, 31), date(2028, 2, 29)),  # 2028 is a leap year
    ],
)
def test_a_local_review_runs_six_calendar_months_from_the_decision(partnership, decision, due):
    case = advance_case(
        partnership, "decided_lcspr", aware_date=date(2026, 3, 2), decision_date=decision
    )
    clock = clock_of(case, decision)

    assert clock.code == "lcspr"
    assert clock.label == "Local review completed and published"
    assert clock.start == decision
    assert clock.status.due == due


def test_no_clock_runs_while_the_case_waits_for_the_decision(partnership):
    case = advance_case(partnership, "sent_to_panel")
    assert clock_of(case, case.aware_date) is None


def test_the_local_review_clock_runs_until_publication_and_stops_at_closure(partnership):
    # "Completed and published within 6 months": decided Mon 14 Dec 2026, so due Mon 14 Jun
    # 2027 even though the final report was agreed on Fri 14 May 2027.
    case = advance_case(
        partnership,
        "ready_for_publication",
        aware_date=date(2026, 11, 2),
        decision_date=date(2026, 12, 14),
    )
    assert case.stage == CaseStage.READY_FOR_PUBLICATION
    clock = clock_of(case, date(2027, 4, 1))

    assert clock.code == "lcspr"
    assert clock.label == "Local review completed and published"
    assert clock.start == date(2026, 12, 14)
    assert clock.status.due == date(2027, 6, 14)
    assert clock.status.rag == "on_track"
    assert clock_of(case, date(2027, 6, 15)).status.rag == "overdue"

    review = LocalReview.objects.get(case=case)
    services_local.local_review_transition(
        review=review, by=partnership.bu, name="close", expected_version=review.version
    )
    case.refresh_from_db()
    assert case.stage == CaseStage.CLOSED
    assert clock_of(case, date(2027, 6, 15)) is None


# --------------------------------------------------------------------------- holidays


@pytest.mark.parametrize(
    ("aware", "due"),
    [
        # Mon 21 Dec 2026: Tue 22 (1), Wed 23 (2), Thu 24 (3), [Fri 25 Christmas, weekend,
        # Mon 28 Boxing Day substitute], Tue 29 (4), Wed 30 Dec (5).
        (date(2026, 12, 21), date(2026, 12, 30)),
        # Thu 24 Dec 2026: Tue 29 (1), Wed 30 (2), Thu 31 (3), [Fri 1 Jan New Year's Day,
        # weekend], Mon 4 Jan (4), Tue 5 Jan 2027 (5).
        (date(2026, 12, 24), date(2027, 1, 5)),
        # Tue 23 Mar 2027: Wed 24 (1), Thu 25 (2), [Fri 26 Good Friday, weekend, Mon 29 Easter
        # Monday], Tue 30 (3), Wed 31 (4), Thu 1 Apr 2027 (5).
        (date(2027, 3, 23), date(2027, 4, 1)),
        # Thu 25 Mar 2027: Tue 30 (1), Wed 31 (2), Thu 1 (3), Fri 2 (4), Mon 5 Apr 2027 (5).
        (date(2027, 3, 25), date(2027, 4, 5)),
    ],
)
def test_the_notification_clock_skips_christmas_and_easter(partnership, aware, due):
    case = advance_case(partnership, "concern", aware_date=aware)
    assert clock_of(case, aware).status.due == due


@pytest.mark.parametrize(
    ("sent", "due"),
    [
        # Wed 16 Dec 2026: Thu 17 (1), Fri 18 (2), Mon 21 (3), Tue 22 (4), Wed 23 (5),
        # Thu 24 (6), Tue 29 (7), Wed 30 (8), Thu 31 (9), Mon 4 Jan (10), Tue 5 (11),
        # Wed 6 (12), Thu 7 (13), Fri 8 (14), Mon 11 Jan 2027 (15).
        (date(2026, 12, 16), date(2027, 1, 11)),
        # Thu 25 Mar 2027: Tue 30 (1), Wed 31 (2), Thu 1 Apr (3), Fri 2 (4), then two full
        # weeks to Fri 16 (14), Mon 19 Apr 2027 (15).
        (date(2027, 3, 25), date(2027, 4, 19)),
    ],
)
def test_the_rapid_review_clock_skips_christmas_and_easter(partnership, sent, due):
    case = advance_case(partnership, "notified", aware_date=sent, sent_date=sent)
    assert clock_of(case, sent).status.due == due


def test_the_awareness_clock_over_christmas_counts_from_awareness(partnership, settings):
    settings.SIGHTLINE_RAPID_REVIEW_CLOCK_FROM = "awareness"
    # Aware Mon 14 Dec 2026: Tue 15 (1) ... Fri 18 (4), Mon 21 (5), Tue 22 (6), Wed 23 (7),
    # Thu 24 (8), Tue 29 (9), Wed 30 (10), Thu 31 (11), Mon 4 (12), Tue 5 (13), Wed 6 (14),
    # Thu 7 Jan 2027 (15).
    case = advance_case(
        partnership, "notified", aware_date=date(2026, 12, 14), sent_date=date(2026, 12, 16)
    )
    assert clock_of(case, date(2026, 12, 16)).status.due == date(2027, 1, 7)


# --------------------------------------------------------------------------- RAG


@pytest.mark.parametrize(
    ("on", "rag", "label", "working_days_left"),
    [
        (date(2026, 12, 16), "on_track", "On track", 15),
        # Thu 31 Dec: Mon 4 to Fri 8 and Mon 11 Jan still to come.
        (date(2026, 12, 31), "on_track", "On track", 6),
        (date(2027, 1, 4), "due_soon", "Due soon", 5),
        (date(2027, 1, 11), "due_soon", "Due soon", 0),
        (date(2027, 1, 12), "overdue", "Overdue", -1),
        (date(2027, 1, 18), "overdue", "Overdue", -5),
    ],
)
def test_the_clock_is_on_track_then_due_soon_then_overdue(
    partnership, on, rag, label, working_days_left
):
    # Rapid review sent Wed 16 Dec 2026, due Mon 11 Jan 2027; due soon within 5 working days.
    case = advance_case(
        partnership, "notified", aware_date=date(2026, 12, 15), sent_date=date(2026, 12, 16)
    )
    status = clock_of(case, on).status

    assert status.due == date(2027, 1, 11)
    assert status.rag == rag
    assert status.label == label
    assert status.working_days_left == working_days_left
    assert status.is_overdue == (rag == "overdue")


def test_the_due_soon_window_comes_from_the_clock_definition(partnership):
    case = advance_case(
        partnership, "notified", aware_date=date(2026, 12, 15), sent_date=date(2026, 12, 16)
    )
    assert clock_of(case, date(2026, 12, 31)).status.rag == "on_track"
    ClockDefinition.objects.filter(code="rapid-review").update(due_soon_working_days=10)

    assert clock_of(case, date(2026, 12, 31)).status.rag == "due_soon"


# --------------------------------------------------------------------------- the clock book


def test_the_clock_book_reads_every_definition_in_one_query(
    db, monkeypatch, django_assert_num_queries
):
    calendar = get_calendar()
    monkeypatch.setattr(clocks, "get_calendar", lambda: calendar)
    codes = list(ClockDefinition.objects.values_list("code", flat=True))
    assert {"sin-notification", "rapid-review", "lcspr"} <= set(codes)

    with django_assert_num_queries(1):
        book = ClockBook()
        for code in codes:
            for start in (date(2026, 12, 21), date(2027, 3, 23), date(2027, 8, 31)):
                book.due(code, start)
                book.status(code, start, date(2027, 1, 4))

    assert book.due("sin-notification", date(2026, 12, 21)) == date(2026, 12, 30)


def test_the_clock_book_agrees_with_the_single_clock_functions(db):
    book = ClockBook()
    for code in ("sin-notification", "rapid-review", "lcspr"):
        start = date(2026, 12, 21)
        assert book.due(code, start) == clocks.clock_due(code, start)
        assert book.status(code, start, date(2027, 1, 4)) == clocks.clock_status(
            code, start, date(2027, 1, 4)
        )


def test_a_closed_day_moves_the_deadline(partnership):
    case = advance_case(partnership, "concern", aware_date=date(2026, 12, 21))
    assert clock_of(case, date(2026, 12, 21)).status.due == date(2026, 12, 30)

    calendar_override_create(
        by=partnership.bu,
        date=date(2026, 12, 29),
        kind=CalendarOverride.Kind.CLOSED,
        name="Offices closed between Christmas and New Year",
    )

    # Tue 29 Dec is no longer a working day: Wed 30 (4), Thu 31 Dec 2026 (5).
    assert clock_of(case, date(2026, 12, 21)).status.due == date(2026, 12, 31)


def test_a_bank_holiday_worked_by_the_partnership_shortens_the_wait(partnership):
    case = advance_case(partnership, "concern", aware_date=date(2026, 12, 21))
    calendar_override_create(
        by=partnership.bu,
        date=date(2026, 12, 28),
        kind=CalendarOverride.Kind.OPEN,
        name="Business unit working",
    )

    # Mon 28 Dec counts: Tue 22 (1), Wed 23 (2), Thu 24 (3), Mon 28 (4), Tue 29 Dec (5).
    assert clock_of(case, date(2026, 12, 21)).status.due == date(2026, 12, 29)
