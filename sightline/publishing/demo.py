"""Demo publications for the local demo: items published, scheduled, not published and
removed, made through the services so that the demo library and the publishing pages look
real. Called by the demo loader after the demo partnership exists (`seed_base`)."""

from __future__ import annotations

import logging
from calendar import monthrange
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from sightline.accounts.models import User
from sightline.core.clocks import LONDON, get_calendar, today
from sightline.core.exports import render_pdf
from sightline.publishing import services, services_publish
from sightline.publishing.models import PublicationPlan

logger = logging.getLogger(__name__)
P = PublicationPlan
BU_EMAIL = "business.unit@northvale.example"
APPROVER_EMAILS = ("la.partner@northvale.example", "icb.partner@northvale.example")
REMOVAL_APPROVER_EMAIL = "police.partner@northvale.example"

# title, kind, version, summary, sections, state, months ago published
DEMO = [
    (
        "Child K: local child safeguarding practice review",
        P.Kind.REVIEW,
        P.Version.FULL_REPORT,
        "How agencies responded to neglect and missed health appointments for a pre-school "
        "child, and what has changed since.",
        [
            ("Why this review was held", "A pre-school child was admitted to hospital "
             "severely underweight. Five agencies had contact with the family in the year "
             "before."),
            ("What we found", "Missed health appointments were not followed up. Concerns "
             "about home conditions were recorded by several agencies but never brought "
             "together. The child's voice was rarely recorded."),
            ("What has changed", "A 'was not brought' policy now covers every children's "
             "health service. Early help teams use the graded care profile for neglect."),
        ],
        "published",
        3,
    ),
    (
        "Learning from practice: safer sleep for babies",
        P.Kind.OTHER,
        P.Version.SUMMARY,
        "A summary of what two rapid reviews taught the partnership about safer sleep advice, "
        "especially for fathers and male carers.",
        [
            ("What happened", "Two babies died in unsafe sleeping situations when their "
             "families were under stress."),
            ("What we learned", "Safer sleep advice was given to mothers only, and rarely "
             "repeated when circumstances changed."),
            ("What practitioners should do", "Give safer sleep advice to every parent and "
             "carer at every contact, and check the sleeping arrangements you can see."),
        ],
        "published",
        1,
    ),
    (
        "Yearly report 2025 to 2026",
        P.Kind.YEARLY_REPORT,
        P.Version.FULL_REPORT,
        "What the safeguarding partners did this year, what difference it made for children "
        "and what the independent scrutineer found.",
        [
            ("Our priorities", "Early help, neglect, child sexual abuse and child "
             "exploitation."),
            ("What difference it made", "Referrals to early help rose and more families "
             "were supported before problems escalated."),
        ],
        "scheduled",
        0,
    ),
    (
        "Child M: local child safeguarding practice review",
        P.Kind.REVIEW,
        P.Version.FULL_REPORT,
        "The partners decided not to publish the full report; information about the "
        "improvements made is published instead.",
        [],
        "withheld",
        0,
    ),
    (
        "Child H: serious case review",
        P.Kind.REVIEW,
        P.Version.FULL_REPORT,
        "How agencies worked together before a teenager was seriously harmed through "
        "criminal exploitation.",
        [
            ("What we found", "Going missing from home was treated as a behaviour problem, "
             "not as a sign of exploitation."),
            ("What has changed", "Every return home interview is shared with the "
             "exploitation panel."),
        ],
        "removed",
        14,
    ),
]  # fmt: skip


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


def _ready_case():
    """A demo case ready for publication that has no plan yet, if the demo has one."""
    from sightline.reviews.models import Case, CaseStage, LocalReview

    return (
        Case.objects.filter(archived_at__isnull=True)
        .filter(
            Q(stage=CaseStage.READY_FOR_PUBLICATION)
            | Q(local_review__status=LocalReview.Status.READY_FOR_PUBLICATION)
        )
        .filter(publications__isnull=True)
        .first()
    )


