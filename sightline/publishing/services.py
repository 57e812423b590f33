"""Every write to publication plans while they are prepared and approved: creating, editing,
attaching the file, running the publication guard, approvals and the moves up to scheduling.

Publishing and removal are in services_publish.py.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from sightline.accounts.models import Agency, Duty, Membership, Role, User
from sightline.core.documents import document_create
from sightline.core.events import diff, record_event, snapshot
from sightline.core.models import Event
from sightline.core.notifications import notify
from sightline.core.references import create_with_reference
from sightline.core.versioning import create_record, save_versioned
from sightline.core.workflow import TransitionRefused, page_updates, transition
from sightline.publishing import access, guard, guard_metadata
from sightline.publishing.models import PublicationApproval, PublicationPlan
from sightline.publishing.workflow import PUBLICATION_WORKFLOW, approval_refusal

logger = logging.getLogger(__name__)

S = PublicationPlan.Status
K = PublicationPlan.Kind
V = PublicationPlan.Version
R = PublicationPlan.RemovalKind

EDIT_FIELDS = [
    "title",
    "summary",
    "body",
    "version_kind",
    "review_type",
    "anonymisation_checked",
    "legal_check_done",
    "family_informed_date",
    "practitioners_briefed_date",
    "communications_plan",
    "advance_copy_panel_date",
    "advance_copy_sos_date",
]
EDITABLE_STATUSES = (S.PREPARING, S.AWAITING_APPROVAL)
ACTIVE_STATUSES = (S.PREPARING, S.AWAITING_APPROVAL, S.SCHEDULED, S.PUBLISHED)


# --------------------------------------------------------------------------- people


def plan_url(plan: PublicationPlan) -> str:
    return reverse("publishing:detail", args=[plan.reference])


def _business_unit() -> list[User]:
    return list(
        User.objects.filter(
            is_active=True, memberships__role=Role.BUSINESS_UNIT, memberships__active=True
        ).distinct()
    )


def _approvers() -> list[User]:
    members = Membership.objects.filter(
        active=True,
        archived_at__isnull=True,
        role__in=access.APPROVER_ROLES,
        agency__kind=Agency.Kind.SAFEGUARDING_PARTNER,
        agency__active=True,
        user__is_active=True,
    ).select_related("user")
    return [m.user for m in members if Duty.PUBLICATION_APPROVER in (m.duties or [])]


def _current_approvers(plan: PublicationPlan) -> list[User]:
    return [
        a.approver
        for a in plan.approvals.filter(withdrawn_at__isnull=True).select_related("approver")
    ]


def _require_manager(by) -> None:
    if not access.can_manage_plans(by):
        raise TransitionRefused("Only the business unit can do this.")


def _require_editable(plan: PublicationPlan) -> None:
    if plan.status not in EDITABLE_STATUSES:
        raise TransitionRefused(
            f"It cannot be changed while the status is {plan.get_status_display().lower()}."
        )


def _day_text(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


# --------------------------------------------------------------------------- preparing


def case_is_ready(case) -> bool:
    from sightline.reviews.models import CaseStage, LocalReview

    return (
        case.stage == CaseStage.READY_FOR_PUBLICATION
        or LocalReview.objects.filter(
            case=case, status=LocalReview.Status.READY_FOR_PUBLICATION
        ).exists()
    )


def briefing_is_ready(briefing) -> bool:
    from sightline.learning.models import Briefing

    return briefing.status == Briefing.Status.PUBLISHED and briefing.is_public


@transaction.atomic
def plan_create(
    *,
    by: User,
    kind: str,
    title: str,
    summary: str,
    version_kind: str = V.FULL_REPORT,
    case=None,
    briefing=None,
    body: str = "",
    review_type: str = "",
    themes: Iterable | None = None,
) -> PublicationPlan:
    """A plan for a review report (its case must be ready for publication, unless a summary is
    published), a published briefing, the yearly report or another item."""
    _require_manager(by)
    if briefing is not None:
        if not briefing_is_ready(briefing):
            raise TransitionRefused(
                "Only a published briefing marked for the public library can be prepared for it."
            )
        kind, case = K.BRIEFING, case or briefing.source_case
    elif case is not None and kind == K.REVIEW:
        if version_kind != V.SUMMARY and not case_is_ready(case):
            raise TransitionRefused(
                "Choose a case that is ready for publication, or prepare a summary."
            )
        review_type = review_type or ("LCSPR" if hasattr(case, "local_review") else "")
    year = timezone.localdate().year

    def make(reference: str) -> PublicationPlan:
        return create_record(
            PublicationPlan(
                reference=reference,
                kind=kind,
                case=case,
                briefing=briefing,
                title=title,
                summary=summary,
                body=body,
                version_kind=version_kind,
                review_type=review_type,
            ),
            by=by,
        )

    plan = create_with_reference(PublicationPlan, f"PUB-{year}", make)
    if themes is None:
        source = briefing or case
        themes = list(source.themes.all()) if source is not None else []
    plan.themes.set(themes)
    record_event(
        action="publication.create",
        actor=by,
        obj=plan,
        changes=diff({}, snapshot(plan, ["kind", "case", "briefing", "title", "version_kind"])),
    )
    return plan


def briefing_body(briefing) -> str:
    """The seven sections under the partnership's headings, then the questions to reflect on."""
    blocks = [
        f"{heading}\n\n{text.strip()}" for heading, text in briefing.sections() if text.strip()
    ]
    questions = briefing.questions()
    if questions:
        blocks.append("Questions to reflect on\n\n" + "\n".join(f"- {q}" for q in questions))
    return "\n\n".join(blocks)


