"""Reads of publication plans for the list, the plan page and the signed-in home."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from sightline.accounts.access import principal_for
from sightline.accounts.models import Agency
from sightline.accounts.people import person_label
from sightline.core.clocks import get_calendar
from sightline.core.history import latest_history
from sightline.core.registry import HomeItem, HomeSection
from sightline.publishing import access, guard
from sightline.publishing.history import plan_scope
from sightline.publishing.models import (
    LibraryItem,
    PublicationApproval,
    PublicationPlan,
    RemovalRequest,
)
from sightline.publishing.services import ACTIVE_STATUSES
from sightline.publishing.services_publish import REMOVAL_REVIEW_WORKING_DAYS
from sightline.publishing.workflow import (
    EARLY_REMOVAL_KINDS,
    OWN_PAGE_TRANSITIONS,
    PUBLICATION_WORKFLOW,
    approval_is_valid,
    approval_refusal,
    checklist_missing,
    earliest_publication_date,
    guard_is_current,
    needs_advance_copies,
    removal_decision_refusal,
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


def file_metadata_view(plan: PublicationPlan) -> dict:
    """What the current file's own properties held before they were removed at upload: each
    property with the kinds of identifier found in it, and those kinds together."""
    rows = [
        {**entry, "held": ", ".join(entry.get("kinds") or []) or "No identifiers found"}
        for entry in (plan.document_metadata or [])
        if not entry.get("unreadable")
    ]
    kinds = list(dict.fromkeys(k for entry in rows for k in entry.get("kinds") or []))
    return {
        "rows": rows,
        "kinds": ", ".join(kinds),
        "unreadable": any(entry.get("unreadable") for entry in plan.document_metadata or []),
        "name": plan.document.original_name if plan.document_id else "",
    }


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
        t for t in PUBLICATION_WORKFLOW.available(plan, user) if t.name not in OWN_PAGE_TRANSITIONS
    ]
    removal = removal_view(plan, user)
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
    terms = None if manage else guard.plan_terms(plan)
    today = timezone.localdate()
    return {
        "shown": shown_content(plan, user, terms),
        "fingerprint": current,
        "guard": _guard_view(plan),
        "file_metadata": file_metadata_view(plan),
        "approvals": rows,
        "valid_approval_count": len({a.agency_id for a in valid}),
        "can_approve": can_approve,
        "approve_agencies": Agency.objects.filter(pk__in=my_agencies - approved_agencies),
        "i_approved": user.pk in approved_people,
        "transitions": transitions,
        "can_manage": manage,
        "can_edit": manage and plan.status in (S.PREPARING, S.AWAITING_APPROVAL),
        "can_remove": manage and plan.status in REMOVABLE and removal["waiting"] is None,
        "can_record_nspcc": manage and plan.status in (S.PUBLISHED, S.OFFLINE, S.REMOVED),
        "can_prepare_improvements": manage
        and plan.status == S.WITHHELD
        and plan.kind == PublicationPlan.Kind.REVIEW
        and plan.version_kind != PublicationPlan.Version.IMPROVEMENTS,
        "needs_advance_copies": needs_advance_copies(plan),
        "earliest_publication": earliest_publication_date(plan),
        "checklist_missing": checklist_missing(plan),
        "early_removal_only": bool(plan.min_end_date and today < plan.min_end_date),
        "approval_refusal": approval_refusal(plan, user)
        if plan.status == S.AWAITING_APPROVAL and my_agencies and not can_approve
        else None,
        "removal": removal,
        "early_removal_kinds": EARLY_REMOVAL_KINDS,
        "library_item": library_item,
        "improvements": list(improvements),
        "source_case": guard.source_case(plan),
        "themes": list(plan.themes.all()),
        "history": latest_history(
            plan_scope(plan), sees_identities=False, redact=history_redactor(terms)
        ),
        "removal_reason_shown": plan.removal_reason
        if terms is None
        else guard.redact(plan.removal_reason, terms),
    }


REMOVABLE = (S.PUBLISHED, S.OFFLINE)


def history_redactor(terms):
    """For readers who never see identities (`terms` given), a plan's history reasons are
    masked by the publication guard, as its content is."""
    if terms is None:
        return None
    return lambda text: guard.redact(text, terms)


def removal_view(plan: PublicationPlan, user) -> dict:
    """The plan page's removal section: the request waiting (if any), who must decide it,
    whether this user may, and every earlier request with its outcome."""
    requests = list(
        RemovalRequest.objects.filter(plan=plan).select_related(
            "requested_by", "approver", "withdrawn_by"
        )
    )
    waiting = next((r for r in requests if r.status == RemovalRequest.Status.PENDING), None)
    latest = requests[0] if requests else None
    manage = access.can_manage_plans(user)
    terms = None if manage or not requests else guard.plan_terms(plan)
    for r in requests:
        # Partner leads and the scrutineer never see identities, even in the details.
        r.reason_shown = (
            r.removal_reason if terms is None else guard.redact(r.removal_reason, terms)
        )
        r.note_shown = r.decision_note if terms is None else guard.redact(r.decision_note, terms)
    refusal = removal_decision_refusal(plan, user) if waiting is not None else ""
    return {
        "waiting": waiting,
        "approver_label": person_label(waiting.approver) if waiting is not None else "",
        "requests": requests,
        "latest": latest,
        "can_decide": waiting is not None and not refusal,
        "decide_refusal": refusal,
        "can_withdraw": manage and waiting is not None,
        "can_restore": manage and plan.status == S.OFFLINE and waiting is None,
        "refused_offline": plan.status == S.OFFLINE
        and waiting is None
        and latest is not None
        and latest.status == RemovalRequest.Status.REFUSED,
    }


def removals_to_decide(user) -> list[RemovalRequest]:
    """Removal requests waiting for this user to confirm or refuse them."""
    return list(
        RemovalRequest.objects.filter(
            approver_id=user.pk,
            status=RemovalRequest.Status.PENDING,
            plan__archived_at__isnull=True,
        )
        .select_related("plan", "requested_by")
        .order_by("requested_at")[:50]
    )


def offline_to_decide() -> list[PublicationPlan]:
    """Items taken offline that wait for the business unit's decision (nobody is asked to
    confirm their removal any more)."""
    waiting = RemovalRequest.objects.filter(status=RemovalRequest.Status.PENDING).values("plan_id")
    return list(
        PublicationPlan.objects.filter(status=S.OFFLINE, archived_at__isnull=True)
        .exclude(pk__in=waiting)
        .order_by("updated_at")[:50]
    )


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
    for request in removals_to_decide(user):
        plan = request.plan
        offline = " It is offline until you decide." if plan.status == S.OFFLINE else ""
        section.tasks.append(
            HomeItem(
                title=f"Confirm or refuse the removal of {plan.reference}",
                url=reverse("publishing:removal", args=[plan.reference]),
                meta=f"{plan.title} — {request.get_removal_kind_display()}, asked by "
                f"{request.requested_by.full_name}.{offline}",
                rag="due_soon",
            )
        )
    if not principal_for(user).is_business_unit:
        return section
    for plan in offline_to_decide():
        section.tasks.append(
            HomeItem(
                title=f"Decide whether to put {plan.reference} back in the library",
                url=reverse("publishing:detail", args=[plan.reference]),
                meta=f"{plan.title} — taken offline, and nobody is asked to confirm its removal",
                rag="overdue",
            )
        )
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
