"""Writes for the local child safeguarding practice review, lessons and recommendations."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Max

from sightline.accounts.models import Agency, User
from sightline.actions.models import Action, ActionPlan
from sightline.actions.services import action_create, action_plan_create
from sightline.core.documents import document_create
from sightline.core.events import diff, record_event, snapshot
from sightline.core.notifications import notify
from sightline.core.versioning import create_record, save_versioned
from sightline.core.workflow import TransitionRefused, page_updates, transition
from sightline.reviews import access
from sightline.reviews.models import (
    Case,
    CaseStage,
    DraftVersion,
    EngagementEntry,
    Lesson,
    LocalReview,
    MonitoringEntry,
    ParallelProceeding,
    PartnerSignOff,
    Recommendation,
)
from sightline.reviews.services_common import (
    _partner_leads,
    _set_stage,
    business_unit_users,
    case_url,
    signed_content_change,
)
from sightline.reviews.workflow import LOCAL_REVIEW_WORKFLOW

LOCAL_FIELDS = [
    "terms_of_reference",
    "methodology",
    "final_agreed_date",
    "delay_reason",
    "delay_notified_date",
]
PROCEEDING_FIELDS = [
    "kind",
    "status",
    "liaison_notes",
    "causes_delay",
    "delay_notes",
    "panel_told_date",
]


def _require_worker(by: User, case: Case) -> None:
    if not access.can_work_on_review(by, case):
        raise TransitionRefused("Only the business unit or the case's reviewer can do that.")


@transaction.atomic
def local_review_update(
    *, review: LocalReview, by: User, expected_version: int, **fields
) -> LocalReview:
    _require_worker(by, review.case)
    unknown = set(fields) - set(LOCAL_FIELDS)
    if unknown:
        raise ValueError(f"Not editable here: {sorted(unknown)}")
    before = snapshot(review, LOCAL_FIELDS)
    with signed_content_change(review.case, by=by, stages=[PartnerSignOff.Stage.FINAL_REPORT]):
        for key, value in fields.items():
            setattr(review, key, value)
        save_versioned(review, by=by, expected_version=expected_version, fields=list(fields))
        record_event(
            action="local_review.update",
            actor=by,
            obj=review.case,
            changes=diff(before, snapshot(review, LOCAL_FIELDS)),
        )
    return review


@transaction.atomic
def local_review_transition(
    *,
    review: LocalReview,
    by: User,
    name: str,
    expected_version: int,
    note: str = "",
    updates: Mapping[str, Any] | None = None,
) -> LocalReview:
    """Make one move. `updates` are review details the move's page filled in (only those the
    details page edits), saved with the move in one step, and withdraw the partners' quality
    assurance sign-offs if they change what was signed, as the details page does."""
    with signed_content_change(review.case, by=by, stages=[PartnerSignOff.Stage.FINAL_REPORT]):
        transition(
            LOCAL_REVIEW_WORKFLOW,
            review,
            name=name,
            by=by,
            expected_version=expected_version,
            note=note,
            updates=page_updates(updates, LOCAL_FIELDS),
        )
    case = review.case
    if review.status == LocalReview.Status.READY_FOR_PUBLICATION:
        _set_stage(case, CaseStage.READY_FOR_PUBLICATION, by=by)
    elif review.status == LocalReview.Status.CLOSED:
        _set_stage(case, CaseStage.CLOSED, by=by)
    elif review.status == LocalReview.Status.PARTNER_QA:
        notify(
            users=_partner_leads(),
            subject=f"Review report ready for quality assurance: {case.reference}",
            url=case_url(case, "reviews:local-review"),
        )
    return review


@transaction.atomic
def engagement_add(
    *, review: LocalReview, by: User, on_date: date, with_whom: str, who: str, summary: str
) -> EngagementEntry:
    _require_worker(by, review.case)
    entry = EngagementEntry(
        local_review=review,
        on_date=on_date,
        with_whom=with_whom,
        who=who,
        summary=summary,
        recorded_by=by,
    )
    entry.full_clean()
    entry.save()
    record_event(
        action="local_review.engagement",
        actor=by,
        obj=review.case,
        changes={"entry": [None, entry.pk], "with_whom": [None, with_whom]},
    )
    return entry


@transaction.atomic
def proceeding_add(*, review: LocalReview, by: User, **fields) -> ParallelProceeding:
    _require_worker(by, review.case)
    proceeding = create_record(ParallelProceeding(local_review=review, **fields), by=by)
    record_event(
        action="local_review.proceeding_add",
        actor=by,
        obj=review.case,
        changes=diff({}, snapshot(proceeding, PROCEEDING_FIELDS)),
    )
    if proceeding.causes_delay:
        notify(
            users=business_unit_users(),
            subject=f"Parallel proceedings may delay {review.case.reference}",
            body="Record the delay and the date the Panel and Secretary of State were told.",
            url=case_url(review.case, "reviews:local-review"),
        )
    return proceeding


@transaction.atomic
def proceeding_update(
    *, proceeding: ParallelProceeding, by: User, expected_version: int, **fields
) -> ParallelProceeding:
    _require_worker(by, proceeding.local_review.case)
    before = snapshot(proceeding, PROCEEDING_FIELDS)
    for key, value in fields.items():
        setattr(proceeding, key, value)
    save_versioned(proceeding, by=by, expected_version=expected_version, fields=list(fields))
    record_event(
        action="local_review.proceeding_update",
        actor=by,
        obj=proceeding.local_review.case,
        changes=diff(before, snapshot(proceeding, PROCEEDING_FIELDS)),
    )
    return proceeding


@transaction.atomic
def monitoring_add(
    *,
    review: LocalReview,
    by: User,
    agency: Agency,
    on_date: date,
    note: str,
    information_requested: bool = False,
) -> MonitoringEntry:
    """Regulation 14: a partner records its monitoring of the review's time and quality."""
    p_agencies = access.partner_agency_ids(by)
    if not (access.is_business_unit(by) or agency.pk in p_agencies):
        raise TransitionRefused("You cannot record monitoring for that agency.")
    entry = MonitoringEntry(
        local_review=review,
        agency=agency,
        on_date=on_date,
        note=note,
        information_requested=information_requested,
        recorded_by=by,
    )
    entry.full_clean()
    entry.save()
    record_event(
        action="local_review.monitoring",
        actor=by,
        obj=review.case,
        changes={
            "agency": [None, agency.pk],
            "information_requested": [None, information_requested],
        },
    )
    return entry