def _short_summary(text: str, limit: int = 300) -> str:
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def active_plan_for_briefing(briefing) -> PublicationPlan | None:
    return PublicationPlan.objects.filter(
        briefing=briefing, status__in=ACTIVE_STATUSES, archived_at__isnull=True
    ).first()


@transaction.atomic
def plan_create_from_briefing(*, by: User, briefing) -> PublicationPlan:
    """Prepare a published briefing for the public library: its sections become the text."""
    existing = active_plan_for_briefing(briefing)
    if existing is not None:
        raise TransitionRefused(
            f"There is already a publication plan for this briefing: {existing.reference}."
        )
    summary = _short_summary(briefing.section_1) or briefing.topic or briefing.title
    return plan_create(
        by=by,
        kind=K.BRIEFING,
        briefing=briefing,
        title=briefing.title,
        summary=summary,
        version_kind=V.SUMMARY,
        body=briefing_body(briefing),
    )


def _content_changed(plan: PublicationPlan, by: User) -> None:
    """The content is not what was scanned or approved any more: withdraw the approvals, forget
    the guard result, and take a submitted plan back to preparing."""
    now = timezone.now()
    approvers = list(
        User.objects.filter(
            pk__in=PublicationApproval.objects.filter(plan=plan, withdrawn_at__isnull=True).values(
                "approver_id"
            )
        )
    )
    withdrawn = PublicationApproval.objects.filter(plan=plan, withdrawn_at__isnull=True).update(
        withdrawn_at=now
    )
    PublicationPlan.objects.filter(pk=plan.pk).update(
        guard_checked_at=None, guard_fingerprint="", guard_findings=[]
    )
    plan.guard_checked_at, plan.guard_fingerprint, plan.guard_findings = None, "", []
    if withdrawn:
        record_event(
            action="publication.approvals_withdrawn",
            actor=by,
            obj=plan,
            changes={"withdrawn": [None, withdrawn]},
            reason="The content changed after it was approved",
        )
        notify(
            users=approvers,
            subject=f"Your approval of {plan.reference} was withdrawn because it changed",
            body="It will need approving again once it is resubmitted.",
            url=plan_url(plan),
        )
    if plan.status == S.AWAITING_APPROVAL:
        transition(
            PUBLICATION_WORKFLOW,
            plan,
            name="return_for_changes",
            by=by,
            expected_version=plan.version,
            note="The content changed after it was submitted, so it needs approving again.",
        )


