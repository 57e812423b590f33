"""Demo publications for the local demo, made through the services so that the demo library
and the publishing pages tell one story with the demo cases (sightline/reviews/demo.py):

- Child H, the demo case that is ready for publication, has its local review report approved
  and scheduled: the plan is about Child H (the scenario in sightline/reviews/scenario.py: a
  baby of 11 weeks with a fractured femur and bruising, after a domestic abuse incident), its
  advance copies went on the day the final report was agreed and publication is on the first
  day the advance-copy rule allows;
- reviews finished before the demo's cases (Child K, Child M, Child P) have no case record in
  the demo, and their pseudonyms are not used by any demo case: Child K is published (and the
  family's request to take it down waits for the police partner lead's confirmation), Child M
  was not published and information about its improvements is being prepared instead, and
  Child P was removed once its minimum public period had ended;
- a thematic summary is published and the yearly report for the last full year is scheduled.

Every date obeys the rules the services enforce, worked out with the working-day calendar and
the same rules (`earliest_publication_date`, the minimum public period): the advance copies go
at least SIGHTLINE_ADVANCE_COPY_WORKING_DAYS working days before publication, nothing is
approved or scheduled after it is published, and a removal after the end of the minimum
period is on or after that end. sightline/publishing/tests/test_plans_demo.py checks each plan
against those rules. Called by the demo loader after the demo partnership exists.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from sightline.accounts.models import User
from sightline.core.calendar import subtract_months
from sightline.core.clocks import LONDON, get_calendar, today
from sightline.core.exports import render_pdf
from sightline.publishing import services, services_publish, services_removal
from sightline.publishing.models import PublicationPlan
from sightline.publishing.workflow import earliest_publication_date

logger = logging.getLogger(__name__)
P = PublicationPlan
BU_EMAIL = "business.unit@northvale.example"
APPROVER_EMAILS = ("la.partner@northvale.example", "icb.partner@northvale.example")
REMOVAL_APPROVER_EMAIL = "police.partner@northvale.example"
READY_CASE = "Child H"  # the demo case that reaches "ready for publication"
PUBLISHED_AT = time(9, 30)


@dataclass(frozen=True)
class DemoPublication:
    title: str
    kind: str
    version: str
    summary: str
    sections: list[tuple[str, str]]
    state: str  # scheduled, published, removed, withheld
    months_ago: int = 0  # when it was published (or the decision made), in months
    case: str = ""  # the demo case's pseudonym, for a plan made from a demo case
    review_type: str = ""
    removal_requested: str = ""  # a family's request, waiting for the partner lead
    extra: dict = field(default_factory=dict)


def _yearly_report_title(day: date) -> str:
    """The last full April-to-March year before `day`."""
    end = day.year if day.month >= 4 else day.year - 1
    return f"Yearly report {end - 1} to {end}"


def demo_publications(day: date) -> list[DemoPublication]:
    """What the demo publishes, as of `day`."""
    removed_months = settings.SIGHTLINE_MIN_PUBLIC_MONTHS + 2
    return [
        DemoPublication(
            title=f"{READY_CASE}: local child safeguarding practice review",
            kind=P.Kind.REVIEW,
            version=P.Version.FULL_REPORT,
            summary=(
                f"{READY_CASE}, a baby of 11 weeks, was brought to hospital with a fractured "
                "femur and bruising to the face. The review looks at how agencies shared what "
                "they knew after a domestic abuse incident two months earlier, and at bruising "
                "in a baby who could not yet move about."
            ),
            sections=[
                (
                    "Why this review was held",
                    f"{READY_CASE} was seriously injured at home at 11 weeks old. Five agencies "
                    "had contact with the family in the four months before.",
                ),
                (
                    "What we found",
                    "The police notification of domestic abuse did not say that a baby lived "
                    "in the home or that the mother's partner had a history of violence, and "
                    "children's social care closed it after one telephone call. A small bruise "
                    "seen at the 8-week check was not discussed as a safeguarding concern. An "
                    "older half-sibling's worries, told to school staff, did not reach the "
                    "designated safeguarding lead, and a referral for the mother's low mood in "
                    "pregnancy was not followed up.",
                ),
                (
                    "What has changed",
                    "The protocol for bruising in babies who are not yet mobile has been "
                    "re-issued to every GP practice. Domestic abuse notifications now record "
                    "the children in the home and the partner's history. Schools log and pass "
                    "on what children say about home on the same day.",
                ),
            ],
            state="scheduled",
            case=READY_CASE,
            review_type="LCSPR",
        ),
        DemoPublication(
            title="Child K: local child safeguarding practice review",
            kind=P.Kind.REVIEW,
            version=P.Version.FULL_REPORT,
            summary="How agencies responded to neglect and missed health appointments for a "
            "pre-school child, and what has changed since.",
            sections=[
                (
                    "Why this review was held",
                    "A pre-school child was admitted to hospital "
                    "severely underweight. Five agencies had contact with the family in the year "
                    "before.",
                ),
                (
                    "What we found",
                    "Missed health appointments were not followed up. Concerns "
                    "about home conditions were recorded by several agencies but never brought "
                    "together. The child's voice was rarely recorded.",
                ),
                (
                    "What has changed",
                    "A 'was not brought' policy now covers every children's "
                    "health service. Early help teams use the graded care profile for neglect.",
                ),
            ],  # fmt: skip
            state="published",
            months_ago=3,
            review_type="LCSPR",
            removal_requested="The family asked for the report to be taken down while the "
            "child's older brother starts secondary school, where he has been recognised.",
        ),
        DemoPublication(
            title="Learning from practice: safer sleep for babies",
            kind=P.Kind.OTHER,
            version=P.Version.SUMMARY,
            summary="A summary of what two rapid reviews taught the partnership about safer "
            "sleep advice, especially for fathers and male carers.",
            sections=[
                (
                    "What happened",
                    "Two babies died in unsafe sleeping situations when their "
                    "families were under stress.",
                ),
                (
                    "What we learned",
                    "Safer sleep advice was given to mothers only, and rarely "
                    "repeated when circumstances changed.",
                ),
                (
                    "What practitioners should do",
                    "Give safer sleep advice to every parent and "
                    "carer at every contact, and check the sleeping arrangements you can see.",
                ),
            ],  # fmt: skip
            state="published",
            months_ago=1,
        ),
        DemoPublication(
            title=_yearly_report_title(day),
            kind=P.Kind.YEARLY_REPORT,
            version=P.Version.FULL_REPORT,
            summary="What the safeguarding partners did this year, what difference it made for "
            "children and what the independent scrutineer found.",
            sections=[
                (
                    "Our priorities",
                    "Early help, neglect, child sexual abuse and child exploitation.",
                ),
                (
                    "What difference it made",
                    "Referrals to early help rose and more families "
                    "were supported before problems escalated.",
                ),
            ],  # fmt: skip
            state="scheduled",
        ),
        DemoPublication(
            title="Child M: local child safeguarding practice review",
            kind=P.Kind.REVIEW,
            version=P.Version.FULL_REPORT,
            summary="The partners decided not to publish the full report; information about "
            "the improvements made is being prepared instead.",
            sections=[],
            state="withheld",
            review_type="LCSPR",
        ),
        DemoPublication(
            title="Child P: local child safeguarding practice review",
            kind=P.Kind.REVIEW,
            version=P.Version.FULL_REPORT,
            summary="How agencies worked together before a teenager was seriously harmed "
            "through criminal exploitation.",
            sections=[
                (
                    "What we found",
                    "Going missing from home was treated as a behaviour problem, "
                    "not as a sign of exploitation.",
                ),
                (
                    "What has changed",
                    "Every return home interview is shared with the exploitation panel.",
                ),
            ],  # fmt: skip
            state="removed",
            months_ago=removed_months,
            review_type="LCSPR",
        ),
    ]


@dataclass
class _Cast:
    bu: User
    approvers: list[User]
    removal_approver: User | None


def _pdf(title: str, kind: str, sections) -> ContentFile:
    data = render_pdf(
        "publishing/demo_report_pdf.html",
        {
            "title": title,
            "kind": kind,
            "sections": sections,
            "partnership_name": settings.SIGHTLINE_PARTNERSHIP_NAME,
        },
    )
    return ContentFile(data, name="report.pdf")


def _demo_case(pseudonym: str):
    from sightline.reviews.models import Case

    return (
        Case.objects.filter(pseudonym=pseudonym, archived_at__isnull=True)
        .select_related("local_review")
        .first()
    )


def _at(day: date, moment: time = PUBLISHED_AT) -> datetime:
    return datetime.combine(day, moment, tzinfo=LONDON)


def _publication_day(row: DemoPublication, day: date) -> date:
    """A past publication falls on a working day, as the partnership would choose."""
    cal = get_calendar()
    wanted = subtract_months(day, row.months_ago)
    return wanted if cal.is_working_day(wanted) else cal.subtract_working_days(wanted, 1)


def _prepare(cast: _Cast, row: DemoPublication, *, ready: date | None, case=None):
    """Create the plan and fill its checklist with dates before `ready` (the day the report
    was ready to send out: the advance copies go then)."""
    cal = get_calendar()
    plan = services.plan_create(
        by=cast.bu,
        kind=row.kind,
        case=case,
        title=row.title,
        summary=row.summary,
        version_kind=row.version,
        body="\n\n".join(f"{h}\n\n{t}" for h, t in row.sections),
        review_type=row.review_type,
    )
    if ready is None:  # a decision not to publish: nothing was sent out
        return P.objects.get(pk=plan.pk)
    fields = {
        "anonymisation_checked": True,
        "legal_check_done": True,
        "communications_plan": "Briefing for partner agencies on the day; press statement "
        "agreed with the three partners' communications teams.",
    }
    if case is not None:
        fields["family_informed_date"] = cal.subtract_working_days(ready, 3)
        fields["practitioners_briefed_date"] = cal.subtract_working_days(ready, 2)
    if row.kind == P.Kind.REVIEW:
        fields["advance_copy_panel_date"] = ready
        fields["advance_copy_sos_date"] = ready
    plan = services.plan_update(plan=plan, by=cast.bu, expected_version=plan.version, **fields)
    if row.sections:
        services.plan_attach_document(
            plan=plan,
            by=cast.bu,
            uploaded_file=_pdf(row.title, plan.get_kind_display(), row.sections),
            expected_version=plan.version,
        )
    return P.objects.get(pk=plan.pk)


def _approve_and_schedule(cast: _Cast, plan, when: datetime, *, past: bool) -> PublicationPlan:
    """Submitted, approved by two partners and scheduled for `when`. For a publication in the
    past the approvals and the schedule are recorded the working day before."""
    services.plan_transition(plan=plan, by=cast.bu, name="submit", expected_version=plan.version)
    decided = None
    if past:
        day_before = get_calendar().subtract_working_days(timezone.localdate(when, LONDON), 1)
        decided = _at(day_before, time(11, 0))
    for n, approver in enumerate(cast.approvers):
        at = decided + timedelta(hours=n) if decided else None
        services.plan_approve(plan=P.objects.get(pk=plan.pk), by=approver, now=at)
    plan = P.objects.get(pk=plan.pk)
    services.plan_transition(
        plan=plan,
        by=cast.bu,
        name="schedule",
        expected_version=plan.version,
        scheduled_for=when,
        now=decided + timedelta(hours=3) if decided else None,
    )
    return P.objects.get(pk=plan.pk)


def _seed_ready_case(cast: _Cast, row: DemoPublication, day: date) -> None:
    """The demo case ready for publication: advance copies on the day its final report was
    agreed, publication on the first day the advance-copy rule allows (and not before
    tomorrow)."""
    case = _demo_case(row.case)
    review = getattr(case, "local_review", None) if case is not None else None
    if review is None or review.final_agreed_date is None:
        return
    ready = min(review.final_agreed_date, day)
    plan = _prepare(cast, row, ready=ready, case=case)
    cal = get_calendar()
    publish_on = max(earliest_publication_date(plan), cal.add_working_days(day, 1))
    _approve_and_schedule(cast, plan, _at(publish_on), past=False)


def _seed_one(cast: _Cast, row: DemoPublication, day: date, now: datetime) -> None:
    if row.case:
        _seed_ready_case(cast, row, day)
        return
    cal = get_calendar()
    if row.state == "withheld":
        plan = _prepare(cast, row, ready=None)
        services.plan_withhold(
            plan=plan,
            by=cast.bu,
            expected_version=plan.version,
            reasons="Publishing the full report would risk identifying a surviving sibling. "
            "Information about the improvements made is published instead.",
            decision_makers="The three delegated safeguarding partners, on the advice of the "
            "independent reviewer",
            decided_on=cal.subtract_working_days(day, 12),
        )
        instead = services.plan_create_improvements(plan=P.objects.get(pk=plan.pk), by=cast.bu)
        services.plan_update(
            plan=instead,
            by=cast.bu,
            expected_version=instead.version,
            body="What has changed\n\nEvery agency now shares a child's missed appointments "
            "with the lead professional within two working days.",
        )
        return
    if row.state == "scheduled":
        publish_on = cal.add_working_days(day, 5)
        plan = _prepare(cast, row, ready=cal.subtract_working_days(publish_on, 10))
        _approve_and_schedule(cast, plan, _at(publish_on), past=False)
        return
    published_on = _publication_day(row, day)
    advance_copies = cal.subtract_working_days(published_on, 10)
    plan = _prepare(cast, row, ready=advance_copies)
    when = _at(published_on)
    plan = _approve_and_schedule(cast, plan, when, past=True)
    services_publish.plan_publish(plan=plan, now=min(when, now))
    plan = P.objects.get(pk=plan.pk)
    if row.removal_requested and cast.removal_approver is not None:
        services_removal.removal_request_create(
            plan=plan,
            by=cast.bu,
            expected_version=plan.version,
            removal_kind=P.RemovalKind.FAMILY_REQUEST,
            removal_reason=row.removal_requested,
            approver=cast.removal_approver,
        )
    if row.state != "removed":
        return
    services_publish.plan_record_nspcc(
        plan=plan,
        by=cast.bu,
        expected_version=plan.version,
        submitted_on=cal.add_working_days(published_on, 20),
    )
    plan = P.objects.get(pk=plan.pk)
    removed_on = cal.add_working_days(plan.min_end_date, 5)
    if removed_on >= day:  # a shorter local period: it is not due for removal yet
        return
    services_publish.plan_remove(
        plan=plan,
        by=cast.bu,
        expected_version=plan.version,
        removal_kind=P.RemovalKind.PERIOD_ENDED,
        removal_reason="The minimum public period ended and the partners agreed to remove it; "
        "it stays in the NSPCC repository.",
        now=_at(removed_on, time(10, 0)),
    )


def seed_demo_publications() -> bool:
    """Create the demo publications once. Returns False when they are already there, or when
    the demo partnership has not been loaded yet."""
    day = today()
    rows = demo_publications(day)
    if P.objects.filter(title__in=[row.title for row in rows]).exists():
        return False
    bu = User.objects.filter(email=BU_EMAIL).first()
    approvers = list(User.objects.filter(email__in=APPROVER_EMAILS).order_by("email"))
    if bu is None or len(approvers) < 2:
        return False
    cast = _Cast(
        bu=bu,
        approvers=approvers,
        removal_approver=User.objects.filter(email=REMOVAL_APPROVER_EMAIL).first(),
    )
    now = timezone.now()
    for row in rows:
        try:
            with transaction.atomic():
                _seed_one(cast, row, day, now)
        except ValidationError:
            # A demo case whose restricted record matches the demo text: leave that item out.
            logger.warning("Demo publication %r left out: a check refused it", row.title)
    return True