@transaction.atomic
def draft_add(
    *, review: LocalReview, by: User, label: str, received_on: date, uploaded_file, notes: str = ""
) -> DraftVersion:
    _require_worker(by, review.case)
    from django.contrib.contenttypes.models import ContentType

    # The latest draft is the final report the partners sign in quality assurance.
    with signed_content_change(review.case, by=by, stages=[PartnerSignOff.Stage.FINAL_REPORT]):
        draft = DraftVersion(
            local_review=review, label=label, received_on=received_on, notes=notes, uploaded_by=by
        )
        # The document is stored first, then owned by the draft once the draft has a key.
        document = document_create(uploaded_file=uploaded_file, by=by)
        draft.document = document
        draft.full_clean()
        draft.save()
        type(document).objects.filter(pk=document.pk).update(
            owner_type=ContentType.objects.get_for_model(DraftVersion), owner_id=str(draft.pk)
        )
        record_event(
            action="local_review.draft_add",
            actor=by,
            obj=review.case,
            changes={"draft": [None, draft.pk], "label": [None, label]},
        )
    return draft


# --- Lessons, recommendations and their actions ---------------------------------------------


@transaction.atomic
def lesson_add(*, case: Case, by: User, text: str, themes: Iterable = ()) -> Lesson:
    _require_worker(by, case)
    lesson = create_record(Lesson(case=case, text=text), by=by)
    lesson.themes.set(themes)
    record_event(
        action="case.lesson_add", actor=by, obj=case, changes={"lesson": [None, lesson.pk]}
    )
    return lesson


@transaction.atomic
def recommendation_add(
    *, case: Case, by: User, text: str, lesson: Lesson | None = None
) -> Recommendation:
    _require_worker(by, case)
    number = (case.recommendations.aggregate(n=Max("number"))["n"] or 0) + 1
    rec = create_record(Recommendation(case=case, number=number, text=text, lesson=lesson), by=by)
    record_event(
        action="case.recommendation_add",
        actor=by,
        obj=case,
        changes={"recommendation": [None, number]},
    )
    return rec


def case_action_plan(case: Case, *, by: User) -> ActionPlan:
    """The case's action plan in the shared action plans, created on first use."""
    from django.contrib.contenttypes.models import ContentType

    case_type = ContentType.objects.get_for_model(Case)
    plan = ActionPlan.objects.filter(source_type=case_type, source_id=str(case.pk)).first()
    if plan is None:
        plan = action_plan_create(
            by=by,
            title=f"Actions from {case.reference} ({case.pseudonym})",
            source=ActionPlan.Source.REVIEW,
            summary=f"Recommendations of the review of {case.pseudonym}.",
            themes=case.themes.all(),
        )
        ActionPlan.objects.filter(pk=plan.pk).update(source_type=case_type, source_id=str(case.pk))
        plan.refresh_from_db()
    return plan


@transaction.atomic
def recommendation_action_add(
    *,
    recommendation: Recommendation,
    by: User,
    description: str,
    expected_change: str,
    owner_agency: Agency,
    due_date: date,
    owner: User | None = None,
) -> Action:
    """Turn a recommendation into an owned action in the shared action plans."""
    if not access.is_business_unit(by):
        raise TransitionRefused("Only the business unit can create actions.")
    case = recommendation.case
    plan = case_action_plan(case, by=by)
    action = action_create(
        by=by,
        plan=plan,
        lesson=f"Recommendation {recommendation.number}: {recommendation.text}",
        description=description,
        expected_change=expected_change,
        owner_agency=owner_agency,
        owner=owner,
        due_date=due_date,
        themes=case.themes.all(),
    )
    recommendation.actions.add(action)
    record_event(
        action="case.recommendation_action",
        actor=by,
        obj=case,
        changes={
            "recommendation": [None, recommendation.number],
            "action": [None, action.reference],
        },
    )
    return action
