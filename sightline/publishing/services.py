"""Every write to publication plans, their approvals and the library entries they publish.

Publishing happens only through the task worker (`plan_publish_due`, at the scheduled time),
after two approvals of exactly the current content from two different safeguarding partners
and a clean run of the publication guard, both checked again at that moment.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from sightline.accounts.models import Agency, Duty, Membership, Role, User
from sightline.core.calendar import add_months
from sightline.core.clocks import get_calendar
from sightline.core.documents import document_create
from sightline.core.events import diff, record_event, snapshot
from sightline.core.models import Event
from sightline.core.notifications import notify
from sightline.core.references import create_with_reference
from sightline.core.versioning import StaleEdit, create_record, save_versioned
from sightline.core.workflow import TransitionRefused, transition
from sightline.publishing import access, guard
from sightline.publishing.models import LibraryItem, PublicationApproval, PublicationPlan
from sightline.publishing.workflow import PUBLICATION_WORKFLOW, guard_problem, removal_problem

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
LIBRARY_KINDS = {
    K.REVIEW: LibraryItem.Kind.REVIEW,
    K.BRIEFING: LibraryItem.Kind.BRIEFING,
    K.YEARLY_REPORT: LibraryItem.Kind.REPORT,
    K.OTHER: LibraryItem.Kind.REPORT,
}
REMOVAL_PHRASES = {
    R.PERIOD_ENDED: "its minimum public period ended",
    R.COURT_ORDER: "of a court order",
    R.RISK_TO_CHILD: "keeping it public could put a child at risk",
    R.FAMILY_REQUEST: "the family asked for it to be removed",
}
# Removed for these reasons, the catalogue entry keeps its title but not its summary.
SUMMARY_WITHDRAWN_KINDS = (R.COURT_ORDER, R.RISK_TO_CHILD)
REMOVAL_REVIEW_WORKING_DAYS = 20


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
    record_event(
        action="publication.update",
        actor=by,
        obj=plan,
        changes=diff(before, snapshot(plan, [*EDIT_FIELDS, "themes"])),
    )
    if guard.fingerprint(plan) != before_fingerprint:
        _content_changed(plan, by)
    return plan


@transaction.atomic
def plan_attach_document(
    *, plan: PublicationPlan, by: User, uploaded_file, expected_version: int
) -> PublicationPlan:
    """The file to publish, through the one upload path (checked, cleaned, metadata removed).
    A new file replaces the old one and withdraws any approvals."""
    _require_manager(by)
    _require_editable(plan)
    previous = plan.document_id
    document = document_create(uploaded_file=uploaded_file, by=by, owner=plan)
    plan.document = document
    save_versioned(plan, by=by, expected_version=expected_version, fields=["document"])
    record_event(
        action="publication.document",
        actor=by,
        obj=plan,
        changes={"document": [str(previous) if previous else None, str(document.pk)]},
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
) -> PublicationPlan:
    """Submit, return, schedule, cancel a schedule or record a decision not to publish.

    Submitting and scheduling run the publication guard first; its result is kept even when
    the move is refused, so the page can show where it found something."""
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
    updates: dict = {}
    if name == "schedule":
        updates["scheduled_for"] = scheduled_for
    elif name == "withhold":
        updates.update(
            withheld_reasons=(withheld_reasons or "").strip(),
            withheld_decision_makers=(withheld_decision_makers or "").strip(),
            withheld_date=withheld_date,
        )
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
) -> PublicationApproval:
    """One approver's approval, for one safeguarding partner, of exactly the current content.

    Only a publication approver (the duty, held as a partner lead or business unit member at an
    active safeguarding partner) can approve; one approval per agency and per person; nobody
    has an override."""
    PublicationPlan.objects.select_for_update().filter(pk=plan.pk).first()
    plan.refresh_from_db()
    if plan.status != S.AWAITING_APPROVAL:
        raise TransitionRefused("It can only be approved while it is awaiting approval.")
    agencies = access.approver_agency_ids(by)
    if not agencies:
        raise TransitionRefused(
            "Only a publication approver at a safeguarding partner can approve publication."
        )
    if agency is None and len(agencies) == 1:
        agency = Agency.objects.get(pk=next(iter(agencies)))
    if agency is None:
        raise TransitionRefused("Select the safeguarding partner you are approving for.")
    if agency.pk not in agencies:
        raise TransitionRefused("You cannot approve for that agency.")
    current = guard.fingerprint(plan)
    if fingerprint_seen and fingerprint_seen != current:
        raise TransitionRefused(
            "It changed while you were reading it. Read the current version before approving."
        )
    problem = guard_problem(plan)
    if problem:
        raise TransitionRefused(problem)
    given = PublicationApproval.objects.filter(
        plan=plan, withdrawn_at__isnull=True, fingerprint=current
    )
    if given.filter(approver=by).exists():
        raise TransitionRefused("You have already approved this version.")
    if given.filter(agency=agency).exists():
        raise TransitionRefused(f"{agency} has already approved this version.")
    approval = PublicationApproval.objects.create(
        plan=plan, approver=by, agency=agency, fingerprint=current
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


# --------------------------------------------------------------------------- publishing


def _clean_copy(plan: PublicationPlan) -> object:
    """The file re-written through the upload path into a new document: no metadata, and a
    public name made from the title rather than whatever the draft was called."""
    source = plan.document
    with default_storage.open(source.storage_name, "rb") as handle:
        data = handle.read()
    _, dot, extension = source.original_name.rpartition(".")
    extension = extension.lower() if dot else ""
    stem = slugify(plan.title)[:80] or "publication"
    name = f"{stem}.{extension}" if extension else stem
    return document_create(uploaded_file=ContentFile(data, name=name), by=None, owner=plan)


def _unique_slug(plan: PublicationPlan) -> str:
    base = slugify(f"{plan.title} {plan.reference}")[:110].strip("-") or plan.reference.lower()
    slug, n = base, 2
    while LibraryItem.objects.filter(slug=slug).exclude(plan=plan).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _library_item_publish(plan: PublicationPlan) -> LibraryItem:
    item = LibraryItem.objects.filter(plan=plan).first() or LibraryItem(plan=plan)
    published = timezone.localdate(plan.published_at)
    document = plan.published_document
    item.slug = item.slug or _unique_slug(plan)
    item.kind = LIBRARY_KINDS[plan.kind]
    item.title = plan.title
    item.child = plan.case.pseudonym if plan.case_id and plan.kind == K.REVIEW else ""
    item.partnership = settings.SIGHTLINE_PARTNERSHIP_NAME
    item.review_type = plan.review_type
    item.published = published
    item.year = published.year
    item.summary = plan.summary
    item.text = "\n\n".join(
        t for t in (plan.body.strip(), document.extracted_text if document else "") if t
    )
    item.document = document
    item.is_public = True
    item.removed_at = None
    item.removal_notice = ""
    item.full_clean()
    item.save()
    item.themes.set(plan.themes.all())
    return item


def _reindex(item_id: int) -> None:
    """Bring the public search index up to date with a library entry (the public side's
    `search.index_item`, which also takes out an entry that is no longer public)."""
    try:
        from sightline.publishing.search import index_item
    except ImportError:
        return
    item = LibraryItem.objects.filter(pk=item_id).first()
    if item is None:
        return
    try:
        index_item(item)
    except Exception:  # noqa: BLE001 - the index can be rebuilt; the publication stands
        logger.exception("Indexing library item %s failed", item_id)


def _notify_subscribers(item_id: int) -> None:
    """The public side's hook, if it is there: `subscriptions.notify_new_publication(item)`."""
    try:
        from sightline.publishing.subscriptions import notify_new_publication
    except ImportError:
        return
    item = LibraryItem.objects.filter(pk=item_id).first()
    if item is None:
        return
    try:
        notify_new_publication(item)
    except Exception:  # noqa: BLE001 - a failed e-mail must not undo a publication
        logger.exception("Telling subscribers about library item %s failed", item_id)