def _prepare(bu, title, kind, version, summary, sections, with_file=True):
    cal = get_calendar()
    day = today()
    case = _ready_case() if kind == P.Kind.REVIEW else None
    plan = services.plan_create(
        by=bu,
        kind=kind,
        case=case,
        title=title,
        summary=summary,
        version_kind=version,
        body="\n\n".join(f"{h}\n\n{t}" for h, t in sections),
        review_type="LCSPR" if kind == P.Kind.REVIEW else "",
    )
    sent = cal.subtract_working_days(day, 10)
    plan = services.plan_update(
        plan=plan,
        by=bu,
        expected_version=plan.version,
        anonymisation_checked=True,
        legal_check_done=True,
        family_informed_date=cal.subtract_working_days(day, 20),
        practitioners_briefed_date=cal.subtract_working_days(day, 15),
        communications_plan="Briefing for partner agencies on the day; press statement agreed "
        "with the three partners' communications teams.",
        advance_copy_panel_date=sent,
        advance_copy_sos_date=sent,
    )
    if with_file and sections:
        services.plan_attach_document(
            plan=plan,
            by=bu,
            uploaded_file=_pdf(title, plan.get_kind_display(), sections),
            expected_version=plan.version,
        )
    return P.objects.get(pk=plan.pk)


def _approve_and_schedule(bu, approvers, plan) -> PublicationPlan:
    services.plan_transition(plan=plan, by=bu, name="submit", expected_version=plan.version)
    for approver in approvers:
        services.plan_approve(plan=P.objects.get(pk=plan.pk), by=approver)
    plan = P.objects.get(pk=plan.pk)
    day = get_calendar().add_working_days(today(), 5)
    when = datetime.combine(day, time(9, 30), tzinfo=LONDON)
    services.plan_transition(
        plan=plan, by=bu, name="schedule", expected_version=plan.version, scheduled_for=when
    )
    return P.objects.get(pk=plan.pk)


def _months_ago(months: int) -> date:
    return add_months_back(today(), months)


def add_months_back(day: date, months: int) -> date:
    """The same day of the month `months` earlier (or that month's last day)."""
    index = day.year * 12 + day.month - 1 - months
    year, month0 = divmod(index, 12)
    last = monthrange(year, month0 + 1)[1]
    return day.replace(year=year, month=month0 + 1, day=min(day.day, last))


def _seed_one(bu, approvers, removal_approver, row, now) -> None:
    title, kind, version, summary, sections, state, months = row
    plan = _prepare(bu, title, kind, version, summary, sections)
    if state == "withheld":
        services.plan_withhold(
            plan=plan,
            by=bu,
            expected_version=plan.version,
            reasons="Publishing the full report would risk identifying a surviving sibling. "
            "Information about the improvements made is published instead.",
            decision_makers="The three delegated safeguarding partners, on the advice of the "
            "independent reviewer",
            decided_on=get_calendar().subtract_working_days(today(), 12),
        )
        return
    plan = _approve_and_schedule(bu, approvers, plan)
    if state == "scheduled":
        return
    published_at = datetime.combine(_months_ago(months), time(10, 0), tzinfo=LONDON)
    services_publish.plan_publish(plan=plan, now=min(published_at, now))
    if state != "removed":
        return
    plan = P.objects.get(pk=plan.pk)
    services_publish.plan_record_nspcc(
        plan=plan, by=bu, expected_version=plan.version, submitted_on=_months_ago(months - 1)
    )
    plan = P.objects.get(pk=plan.pk)
    services_publish.plan_remove(
        plan=plan,
        by=bu,
        expected_version=plan.version,
        removal_kind=P.RemovalKind.PERIOD_ENDED,
        removal_reason="The minimum public period ended and the partners agreed to remove it; "
        "it stays in the NSPCC repository.",
        removal_approved_by=removal_approver,
        now=now - timedelta(days=30),
    )


def seed_demo_publications() -> bool:
    """Create the demo publications once: two published, one scheduled, one not published and
    one removed (with its catalogue entry). Returns False when they are already there, or when
    the demo partnership has not been loaded yet."""
    if P.objects.filter(title__in=[row[0] for row in DEMO]).exists():
        return False
    bu = User.objects.filter(email=BU_EMAIL).first()
    approvers = list(User.objects.filter(email__in=APPROVER_EMAILS).order_by("email"))
    removal_approver = User.objects.filter(email=REMOVAL_APPROVER_EMAIL).first()
    if bu is None or len(approvers) < 2:
        return False
    now = timezone.now()
    for row in DEMO:
        try:
            with transaction.atomic():
                _seed_one(bu, approvers, removal_approver, row, now)
        except ValidationError:
            # A demo case whose restricted record matches the demo text: leave that item out.
            logger.warning("Demo publication %r left out: the guard or a check refused it", row[0])
    return True