@transaction.atomic
def plan_update(
    *,
    plan: PublicationPlan,
    by: User,
    expected_version: int,
    themes: Iterable | None = None,
    **fields,
) -> PublicationPlan:
    unknown = set(fields) - set(EDIT_FIELDS)
    if unknown:
        raise ValueError(f"Not editable here: {sorted(unknown)}")
    _require_manager(by)
    _require_editable(plan)
    before_fingerprint = guard.fingerprint(plan)
    before = snapshot(plan, [*EDIT_FIELDS, "themes"])
    for key, value in fields.items():
        setattr(plan, key, value)
    save_versioned(plan, by=by, expected_version=expected_version, fields=list(fields))
    if themes is not None:
        plan.themes.set(themes)
    changes = diff(before, snapshot(plan, [*EDIT_FIELDS, "themes"]))
    if "body" in changes:  # the log notes that the text changed, not the text itself
        old, new = changes["body"]
        changes["body"] = [f"{len(old or '')} characters", f"{len(new or '')} characters"]
    record_event(action="publication.update", actor=by, obj=plan, changes=changes)
    if guard.fingerprint(plan) != before_fingerprint:
        _content_changed(plan, by)
    return plan


@transaction.atomic
def plan_attach_document(
    *, plan: PublicationPlan, by: User, uploaded_file, expected_version: int
) -> PublicationPlan:
    """The file to publish, through the one upload path (checked, cleaned, metadata removed).
    A new file replaces the old one and withdraws any approvals. What the file's own
    properties held is kept on the plan (`document_metadata`: where, which property, which
    kinds of identifier), so the officer knows that copies sent from their file still hold it."""
    _require_manager(by)
    _require_editable(plan)
    previous = plan.document_id
    document = document_create(uploaded_file=uploaded_file, by=by, owner=plan)
    plan.document = document
    plan.document_metadata = guard_metadata.plan_file_metadata(
        plan=plan, uploaded_file=uploaded_file, kind=document.kind, by=by
    )
    save_versioned(
        plan, by=by, expected_version=expected_version, fields=["document", "document_metadata"]
    )
    flagged = [m for m in plan.document_metadata if m.get("kinds") or m.get("unreadable")]
    record_event(
        action="publication.document",
        actor=by,
        obj=plan,
        changes={
            "document": [str(previous) if previous else None, str(document.pk)],
            "properties_removed": [None, len(plan.document_metadata)],
            "properties_with_identifiers": [None, len(flagged)],
        },
    )
    _content_changed(plan, by)
    return plan


def plan_run_guard(*, plan: PublicationPlan, by: User | None) -> list[guard.Finding]:
    """Scan what the plan would publish and keep the result with the fingerprint it is for.

    Saved in its own transaction, so the findings stay on the plan even when the move that
    asked for the scan is refused because of them."""
    if by is not None and not access.can_manage_plans(by):
        raise TransitionRefused("Only the business unit can run the publication guard.")
    findings = guard.scan(plan)
    current = guard.fingerprint(plan)
    now = timezone.now()
    stored = [f.as_dict() for f in findings]
    with transaction.atomic():
        PublicationPlan.objects.filter(pk=plan.pk).update(
            guard_checked_at=now, guard_fingerprint=current, guard_findings=stored
        )
        plan.guard_checked_at, plan.guard_fingerprint, plan.guard_findings = now, current, stored
        subject = guard.subject_for(plan)
        if subject is not None:
            record_event(
                action="case_subject.scan",
                kind=Event.Kind.READ,
                actor=by,
                obj=subject,
                reason=f"Publication guard for {plan.reference}",
            )
        record_event(
            action="publication.guard",
            actor=by,
            obj=plan,
            changes={"findings": [None, len(findings)], "fingerprint": [None, current]},
        )
    return findings