def plan_publish(*, plan: PublicationPlan, now: datetime | None = None) -> PublicationPlan:
    """Publish a scheduled plan (the task worker does this at the scheduled time). Idempotent.

    The guard runs again and the approvals are checked again; the file is re-written without
    metadata into a new document; the library entry is created or brought up to date."""
    plan.refresh_from_db()
    if plan.status == S.PUBLISHED:
        return plan
    now = now or timezone.now()
    plan_run_guard(plan=plan, by=None)
    with transaction.atomic():
        plan._as_of = now
        PUBLICATION_WORKFLOW.check(plan, PUBLICATION_WORKFLOW.get("publish"), None)
        published_document = _clean_copy(plan) if plan.document_id else None
        day = timezone.localdate(now)
        transition(
            PUBLICATION_WORKFLOW,
            plan,
            name="publish",
            by=None,
            expected_version=plan.version,
            updates={
                "published_at": now,
                "published_document": published_document,
                "min_end_date": add_months(day, settings.SIGHTLINE_MIN_PUBLIC_MONTHS),
            },
        )
        item = _library_item_publish(plan)
        record_event(
            action="library_item.publish",
            obj=item,
            kind=Event.Kind.WRITE,
            changes={"plan": [None, plan.reference], "slug": [None, item.slug]},
        )
        notify(
            users=[*_business_unit(), *_current_approvers(plan)],
            subject=f"Published: {plan.title}",
            body=f"{plan.reference} is now in the public library.",
            url=plan_url(plan),
        )
        transaction.on_commit(lambda: _reindex(item.pk))
        transaction.on_commit(lambda: _notify_subscribers(item.pk))
    return plan


