"""Reads for the case reviews dashboard, case pages, the yearly summary and the home page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Prefetch, Q, QuerySet
from django.urls import reverse

from sightline.accounts.access import principal_for
from sightline.accounts.models import Role
from sightline.core.calendar import ClockStatus
from sightline.core.clocks import ClockBook
from sightline.core.models import Theme
from sightline.core.registry import HomeItem, HomeSection
from sightline.reviews import access
from sightline.reviews.models import (
    AgencyReturn,
    Case,
    CaseStage,
    IncidentNotification,
    LocalReview,
    PartnerSignOff,
    RapidReview,
)
from sightline.reviews.signoffs import signoff_state

OPEN_STAGES = (
    CaseStage.CONCERN,
    CaseStage.RAPID_REVIEW,
    CaseStage.DECISION,
    CaseStage.LOCAL_REVIEW,
    CaseStage.NATIONAL_REVIEW,
    CaseStage.ALTERNATIVE_LEARNING,
    CaseStage.READY_FOR_PUBLICATION,
)

CLOCK_LABELS = {
    "sin-notification": "Notification to the Panel",
    "rapid-review": "Rapid review to the Panel",
    "lcspr": "Local review completed and published",
}


@dataclass(frozen=True)
class CaseClock:
    code: str
    label: str
    start: date
    status: ClockStatus


def case_clock(case: Case, book: ClockBook, today: date) -> CaseClock | None:
    """The statutory clock that runs now for this case, if any (needs the stage records
    select_related)."""
    notification = getattr(case, "notification", None)
    if case.stage == CaseStage.CONCERN and notification is not None:
        code, start = "sin-notification", case.aware_date
    elif case.stage == CaseStage.RAPID_REVIEW and _has(case, "rapid_review"):
        rr = case.rapid_review
        if rr.status in (
            RapidReview.Status.SENT_TO_PANEL,
            RapidReview.Status.PANEL_RESPONDED,
            RapidReview.Status.DECIDED,
        ):
            return None
        code, start = "rapid-review", rr.start_date
    elif case.stage in (CaseStage.LOCAL_REVIEW, CaseStage.READY_FOR_PUBLICATION) and _has(
        case, "local_review"
    ):
        # "Completed and published within 6 months": the clock runs until the case moves on
        # from ready-for-publication.
        code, start = "lcspr", case.local_review.decision_date
    else:
        return None
    return CaseClock(code, CLOCK_LABELS[code], start, book.status(code, start, today))


def _has(case: Case, name: str) -> bool:
    try:
        return getattr(case, name) is not None
    except (RapidReview.DoesNotExist, LocalReview.DoesNotExist, IncidentNotification.DoesNotExist):
        return False


def _with_stages(qs: QuerySet[Case]) -> QuerySet[Case]:
    return qs.select_related(
        "notification", "rapid_review", "local_review", "lead_agency", "case_officer"
    ).prefetch_related(
        Prefetch("themes", queryset=Theme.objects.only("id", "name")),
        "involved_agencies",
    )


@dataclass(frozen=True)
class CaseFilters:
    stage: str = ""  # a stage, or "open" (default) or "all"
    year: int | None = None
    theme: int | None = None
    agency: int | None = None


def dashboard_cases(user, filters: CaseFilters) -> QuerySet[Case]:
    qs = access.cases_visible_to(user)
    if filters.stage == "all":
        pass
    elif filters.stage in ("", "open"):
        qs = qs.filter(stage__in=OPEN_STAGES)
    else:
        qs = qs.filter(stage=filters.stage)
    if filters.year:
        qs = qs.filter(aware_date__year=filters.year)
    if filters.theme:
        qs = qs.filter(themes__id=filters.theme)
    if filters.agency:
        qs = qs.filter(involved_agencies__id=filters.agency)
    return _with_stages(qs).order_by("aware_date", "id").distinct()


def dashboard_rows(cases, today: date) -> list[tuple[Case, CaseClock | None]]:
    book = ClockBook()
    rows = [(case, case_clock(case, book, today)) for case in cases]
    far = date.max
    rows.sort(key=lambda r: (r[1].status.due if r[1] else far, r[0].reference))
    return rows


def case_years(user) -> list[int]:
    return sorted(
        {d.year for d in access.cases_visible_to(user).values_list("aware_date", flat=True)},
        reverse=True,
    )


@dataclass
class YearSummary:
    year: int
    concerns: int = 0
    notifications: int = 0
    not_notified: int = 0
    rapid_reviews: int = 0
    decided_local: int = 0
    decided_national: int = 0
    decided_alternative: int = 0
    local_reviews_started: int = 0
    local_reviews_completed: int = 0
    completed_within_6_months: int = 0


def yearly_summary(user) -> list[YearSummary]:
    """Counts per year of awareness, for the partnership's yearly report. One query per table."""
    cases = _with_stages(access.cases_visible_to(user)).order_by()
    book = ClockBook()
    years: dict[int, YearSummary] = {}
    for case in cases:
        row = years.setdefault(case.aware_date.year, YearSummary(case.aware_date.year))
        row.concerns += 1
        n = getattr(case, "notification", None)
        if n is not None and n.status == IncidentNotification.Status.NOTIFIED:
            row.notifications += 1
        elif n is not None and n.status == IncidentNotification.Status.NOT_NOTIFIED:
            row.not_notified += 1
        if _has(case, "rapid_review"):
            rr = case.rapid_review
            row.rapid_reviews += 1
            row.decided_local += rr.decision == RapidReview.Decision.LCSPR
            row.decided_national += rr.decision == RapidReview.Decision.NATIONAL
            row.decided_alternative += rr.decision == RapidReview.Decision.ALTERNATIVE
        if _has(case, "local_review"):
            lr = case.local_review
            row.local_reviews_started += 1
            if lr.final_agreed_date:
                row.local_reviews_completed += 1
                if lr.final_agreed_date <= book.due("lcspr", lr.decision_date):
                    row.completed_within_6_months += 1
    return [years[y] for y in sorted(years, reverse=True)]