# --------------------------------------------------------------------------- moves


def _withdraw_all(plan: PublicationPlan) -> int:
    return PublicationApproval.objects.filter(plan=plan, withdrawn_at__isnull=True).update(
        withdrawn_at=timezone.now()
    )


# The fields each move's page may fill.
TRANSITION_FIELDS = {
    "schedule": ("scheduled_for",),
    "withhold": ("withheld_reasons", "withheld_decision_makers", "withheld_date"),
}


def plan_transition(
    *,
    plan: PublicationPlan,
    by: User,
    name: str,
    expected_version: int,
    note: str = "",
    scheduled_for: datetime | None = None,
    withheld_reasons: str | None = None,
    withheld_decision_makers: str | None = None,
    withheld_date: date | None = None,
    now: datetime | None = None,
    updates: Mapping[str, Any] | None = None,
) -> PublicationPlan:
    """Submit, return, schedule, cancel a schedule or record a decision not to publish.

    Submitting and scheduling run the publication guard first; its result is kept even when
    the move is refused, so the page can show where it found something. `updates` are the
    fields the move's page filled in (the time to publish, the decision not to publish); the
    content itself is changed only through `plan_update()`. `now` is the moment the move is
    judged at (the demo records moves made in the past); pages never pass it."""
    if name in ("publish", "remove"):
        raise ValueError("Use plan_publish or plan_remove.")
    if name == "schedule" and access.can_manage_plans(by):
        if PublicationApproval.objects.filter(
            plan=plan, approver_id=by.pk, withdrawn_at__isnull=True
        ).exists():
            raise TransitionRefused(
                "You approved this publication, so another member of the business unit must "
                "schedule it."
            )
    if name in ("submit", "schedule") and access.can_manage_plans(by):
        plan_run_guard(plan=plan, by=by)
    page = page_updates(updates, TRANSITION_FIELDS.get(name, ()))
    updates = {}
    if name == "schedule":
        updates["scheduled_for"] = scheduled_for
    elif name == "withhold":
        updates.update(
            withheld_reasons=(withheld_reasons or "").strip(),
            withheld_decision_makers=(withheld_decision_makers or "").strip(),
            withheld_date=withheld_date,
        )
    updates.update(page)
    if now is not None:
        plan._as_of = now
    with transaction.atomic():
        transition(
            PUBLICATION_WORKFLOW,
            plan,
            name=name,
            by=by,
            expected_version=expected_version,
            note=note,
            updates=updates,
        )
        _after_move(plan, name, by, note)
    return plan


def _after_move(plan: PublicationPlan, name: str, by, note: str) -> None:
    url = plan_url(plan)
    if name == "submit":
        notify(
            users=_approvers(),
            subject=f"Publication ready for your approval: {plan.reference}",
            body=plan.title,
            url=url,
        )
    elif name == "return_for_changes":
        _withdraw_all(plan)
    elif name == "schedule":
        when = timezone.localtime(plan.scheduled_for)
        notify(
            users=[*_business_unit(), *_current_approvers(plan)],
            subject=f"{plan.reference} will be published on {_day_text(when.date())}",
            body=plan.title,
            url=url,
        )
        _enqueue_at(plan.scheduled_for)
    elif name == "unschedule":
        notify(
            users=_business_unit(),
            subject=f"Publication of {plan.reference} is not scheduled any more",
            body=note,
            url=url,
        )
    elif name == "withhold":
        record_event(
            action="publication.decision_not_to_publish",
            actor=by,
            obj=plan,
            changes={"decision_makers": [None, plan.withheld_decision_makers]},
            reason=plan.withheld_reasons,
        )