def _publication_failed(plan: PublicationPlan, problems: list[str]) -> None:
    plan.refresh_from_db()
    if plan.status != S.SCHEDULED:
        return
    note = "Publication did not go ahead at the scheduled time: " + "; ".join(problems)
    with transaction.atomic():
        transition(
            PUBLICATION_WORKFLOW,
            plan,
            name="unschedule",
            by=None,
            expected_version=plan.version,
            note=note[:2000],
        )
        notify(
            users=_business_unit(),
            subject=f"Publication of {plan.reference} did not go ahead",
            body=note,
            url=plan_url(plan),
        )


def plan_publish_due(*, now: datetime | None = None) -> dict[str, list[str]]:
    """Publish every scheduled plan whose time has come, checking guard and approvals again.
    A plan that fails a check goes back to awaiting approval and the business unit is told."""
    now = now or timezone.now()
    result: dict[str, list[str]] = {"published": [], "failed": []}
    due = PublicationPlan.objects.filter(
        status=S.SCHEDULED, scheduled_for__lte=now, archived_at__isnull=True
    ).order_by("scheduled_for", "pk")
    for plan in due:
        try:
            plan_publish(plan=plan, now=now)
        except StaleEdit:
            continue  # another worker got there first
        except ValidationError as error:
            _publication_failed(plan, list(error.messages))
            result["failed"].append(plan.reference)
        except OSError:
            _publication_failed(plan, ["the file could not be read from storage"])
            result["failed"].append(plan.reference)
        else:
            result["published"].append(plan.reference)
    return result


# --------------------------------------------------------------------------- removal


def removal_notice(plan: PublicationPlan) -> str:
    """What the public catalogue says once an item is removed. The free-text reason stays
    internal: only the kind of reason is said."""
    removed = timezone.localdate(plan.removed_at) if plan.removed_at else timezone.localdate()
    phrase = REMOVAL_PHRASES.get(plan.removal_kind, "the partnership decided to remove it")
    notice = (
        f"Removed on {_day_text(removed)} because {phrase}. You can ask the partnership for a copy."
    )
    if plan.nspcc_submitted_date:
        notice += (
            " It is held in the NSPCC national case review repository (submitted on "
            f"{_day_text(plan.nspcc_submitted_date)}): {settings.SIGHTLINE_NSPCC_REPOSITORY_URL}"
        )
    return notice