SUMMARY_COLUMNS = [
    ("year", "Year"),
    ("concerns", "Concerns raised"),
    ("notifications", "Notified to the Panel"),
    ("not_notified", "Not notified"),
    ("rapid_reviews", "Rapid reviews"),
    ("decided_local", "Decided: local review"),
    ("decided_national", "Decided: national review"),
    ("decided_alternative", "Decided: alternative learning"),
    ("local_reviews_started", "Local reviews started"),
    ("local_reviews_completed", "Local reviews completed"),
    ("completed_within_6_months", "Completed within 6 months"),
]


def case_page(case: Case):
    """Everything the case page shows, in a fixed number of queries."""
    case = _with_stages(Case.objects.filter(pk=case.pk)).get()
    signoffs = list(PartnerSignOff.objects.filter(case=case).select_related("agency", "signed_by"))
    return case, signoffs


def returns_summary(rr: RapidReview) -> dict[str, int]:
    return rr.returns.aggregate(
        total=Count("id"), submitted=Count("id", filter=Q(status=AgencyReturn.Status.SUBMITTED))
    )


def _still_to_sign(case: Case, agencies) -> bool:
    """Whether one of `agencies` has no current sign-off of the case's rapid review."""
    signed = {s.agency_id for s in signoff_state(case, PartnerSignOff.Stage.RAPID_REVIEW).current}
    return bool(set(agencies) - signed)


def home_section(user, today: date, horizon: date) -> HomeSection:
    """Case work for the signed-in home: decisions, returns, sign-offs, and clocks."""
    section = HomeSection()
    p = principal_for(user)
    visible = access.cases_visible_to(user).filter(stage__in=OPEN_STAGES)
    cases = list(_with_stages(visible).order_by("aware_date")[:200])
    if not cases:
        return section
    book = ClockBook()
    partner_agencies = access.partner_agency_ids(user)
    for case in cases:
        url = reverse("reviews:case", args=[case.reference])
        clock = case_clock(case, book, today)
        involved = p.is_business_unit or (case.case_officer_id == p.user_id)
        if case.stage == CaseStage.CONCERN and access.is_notifier(user, case):
            section.tasks.append(
                HomeItem(
                    f"Decide whether to notify {case.reference}",
                    url,
                    clock.status.due if clock else None,
                    case.pseudonym,
                )
            )
            involved = True
        if (
            partner_agencies
            and _has(case, "rapid_review")
            and case.rapid_review.status == RapidReview.Status.RECOMMENDATION_MADE
            and case.rapid_review.pack_shared_at is not None
            and _still_to_sign(case, partner_agencies)
        ):
            section.tasks.append(
                HomeItem(
                    f"Sign off the rapid review for {case.reference}",
                    reverse("reviews:rapid-review", args=[case.reference]),
                )
            )
        if clock and involved and clock.status.due <= horizon:
            item = HomeItem(
                f"{clock.label}: {case.reference}",
                url,
                clock.status.due,
                case.pseudonym,
                clock.status.rag,
            )
            section.deadlines.append(item)
    lead_agencies = p.agencies_with_role(Role.AGENCY_LEAD)
    if lead_agencies:
        for ret in (
            access.agency_returns_visible_to(user)
            .filter(
                agency_id__in=lead_agencies,
                status=AgencyReturn.Status.REQUESTED,
            )
            .select_related("rapid_review__case", "agency")
        ):
            case = ret.rapid_review.case
            url = reverse("reviews:return", args=[case.reference, ret.agency_id])
            section.tasks.append(
                HomeItem(
                    f"Complete {ret.agency}'s rapid review return for {case.reference}",
                    url,
                    ret.due_date,
                )
            )
            if ret.due_date <= horizon:
                rag = "overdue" if ret.due_date < today else "due_soon"
                section.deadlines.append(
                    HomeItem(
                        f"Rapid review return: {case.reference}",
                        url,
                        ret.due_date,
                        str(ret.agency),
                        rag,
                    )
                )
    return section
