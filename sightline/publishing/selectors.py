"""Reads of publication plans for the list, the plan page and the signed-in home."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from sightline.accounts.access import principal_for
from sightline.accounts.models import Agency, Role, User
from sightline.core.clocks import get_calendar
from sightline.core.history import latest_history
from sightline.core.registry import HomeItem, HomeSection
from sightline.publishing import access, guard
from sightline.publishing.history import plan_scope
from sightline.publishing.models import LibraryItem, PublicationApproval, PublicationPlan
from sightline.publishing.services import ACTIVE_STATUSES
from sightline.publishing.services_publish import REMOVAL_REVIEW_WORKING_DAYS
from sightline.publishing.workflow import (
    EARLY_REMOVAL_KINDS,
    PUBLICATION_WORKFLOW,
    approval_is_valid,
    checklist_missing,
    earliest_publication_date,
    guard_is_current,
    needs_advance_copies,
)

S = PublicationPlan.Status


@dataclass(frozen=True)
class PlanFilters:
    status: str = ""
    kind: str = ""


SHOWN_STATUSES = (S.SCHEDULED, S.PUBLISHED, S.REMOVED)


def shown_content(plan: PublicationPlan, user, terms=None) -> dict:
    """What this user may read of a plan's content. The business unit sees it as written.
    Partner leads and the scrutineer, who never see identities, see it with anything the guard
    would find hidden, and the file only once the guard has cleared the current version."""
    if access.can_manage_plans(user):
        return {
            "title": plan.title,
            "summary": plan.summary,
            "body": plan.body,
            "file": bool(plan.document_id),
            "redacted": False,
        }
    terms = guard.plan_terms(plan) if terms is None else terms
    clear = plan.status in SHOWN_STATUSES or _guard_view(plan)["state"] == "clear"
    shown = {
        "title": guard.redact(plan.title, terms),
        "summary": guard.redact(plan.summary, terms),
        "body": guard.redact(plan.body, terms),
        "file": bool(plan.document_id) and clear,
    }
    shown["redacted"] = any(guard.MASK in shown[k] for k in ("title", "summary", "body"))
    return shown


def list_rows(plans, user) -> list[tuple[PublicationPlan, str]]:
    """(plan, title to show) for a page of the list, without a query per row."""
    if access.can_manage_plans(user):
        return [(plan, plan.title) for plan in plans]
    rows = []
    for plan in plans:
        case = guard.source_case(plan)
        subject = getattr(case, "subject", None) if case is not None else None
        terms = [*guard.identity_terms(subject), *guard.GENERIC_TERMS]
        rows.append((plan, guard.redact(plan.title, terms)))
    return rows


def plan_list(user, filters: PlanFilters) -> QuerySet[PublicationPlan]:
    """Plans the user may see, newest first, with what the list shows (constant queries)."""
    qs = access.plans_visible_to(user)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    return (
        qs.select_related("case__subject", "briefing__source_case__subject")
        .annotate(
            approval_count=Count(
                "approvals", filter=Q(approvals__withdrawn_at__isnull=True), distinct=True
            )
        )
        .order_by("-created_at", "-id")
    )


def status_counts(user) -> dict[str, int]:
    rows = access.plans_visible_to(user).order_by().values("status").annotate(n=Count("id"))
    counts = {s.value: 0 for s in S}
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


def briefings_ready_for_library() -> list:
    """Published briefings marked for the public library that have no plan in progress."""
    from sightline.learning.models import Briefing

    busy = PublicationPlan.objects.filter(
        briefing__isnull=False, status__in=ACTIVE_STATUSES, archived_at__isnull=True
    ).values("briefing_id")
    return list(
        Briefing.objects.filter(
            status=Briefing.Status.PUBLISHED, is_public=True, archived_at__isnull=True
        )
        .exclude(pk__in=busy)
        .order_by("-published_at", "-id")[:50]
    )


def cases_ready_for_publication() -> QuerySet:
    from sightline.reviews.models import Case, CaseStage, LocalReview

    return Case.objects.filter(archived_at__isnull=True).filter(
        Q(stage=CaseStage.READY_FOR_PUBLICATION)
        | Q(local_review__status=LocalReview.Status.READY_FOR_PUBLICATION)
    )


def cases_for_summary() -> QuerySet:
    from sightline.reviews.models import Case

    return Case.objects.filter(archived_at__isnull=True)


def removal_approvers(exclude: User | None = None) -> QuerySet[User]:
    """Who can approve removing an item early: partner leads and the business unit."""
    qs = User.objects.filter(
        is_active=True,
        memberships__active=True,
        memberships__archived_at__isnull=True,
        memberships__role__in=[Role.PARTNER_LEAD, Role.BUSINESS_UNIT],
    ).distinct()
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs.order_by("full_name")


def _guard_view(plan: PublicationPlan) -> dict:
    current = guard_is_current(plan)
    findings = [guard.Finding.from_dict(f) for f in (plan.guard_findings or [])]
    if not plan.guard_checked_at:
        state = "not_run"
    elif not current:
        state = "stale"
    elif findings:
        state = "blocked"
    else:
        state = "clear"
    return {"state": state, "findings": findings, "checked_at": plan.guard_checked_at}


def plan_detail(plan: PublicationPlan, user) -> dict:
    """Everything the plan page shows, for this user."""
    current = guard.fingerprint(plan)
    approvals = list(
        PublicationApproval.objects.filter(plan=plan)
        .select_related("approver", "agency")
        .order_by("approved_at")
    )
    rows = [(a, approval_is_valid(a, current)) for a in approvals]
    valid = [a for a, ok in rows if ok]
    my_agencies = access.approver_agency_ids(user)
    approved_agencies = {a.agency_id for a in valid}
    approved_people = {a.approver_id for a in valid}
    can_approve = (
        plan.status == S.AWAITING_APPROVAL
        and bool(my_agencies - approved_agencies)
        and user.pk not in approved_people
        and _guard_view(plan)["state"] == "clear"
    )
    transitions = [
        t for t in PUBLICATION_WORKFLOW.available(plan, user) if t.name not in ("publish", "remove")
    ]
    library_item = LibraryItem.objects.filter(plan=plan).first()
    improvements = (
        PublicationPlan.objects.filter(
            case=plan.case,
            version_kind=PublicationPlan.Version.IMPROVEMENTS,
            created_at__gte=plan.created_at,
        ).exclude(pk=plan.pk)
        if plan.case_id and plan.status == S.WITHHELD
        else PublicationPlan.objects.none()
    )
    manage = access.can_manage_plans(user)
    today = timezone.localdate()
    return {
        "shown": shown_content(plan, user),
        "fingerprint": current,
        "guard": _guard_view(plan),
        "approvals": rows,
        "valid_approval_count": len({a.agency_id for a in valid}),
        "can_approve": can_approve,
        "approve_agencies": Agency.objects.filter(pk__in=my_agencies - approved_agencies),
        "i_approved": user.pk in approved_people,
        "transitions": transitions,
        "can_manage": manage,
        "can_edit": manage and plan.status in (S.PREPARING, S.AWAITING_APPROVAL),
        "can_remove": manage and plan.status == S.PUBLISHED,
        "can_record_nspcc": manage and plan.status in (S.PUBLISHED, S.REMOVED),
        "can_prepare_improvements": manage
        and plan.status == S.WITHHELD
        and plan.kind == PublicationPlan.Kind.REVIEW
        and plan.version_kind != PublicationPlan.Version.IMPROVEMENTS,
        "needs_advance_copies": needs_advance_copies(plan),
        "earliest_publication": earliest_publication_date(plan),
        "checklist_missing": checklist_missing(plan),
        "early_removal_only": bool(plan.min_end_date and today < plan.min_end_date),
        "early_removal_kinds": EARLY_REMOVAL_KINDS,
        "library_item": library_item,
        "improvements": list(improvements),
        "source_case": guard.source_case(plan),
        "themes": list(plan.themes.all()),
        "history": latest_history(plan_scope(plan), sees_identities=False),
    }


def plans_awaiting(user) -> list[PublicationPlan]:
    """Plans awaiting approval that this user could still approve."""
    agencies = access.approver_agency_ids(user)
    if not agencies:
        return []
    result = []
    plans = PublicationPlan.objects.filter(status=S.AWAITING_APPROVAL, archived_at__isnull=True)
    for plan in plans.order_by("updated_at")[:50]:
        current = guard.fingerprint(plan)
        given = PublicationApproval.objects.filter(
            plan=plan, withdrawn_at__isnull=True, fingerprint=current
        )
        if given.filter(approver_id=user.pk).exists():
            continue
        if set(agencies) - set(given.values_list("agency_id", flat=True)):
            result.append(plan)
    return result


def removal_reviews_due(today: date) -> list[PublicationPlan]:
    horizon = get_calendar().add_working_days(today, REMOVAL_REVIEW_WORKING_DAYS)
    return list(
        PublicationPlan.objects.filter(
            status=S.PUBLISHED,
            min_end_date__lte=horizon,
            removal_planned_for__isnull=True,
            archived_at__isnull=True,
        ).order_by("min_end_date")[:50]
    )


def home_section(user, today: date, horizon: date) -> HomeSection:
    """Approvers: plans awaiting their approval. Business unit: removal reviews due, and
    publications and removals coming up."""
    section = HomeSection()
    if not access.can_see_plans(user):
        return section
    for plan in plans_awaiting(user):
        section.tasks.append(
            HomeItem(
                title=f"Approve publication {plan.reference}",
                url=reverse("publishing:detail", args=[plan.reference]),
                meta=plan.title,
            )
        )
    if not principal_for(user).is_business_unit:
        return section
    for plan in removal_reviews_due(today):
        section.tasks.append(
            HomeItem(
                title=f"Review whether to keep {plan.reference} public",
                url=reverse("publishing:detail", args=[plan.reference]),
                due=plan.min_end_date,
                meta=f"{plan.title} — public until at least {plan.min_end_date.day} "
                f"{plan.min_end_date:%B %Y}",
                rag="overdue" if plan.min_end_date < today else "due_soon",
            )
        )
    scheduled = PublicationPlan.objects.filter(
        status=S.SCHEDULED, archived_at__isnull=True, scheduled_for__isnull=False
    ).order_by("scheduled_for")[:20]
    for plan in scheduled:
        day = timezone.localdate(plan.scheduled_for)
        if day <= horizon:
            section.deadlines.append(
                HomeItem(
                    title=f"Publication of {plan.reference}",
                    url=reverse("publishing:detail", args=[plan.reference]),
                    due=day,
                    meta=plan.title,
                    rag="due_soon",
                )
            )
    return section