@transaction.atomic
def plan_withhold(
    *,
    plan: PublicationPlan,
    by: User,
    expected_version: int,
    reasons: str,
    decision_makers: str,
    decided_on: date,
) -> PublicationPlan:
    """The decision not to publish, with its reasons, decision makers and date."""
    return plan_transition(
        plan=plan,
        by=by,
        name="withhold",
        expected_version=expected_version,
        withheld_reasons=reasons,
        withheld_decision_makers=decision_makers,
        withheld_date=decided_on,
    )


@transaction.atomic
def plan_create_improvements(*, plan: PublicationPlan, by: User) -> PublicationPlan:
    """After a decision not to publish a review report, prepare the information about the
    improvements made, to publish instead."""
    if plan.status != S.WITHHELD or plan.kind != K.REVIEW or plan.version_kind == V.IMPROVEMENTS:
        raise TransitionRefused(
            "Information about improvements can be prepared only after a decision not to "
            "publish a review report."
        )
    instead = plan_create(
        by=by,
        kind=K.REVIEW,
        case=plan.case,
        title=f"{plan.title}: information about improvements"[:200],
        summary=plan.summary,
        version_kind=V.IMPROVEMENTS,
        review_type=plan.review_type,
        themes=list(plan.themes.all()),
    )
    record_event(
        action="publication.improvements_instead",
        actor=by,
        obj=plan,
        changes={"instead": [None, instead.reference]},
    )
    return instead


# --------------------------------------------------------------------------- approval


@transaction.atomic
def plan_approve(
    *,
    plan: PublicationPlan,
    by: User,
    agency: Agency | None = None,
    fingerprint_seen: str = "",
    now: datetime | None = None,
) -> PublicationApproval:
    """One approver's approval, for one safeguarding partner, of exactly the current content.

    Only a publication approver (the duty, held as a partner lead or business unit member at an
    active safeguarding partner) can approve; one approval per agency and per person; nobody
    has an override. `now` is when it was given (the demo records approvals given in the past);
    pages never pass it."""
    PublicationPlan.objects.select_for_update().filter(pk=plan.pk).first()
    plan.refresh_from_db()
    problem = approval_refusal(plan, by)
    if problem:
        raise TransitionRefused(problem)
    agencies = access.approver_agency_ids(by)
    if agency is None and len(agencies) == 1:
        agency = Agency.objects.get(pk=next(iter(agencies)))
    if agency is None:
        raise TransitionRefused("Select the safeguarding partner you are approving for.")
    current = guard.fingerprint(plan)
    if fingerprint_seen and fingerprint_seen != current:
        raise TransitionRefused(
            "It changed while you were reading it. Read the current version before approving."
        )
    problem = approval_refusal(plan, by, agency)
    if problem:
        raise TransitionRefused(problem)
    given = PublicationApproval.objects.filter(
        plan=plan, withdrawn_at__isnull=True, fingerprint=current
    )
    approval = PublicationApproval.objects.create(
        plan=plan,
        approver=by,
        agency=agency,
        fingerprint=current,
        approved_at=now or timezone.now(),
    )
    record_event(
        action="publication.approve",
        actor=by,
        obj=plan,
        changes={"agency": [None, agency.pk], "fingerprint": [None, current]},
    )
    count = given.count()
    notify(
        users=_business_unit(),
        subject=f"{agency} approved publication of {plan.reference} ({count} of 2)",
        body=plan.title,
        url=plan_url(plan),
    )
    return approval


# --------------------------------------------------------------------------- timed runs


def _enqueue_at(when: datetime) -> None:
    """Ask the task worker to run the due publications and removals at `when`. Backends that
    cannot defer (the immediate one in tests) are skipped: the daily sweep catches up."""

    def go() -> None:
        from sightline.publishing.tasks import publication_run_due

        try:
            if publication_run_due.get_backend().supports_defer:
                publication_run_due.using(run_after=when).enqueue()
        except Exception:  # noqa: BLE001 - the daily sweep publishes it if this fails
            logger.exception("Could not enqueue the publication run for %s", when)

    transaction.on_commit(go)