def _library_item_remove(plan: PublicationPlan) -> LibraryItem | None:
    item = LibraryItem.objects.filter(plan=plan).first()
    if item is None:
        return None
    item.removed_at = plan.removed_at
    item.removal_notice = removal_notice(plan)
    item.document = None
    item.text = ""
    if plan.removal_kind in SUMMARY_WITHDRAWN_KINDS:
        item.summary = ""
    item.save()
    record_event(
        action="library_item.remove",
        obj=item,
        changes={"removed_at": [None, item.removed_at]},
    )
    transaction.on_commit(lambda: _reindex(item.pk))
    return item


def _check_removal_approver(approver: User | None, by: User | None) -> None:
    if approver is None:
        return
    if by is not None and approver.pk == by.pk:
        raise TransitionRefused("Someone other than you must approve removing it early.")
    p_roles = set(
        Membership.objects.filter(user=approver, active=True, archived_at__isnull=True)
        .values_list("role", flat=True)
        .distinct()
    )
    if not p_roles & {Role.PARTNER_LEAD, Role.BUSINESS_UNIT} or not approver.is_active:
        raise TransitionRefused(
            "The person approving removal must be a partner lead or in the business unit."
        )


def plan_remove(
    *,
    plan: PublicationPlan,
    by: User | None,
    expected_version: int,
    removal_kind: str,
    removal_reason: str,
    removal_approved_by: User | None = None,
    now: datetime | None = None,
) -> PublicationPlan:
    """Take an item out of the library. Its catalogue entry stays, saying when and why it was
    removed and how to get a copy; the file and text are no longer public. Before the minimum
    public period ends, only for a court order, a risk to a child or a family request, with an
    approver recorded."""
    now = now or timezone.now()
    if by is not None:
        _require_manager(by)
    _check_removal_approver(removal_approved_by, by)
    with transaction.atomic():
        plan._as_of = now
        transition(
            PUBLICATION_WORKFLOW,
            plan,
            name="remove",
            by=by,
            expected_version=expected_version,
            note=removal_reason,
            updates={
                "removal_kind": removal_kind,
                "removal_reason": (removal_reason or "").strip(),
                "removal_approved_by": removal_approved_by,
                "removed_at": now,
            },
        )
        _library_item_remove(plan)
        notify(
            users=_business_unit(),
            subject=f"Removed from the library: {plan.title}",
            body=f"{plan.reference}: {plan.get_removal_kind_display()}.",
            url=plan_url(plan),
        )
    return plan


@transaction.atomic
def plan_schedule_removal(
    *,
    plan: PublicationPlan,
    by: User,
    expected_version: int,
    removal_planned_for: datetime,
    removal_kind: str,
    removal_reason: str,
    removal_approved_by: User | None = None,
) -> PublicationPlan:
    """Plan the removal for a set time; the task worker removes it then. The same rules as
    removing now apply, judged at the planned time."""
    _require_manager(by)
    if plan.status != S.PUBLISHED:
        raise TransitionRefused("Only a published item can have its removal planned.")
    if removal_planned_for <= timezone.now():
        raise TransitionRefused("The removal date and time must be in the future")
    _check_removal_approver(removal_approved_by, by)
    plan.removal_planned_for = removal_planned_for
    plan.removal_kind = removal_kind
    plan.removal_reason = (removal_reason or "").strip()
    plan.removal_approved_by = removal_approved_by
    problems = [
        f"Enter the {label.lower()}"
        for label in PUBLICATION_WORKFLOW.missing_fields(plan, PUBLICATION_WORKFLOW.get("remove"))
    ]
    plan._as_of = removal_planned_for
    early = removal_problem(plan)
    if early:
        problems.append(early)
    if problems:
        raise TransitionRefused(problems)
    fields = ["removal_planned_for", "removal_kind", "removal_reason", "removal_approved_by"]
    save_versioned(plan, by=by, expected_version=expected_version, fields=fields)
    record_event(
        action="publication.schedule_removal",
        actor=by,
        obj=plan,
        changes={"removal_planned_for": [None, removal_planned_for], "kind": [None, removal_kind]},
        reason=plan.removal_reason,
    )
    _enqueue_at(removal_planned_for)
    return plan


