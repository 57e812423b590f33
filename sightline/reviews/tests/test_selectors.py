"""Reads for the case dashboard, the yearly summary and the signed-in home page."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sightline.accounts.models import User
from sightline.core.calendar import add_months
from sightline.core.clocks import get_calendar
from sightline.core.models import Theme
from sightline.reviews import selectors, services, services_local
from sightline.reviews.models import AgencyReturn, Case, CaseStage, LocalReview, RapidReview
from sightline.reviews.selectors import CaseFilters, dashboard_cases, dashboard_rows
from sightline.reviews.tests.conftest import advance_case

pytestmark = pytest.mark.django_db


def refs(cases) -> list[str]:
    return [c.reference for c in cases]


def not_notify(p, **options) -> Case:
    case = advance_case(p, **options)
    n = case.notification
    services.notification_decide(
        notification=n,
        by=p.notifier,
        name="not_notify",
        expected_version=n.version,
        fields={
            "abuse_or_neglect": False,
            "death_or_serious_harm": True,
            "looked_after_child": False,
            "decision_date": case.aware_date,
            "not_notified_reasons": "Accidental injury; no abuse or neglect suspected.",
        },
    )
    return Case.objects.get(pk=case.pk)


def decide(p, decision: str, **options) -> Case:
    case = advance_case(p, "sent_to_panel", **options)
    rr = RapidReview.objects.get(case=case)
    services.rapid_review_update(
        rr=rr,
        by=p.bu,
        expected_version=rr.version,
        decision=decision,
        decision_date=rr.sent_to_panel_date + timedelta(days=7),
        decision_reasons="Agreed by the partners.",
    )
    services.rapid_review_transition(rr=rr, by=p.bu, name="decide", expected_version=rr.version)
    return Case.objects.get(pk=case.pk)


# --------------------------------------------------------------------------- dashboard filters


@pytest.fixture
def board(partnership):
    """Three cases: a 2025 concern about neglect with the police involved; a 2026 rapid review;
    a 2026 concern not notified (no longer open)."""
    p = partnership
    return {
        "concern": advance_case(
            p, aware_date=date(2025, 6, 2), involved=["police"], themes=["neglect"]
        ),
        "rapid": advance_case(
            p, "notified", aware_date=date(2026, 3, 2), involved=[], pseudonym="Child B"
        ),
        "not_notified": not_notify(
            p, aware_date=date(2026, 4, 6), involved=[], raised_by="school", pseudonym="Child C"
        ),
    }


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (CaseFilters(), ["concern", "rapid"]),
        (CaseFilters(stage="open"), ["concern", "rapid"]),
        (CaseFilters(stage="all"), ["concern", "rapid", "not_notified"]),
        (CaseFilters(stage=CaseStage.NOT_NOTIFIED), ["not_notified"]),
        (CaseFilters(stage=CaseStage.RAPID_REVIEW), ["rapid"]),
        (CaseFilters(stage=CaseStage.LOCAL_REVIEW), []),
        (CaseFilters(year=2025), ["concern"]),
        (CaseFilters(stage="all", year=2026), ["rapid", "not_notified"]),
        (CaseFilters(year=2024), []),
    ],
    ids=[
        "default-open",
        "open",
        "all",
        "not-notified",
        "rapid-review",
        "local-review",
        "year-2025",
        "all-of-2026",
        "year-2024",
    ],
)
def test_the_dashboard_filters_by_stage_and_year(partnership, board, filters, expected):
    found = dashboard_cases(partnership.bu, filters)
    assert refs(found) == [board[name].reference for name in expected]


def test_the_dashboard_filters_by_theme(partnership, board):
    neglect = Theme.objects.get(slug="neglect")
    injury = Theme.objects.get(slug="non-accidental-injury")

    assert refs(dashboard_cases(partnership.bu, CaseFilters(theme=neglect.pk))) == [
        board["concern"].reference
    ]
    assert refs(dashboard_cases(partnership.bu, CaseFilters(stage="all", theme=injury.pk))) == [
        board["rapid"].reference,
        board["not_notified"].reference,
    ]


def test_the_dashboard_filters_by_agency_on_the_case(partnership, board):
    p = partnership
    bu = p.bu
    assert refs(dashboard_cases(bu, CaseFilters(agency=p.police.pk))) == [
        board["concern"].reference
    ]
    assert refs(dashboard_cases(bu, CaseFilters(stage="all", agency=p.school.pk))) == [
        board["not_notified"].reference
    ]
    assert refs(dashboard_cases(bu, CaseFilters(stage="all", agency=p.council.pk))) == [
        board[n].reference for n in ("concern", "rapid", "not_notified")
    ]


def test_the_dashboard_shows_only_cases_the_user_may_see(partnership, board):
    p = partnership
    assert refs(dashboard_cases(p.agency_leads["police"], CaseFilters(stage="all"))) == [
        board["concern"].reference
    ]
    assert refs(dashboard_cases(p.agency_leads["school"], CaseFilters(stage="all"))) == [
        board["not_notified"].reference
    ]
    assert not dashboard_cases(p.outsider, CaseFilters(stage="all")).exists()


def test_the_years_offered_are_those_of_visible_cases(partnership, board):
    assert selectors.case_years(partnership.bu) == [2026, 2025]
    assert selectors.case_years(partnership.agency_leads["police"]) == [2025]
    assert selectors.case_years(partnership.outsider) == []


def test_dashboard_rows_are_ordered_by_due_date_with_no_clock_last(partnership):
    p = partnership
    on = date(2026, 12, 4)  # a Friday
    # Local review decided Mon 2 Nov 2026: due Sun 2 May 2027.
    local = advance_case(
        p, "decided_lcspr", aware_date=date(2026, 9, 1), decision_date=date(2026, 11, 2)
    )
    # Notification from awareness Tue 1 Dec 2026: due Tue 8 Dec 2026, due soon (2 working days
    # left: Mon 7, Tue 8).
    concern = advance_case(p, aware_date=date(2026, 12, 1), pseudonym="Child B")
    # Rapid review from Tue 24 Nov 2026: due Tue 15 Dec 2026, 7 working days away: on track.
    rapid = advance_case(
        p,
        "notified",
        aware_date=date(2026, 11, 23),
        sent_date=date(2026, 11, 24),
        pseudonym="Child C",
    )
    # Awaiting the decision: no clock.
    waiting = advance_case(p, "sent_to_panel", aware_date=date(2026, 10, 1), pseudonym="Child D")
    # An older concern, overdue: from Mon 2 Nov 2026, due Mon 9 Nov 2026.
    late = advance_case(p, aware_date=date(2026, 11, 2), pseudonym="Child E")

    rows = dashboard_rows(dashboard_cases(p.bu, CaseFilters(stage="all")), on)

    assert [case.pk for case, _ in rows] == [late.pk, concern.pk, rapid.pk, local.pk, waiting.pk]
    assert [clock.status.due if clock else None for _, clock in rows] == [
        date(2026, 11, 9),
        date(2026, 12, 8),
        date(2026, 12, 15),
        date(2027, 5, 2),
        None,
    ]
    assert [clock.status.rag if clock else None for _, clock in rows] == [
        "overdue",
        "due_soon",
        "on_track",
        "on_track",
        None,
    ]


POINTS = [
    "concern",
    "notified",
    "returns_requested",
    "recommended",
    "sent_to_panel",
    "decided_lcspr",
    "reviewer_appointed",
    "draft",
    "ready_for_publication",
]


def count_dashboard_queries(bu_pk: int) -> tuple[int, int]:
    """Queries to list every case with its clock, agencies and themes; and the rows shown."""
    user = User.objects.get(pk=bu_pk)  # a fresh user: nothing cached from earlier calls
    get_calendar()  # the calendar is cached between requests; build it outside the count
    with CaptureQueriesContext(connection) as queries:
        rows = dashboard_rows(dashboard_cases(user, CaseFilters(stage="all")), date(2027, 1, 4))
        for case, _ in rows:  # what each row shows
            _ = (
                case.lead_agency.name,
                case.case_officer,
                [t.name for t in case.themes.all()],
                [a.name for a in case.involved_agencies.all()],
            )
    return len(queries.captured_queries), len(rows)


def test_the_dashboard_needs_the_same_number_of_queries_for_2_or_12_cases(partnership):
    p = partnership
    advance_case(p, "concern", aware_date=date(2026, 12, 1))
    advance_case(p, "decided_lcspr", aware_date=date(2026, 10, 1))
    few, shown = count_dashboard_queries(p.bu.pk)
    assert shown == 2

    for number, point in enumerate(POINTS + ["notified"], start=1):
        advance_case(p, point, aware_date=date(2026, 10, number), pseudonym=f"Child {number}")
    many, shown = count_dashboard_queries(p.bu.pk)
    assert shown == 12

    assert many == few


# --------------------------------------------------------------------------- yearly summary


def test_the_yearly_summary_counts_each_year_of_awareness(partnership):
    p = partnership
    # 2025: a concern still open, one not notified, one national review, one local review
    # completed within six months.
    advance_case(p, aware_date=date(2025, 3, 3))
    not_notify(p, aware_date=date(2025, 4, 7), pseudonym="Child B")
    decide(p, "national", aware_date=date(2025, 5, 5), pseudonym="Child C")
    advance_case(p, "final_agreed", aware_date=date(2025, 6, 2), pseudonym="Child D")
    # 2026: a local review under way, one completed late, one alternative learning.
    advance_case(p, "reviewer_appointed", aware_date=date(2026, 1, 12), pseudonym="Child E")
    late = advance_case(p, "final_agreed", aware_date=date(2026, 2, 2), pseudonym="Child F")
    review = LocalReview.objects.get(case=late)
    services_local.local_review_update(
        review=review,
        by=p.bu,
        expected_version=review.version,
        final_agreed_date=add_months(review.decision_date, 6) + timedelta(days=1),
        delay_reason="Awaiting the criminal trial.",
    )
    decide(p, "alternative", aware_date=date(2026, 3, 2), pseudonym="Child G")

    summary = selectors.yearly_summary(p.bu)

    assert [row.year for row in summary] == [2026, 2025]
    this, last = summary
    assert vars(last) == {
        "year": 2025,
        "concerns": 4,
        "notifications": 2,
        "not_notified": 1,
        "rapid_reviews": 2,
        "decided_local": 1,
        "decided_national": 1,
        "decided_alternative": 0,
        "local_reviews_started": 1,
        "local_reviews_completed": 1,
        "completed_within_6_months": 1,
    }
    assert vars(this) == {
        "year": 2026,
        "concerns": 3,
        "notifications": 3,
        "not_notified": 0,
        "rapid_reviews": 3,
        "decided_local": 2,
        "decided_national": 0,
        "decided_alternative": 1,
        "local_reviews_started": 2,
        "local_reviews_completed": 1,
        "completed_within_6_months": 0,
    }
    assert [key for key, _ in selectors.SUMMARY_COLUMNS] == list(vars(this))


def test_a_review_agreed_on_the_six_month_date_counts_as_within_six_months(partnership):
    p = partnership
    case = advance_case(p, "final_agreed", aware_date=date(2026, 2, 2))
    review = LocalReview.objects.get(case=case)
    services_local.local_review_update(
        review=review,
        by=p.bu,
        expected_version=review.version,
        final_agreed_date=add_months(review.decision_date, 6),
    )

    (row,) = selectors.yearly_summary(p.bu)
    assert row.completed_within_6_months == 1


def test_the_yearly_summary_counts_only_visible_cases(partnership):
    p = partnership
    advance_case(p, aware_date=date(2026, 1, 5), involved=[])
    assert selectors.yearly_summary(p.outsider) == []
    assert selectors.yearly_summary(p.agency_leads["trust"])[0].concerns == 1


# --------------------------------------------------------------------------- case page


def test_the_case_page_and_returns_summary(partnership):
    p = partnership
    case = advance_case(p, "returns_requested", return_agencies=["police", "school"])
    ret = AgencyReturn.objects.get(rapid_review__case=case, agency=p.police)
    services.agency_return_save(
        ret=ret,
        by=p.agency_leads["police"],
        expected_version=ret.version,
        submit=True,
        involvement="Call-out.",
        key_practice_episodes="Risk graded.",
    )

    page_case, signoffs = selectors.case_page(case)
    assert page_case == case
    assert signoffs == []
    assert selectors.returns_summary(page_case.rapid_review) == {"total": 2, "submitted": 1}


# --------------------------------------------------------------------------- home page


MON_1_MAR_2027 = date(2027, 3, 1)


def horizon(on: date) -> date:
    return get_calendar().add_working_days(on, 10)


def titles(items) -> list[str]:
    return [item.title for item in items]


def test_the_notifier_is_asked_to_decide_whether_to_notify(partnership):
    p = partnership
    case = advance_case(p, aware_date=MON_1_MAR_2027)
    section = selectors.home_section(p.notifier, MON_1_MAR_2027, horizon(MON_1_MAR_2027))

    url = reverse("reviews:case", args=[case.reference])
    (task,) = section.tasks
    assert task.title == f"Decide whether to notify {case.reference}"
    assert (task.url, task.due, task.meta) == (url, date(2027, 3, 8), "Child A")
    # Due Mon 8 Mar 2027; a concern raised today starts on track (due soon is 2 working days).
    (deadline,) = section.deadlines
    assert deadline.title == f"Notification to the Panel: {case.reference}"
    assert (deadline.due, deadline.rag) == (date(2027, 3, 8), "on_track")

    thu_4_mar = date(2027, 3, 4)  # two working days left: Fri 5, Mon 8
    (deadline,) = selectors.home_section(p.notifier, thu_4_mar, horizon(thu_4_mar)).deadlines
    assert (deadline.due, deadline.rag) == (date(2027, 3, 8), "due_soon")


def test_an_agency_lead_without_the_duty_is_not_asked_to_decide(partnership):
    p = partnership
    advance_case(p, aware_date=MON_1_MAR_2027)
    section = selectors.home_section(
        p.agency_leads["council"], MON_1_MAR_2027, horizon(MON_1_MAR_2027)
    )
    assert section.tasks == []
    assert section.deadlines == []


def test_agency_leads_are_asked_to_complete_their_returns(partnership):
    p = partnership
    case = advance_case(
        p, "returns_requested", aware_date=MON_1_MAR_2027, return_agencies=["trust", "school"]
    )
    due = AgencyReturn.objects.get(rapid_review__case=case, agency=p.trust).due_date
    on = due - timedelta(days=2)
    section = selectors.home_section(p.agency_leads["trust"], on, horizon(on))

    assert titles(section.tasks) == [
        f"Complete Northvale Hospitals NHS Foundation Trust's rapid review return for "
        f"{case.reference}"
    ]
    assert section.tasks[0].url == reverse("reviews:return", args=[case.reference, p.trust.pk])
    assert section.tasks[0].due == due
    (deadline,) = section.deadlines
    assert deadline.title == f"Rapid review return: {case.reference}"
    assert (deadline.due, deadline.rag) == (due, "due_soon")

    late = selectors.home_section(
        p.agency_leads["trust"], due + timedelta(days=1), horizon(due + timedelta(days=1))
    )
    assert late.deadlines[0].rag == "overdue"
    assert titles(selectors.home_section(p.agency_leads["police"], on, horizon(on)).tasks) == []


def test_a_submitted_return_leaves_the_agency_leads_list(partnership):
    p = partnership
    case = advance_case(p, "returns_submitted", aware_date=MON_1_MAR_2027)
    on = MON_1_MAR_2027 + timedelta(days=3)
    section = selectors.home_section(p.agency_leads["trust"], on, horizon(on))
    assert section.tasks == []
    assert section.deadlines == []
    assert case.stage == CaseStage.RAPID_REVIEW


def test_partner_leads_are_asked_to_sign_off_until_they_have(partnership):
    p = partnership
    case = advance_case(p, "recommended", aware_date=MON_1_MAR_2027)
    on = MON_1_MAR_2027 + timedelta(days=14)
    wanted = f"Sign off the rapid review for {case.reference}"
    for key in p.partner_keys:
        section = selectors.home_section(p.partner_leads[key], on, horizon(on))
        assert titles(section.tasks) == [wanted]
        assert section.tasks[0].url == reverse("reviews:rapid-review", args=[case.reference])

    services.partner_sign_off(
        case=case, by=p.partner_leads["icb"], stage="rapid_review", agency=p.icb
    )
    assert selectors.home_section(p.partner_leads["icb"], on, horizon(on)).tasks == []
    assert titles(selectors.home_section(p.partner_leads["police"], on, horizon(on)).tasks) == [
        wanted
    ]
    assert selectors.home_section(p.agency_leads["police"], on, horizon(on)).tasks == []


def test_the_business_unit_sees_deadlines_within_the_horizon_only(partnership):
    p = partnership
    soon = advance_case(p, aware_date=MON_1_MAR_2027)  # due Mon 8 Mar 2027
    later = advance_case(
        p, "notified", aware_date=MON_1_MAR_2027, sent_date=MON_1_MAR_2027, pseudonym="Child B"
    )  # due Mon 22 Mar 2027
    # The horizon is 10 working days: Mon 15 Mar 2027.
    section = selectors.home_section(p.bu, MON_1_MAR_2027, horizon(MON_1_MAR_2027))

    assert titles(section.deadlines) == [f"Notification to the Panel: {soon.reference}"]
    wider = selectors.home_section(p.bu, MON_1_MAR_2027, date(2027, 3, 22))
    assert sorted(titles(wider.deadlines)) == [
        f"Notification to the Panel: {soon.reference}",
        f"Rapid review to the Panel: {later.reference}",
    ]


def test_someone_with_no_cases_has_an_empty_home_section(partnership):
    advance_case(partnership, aware_date=MON_1_MAR_2027, involved=[])
    section = selectors.home_section(partnership.outsider, MON_1_MAR_2027, horizon(MON_1_MAR_2027))
    assert section.tasks == section.deadlines == section.overdue == []