@transaction.atomic
def plan_cancel_removal(*, plan: PublicationPlan, by: User, expected_version: int) -> None:
    _require_manager(by)
    if plan.status != S.PUBLISHED or plan.removal_planned_for is None:
        raise TransitionRefused("No removal is planned.")
    plan.removal_planned_for = None
    save_versioned(plan, by=by, expected_version=expected_version, fields=["removal_planned_for"])
    record_event(action="publication.cancel_removal", actor=by, obj=plan)


def plan_remove_due(*, now: datetime | None = None) -> dict[str, list[str]]:
    """Remove every published item whose planned removal time has come."""
    now = now or timezone.now()
    result: dict[str, list[str]] = {"removed": [], "failed": []}
    due = PublicationPlan.objects.filter(
        status=S.PUBLISHED, removal_planned_for__lte=now, archived_at__isnull=True
    ).select_related("removal_approved_by")
    for plan in due:
        try:
            plan_remove(
                plan=plan,
                by=None,
                expected_version=plan.version,
                removal_kind=plan.removal_kind,
                removal_reason=plan.removal_reason,
                removal_approved_by=plan.removal_approved_by,
                now=now,
            )
        except StaleEdit:
            continue
        except ValidationError as error:
            result["failed"].append(plan.reference)
            with transaction.atomic():
                notify(
                    users=_business_unit(),
                    subject=f"Planned removal of {plan.reference} did not happen",
                    body="; ".join(error.messages),
                    url=plan_url(plan),
                    dedupe_key=(
                        f"publication-removal-failed-{plan.pk}-"
                        f"{plan.removal_planned_for:%Y%m%d%H%M}"
                    ),
                )
        else:
            result["removed"].append(plan.reference)
    return result


@transaction.atomic
def plan_record_nspcc(
    *, plan: PublicationPlan, by: User, expected_version: int, submitted_on: date
) -> PublicationPlan:
    """The date the report went to the NSPCC national case review repository."""
    _require_manager(by)
    if plan.status not in (S.PUBLISHED, S.REMOVED):
        raise TransitionRefused("Record the NSPCC submission once it is published.")
    plan.nspcc_submitted_date = submitted_on
    save_versioned(plan, by=by, expected_version=expected_version, fields=["nspcc_submitted_date"])
    record_event(
        action="publication.nspcc",
        actor=by,
        obj=plan,
        changes={"nspcc_submitted_date": [None, submitted_on]},
    )
    if plan.status == S.REMOVED:
        LibraryItem.objects.filter(plan=plan).update(removal_notice=removal_notice(plan))
    return plan


# --------------------------------------------------------------------------- daily and timed


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


def plan_send_removal_reviews(*, on: date) -> int:
    """Tell the business unit, once per plan and end date, to review whether to keep an item
    public when its minimum public period ends within 20 working days."""
    horizon = get_calendar().add_working_days(on, REMOVAL_REVIEW_WORKING_DAYS)
    due = PublicationPlan.objects.filter(
        status=S.PUBLISHED,
        min_end_date__lte=horizon,
        removal_planned_for__isnull=True,
        archived_at__isnull=True,
    )
    people = _business_unit()
    sent = 0
    for plan in due:
        with transaction.atomic():
            sent += len(
                notify(
                    users=people,
                    subject=f"Review whether to keep {plan.title} public",
                    body=(
                        f"Its minimum public period ends on {_day_text(plan.min_end_date)}. "
                        "Keep it in the library or plan its removal; a removed item keeps a "
                        "catalogue entry."
                    ),
                    url=plan_url(plan),
                    dedupe_key=f"publication-removal-review-{plan.pk}-{plan.min_end_date:%Y%m%d}",
                )
            )
    return sent


def publication_daily(*, on: date, now: datetime | None = None) -> dict:
    """The daily job: publish and remove what is due (in case a timed run was missed) and send
    the removal reviews."""
    now = now or timezone.now()
    return {
        **plan_publish_due(now=now),
        **plan_remove_due(now=now),
        "removal_reviews": plan_send_removal_reviews(on=on),
    }
