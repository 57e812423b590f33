"""Publishing and removal: every write that puts an item into the public library or takes it
out, and the timed and daily runs that do it (see services.py for preparing and approving).

Publishing happens only through the task worker (`plan_publish_due`, at the scheduled time),
after two approvals of exactly the current content from two different safeguarding partners
and a clean run of the publication guard, both checked again at that moment.

Removing an item before its minimum public period ends is asked for, confirmed or refused in
services_removal.py; the removal itself, however it comes about, is `remove_in_transaction`.
"""

from __future__ import annotations

import logging
from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from sightline.accounts.models import User
from sightline.core.calendar import add_months
from sightline.core.clocks import get_calendar
from sightline.core.documents import document_create
from sightline.core.events import record_event
from sightline.core.models import Event
from sightline.core.notifications import notify
from sightline.core.versioning import StaleEdit, save_versioned
from sightline.core.workflow import TransitionRefused, transition
from sightline.publishing.models import LibraryItem, PublicationPlan, RemovalRequest
from sightline.publishing.services import (
    _business_unit,
    _current_approvers,
    _day_text,
    _enqueue_at,
    _require_manager,
    plan_run_guard,
    plan_url,
)
from sightline.publishing.workflow import PUBLICATION_WORKFLOW, removal_problem

logger = logging.getLogger(__name__)

S = PublicationPlan.Status
K = PublicationPlan.Kind
R = PublicationPlan.RemovalKind

LIBRARY_KINDS = {
    K.REVIEW: LibraryItem.Kind.REVIEW,
    K.BRIEFING: LibraryItem.Kind.BRIEFING,
    K.YEARLY_REPORT: LibraryItem.Kind.REPORT,
    K.OTHER: LibraryItem.Kind.REPORT,
}
RQ = RemovalRequest.Status
# The public notice for each kind of reason: its sentence, then what it says about copies (None:
# it offers no copy and names no repository, because a court order or a child's safety is why
# it went).
REMOVAL_NOTICES = {
    R.PERIOD_ENDED: (
        "Removed on {day} at the end of its publication period.",
        "You can ask the partnership for a copy.",
    ),
    R.COURT_ORDER: ("Removed on {day} because of a court order. It is no longer available.", None),
    R.RISK_TO_CHILD: ("Removed on {day} to protect a child. It is no longer available.", None),
    R.FAMILY_REQUEST: (
        "Removed on {day} at the request of the child's family.",
        "Professionals can ask the partnership for a copy.",
    ),
    R.OTHER: ("Removed on {day}.", "You can ask the partnership for a copy."),
}
OFFLINE_NOTICE = "This publication is not available at the moment."
# Removed for these reasons, the catalogue entry keeps its title but not its summary.
SUMMARY_WITHDRAWN_KINDS = (R.COURT_ORDER, R.RISK_TO_CHILD)
# Statuses a removal can start from: in the library, or taken offline pending confirmation.
REMOVABLE_STATUSES = (S.PUBLISHED, S.OFFLINE)
REMOVAL_REVIEW_WORKING_DAYS = 20


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
    """What the public catalogue says once an item is removed, worded for the kind of reason
    (the free-text details stay internal). After a court order or a risk to a child it offers
    no copy and does not point to another one."""
    removed = timezone.localdate(plan.removed_at) if plan.removed_at else timezone.localdate()
    sentence, copies = REMOVAL_NOTICES.get(plan.removal_kind, REMOVAL_NOTICES[R.OTHER])
    notice = sentence.format(day=_day_text(removed))
    if not copies:
        return notice
    notice += f" {copies}"
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
    before = item.removed_at
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
        changes={"removed_at": [before, item.removed_at]},
    )
    transaction.on_commit(lambda: _reindex(item.pk))
    return item


def library_item_offline(plan: PublicationPlan, *, now: datetime) -> LibraryItem | None:
    """Take the catalogue entry offline pending a decision: to every public reader it is as if
    removed (no file, text or summary; out of search, the feed and the API) and its page says
    it is not available. Nothing is lost: the plan keeps everything, so it can come back."""
    item = LibraryItem.objects.filter(plan=plan).first()
    if item is None:
        return None
    item.removed_at = now
    item.removal_notice = OFFLINE_NOTICE
    item.document = None
    item.text = ""
    item.summary = ""
    item.save()
    record_event(action="library_item.offline", obj=item, changes={"removed_at": [None, now]})
    transaction.on_commit(lambda: _reindex(item.pk))
    return item


def library_item_restore(plan: PublicationPlan) -> LibraryItem:
    """Bring an entry taken offline back exactly as it was published, from the plan."""
    item = _library_item_publish(plan)
    record_event(action="library_item.restore", obj=item, changes={"removed_at": ["set", None]})
    transaction.on_commit(lambda: _reindex(item.pk))
    return item


def remove_in_transaction(
    plan: PublicationPlan,
    *,
    by: User | None,
    expected_version: int,
    now: datetime,
    removal_kind: str,
    removal_reason: str,
    approved_by: User | None = None,
) -> PublicationPlan:
    """The removal itself, inside the caller's transaction: the move (which checks the early
    removal rules), the catalogue entry and the business unit told."""
    plan._as_of = now
    updates = {
        "removal_kind": removal_kind,
        "removal_reason": (removal_reason or "").strip(),
        "removed_at": now,
    }
    if approved_by is not None:
        updates["removal_approved_by"] = approved_by
    transition(
        PUBLICATION_WORKFLOW,
        plan,
        name="remove",
        by=by,
        expected_version=expected_version,
        note=removal_reason,
        updates=updates,
    )
    _library_item_remove(plan)
    notify(
        users=_business_unit(),
        subject=f"Removed from the library: {plan.title}",
        body=f"{plan.reference}: {plan.get_removal_kind_display()}.",
        url=plan_url(plan),
    )
    return plan


def plan_remove(
    *,
    plan: PublicationPlan,
    by: User | None,
    expected_version: int,
    removal_kind: str,
    removal_reason: str,
    now: datetime | None = None,
) -> PublicationPlan:
    """Take an item out of the library. Its catalogue entry stays, saying when and why it was
    removed (and, unless a court order or a risk to a child was the reason, how to get a copy);
    the file and text are no longer public.

    Before the minimum public period ends this happens only for a court order, a risk to a
    child or a family request that the partner lead named in a removal request has confirmed
    (services_removal.py): the business unit cannot remove it early on its own."""
    now = now or timezone.now()
    if by is not None:
        _require_manager(by)
    with transaction.atomic():
        return remove_in_transaction(
            plan,
            by=by,
            expected_version=expected_version,
            now=now,
            removal_kind=removal_kind,
            removal_reason=removal_reason,
        )


@transaction.atomic
def plan_schedule_removal(
    *,
    plan: PublicationPlan,
    by: User,
    expected_version: int,
    removal_planned_for: datetime,
    removal_kind: str,
    removal_reason: str,
) -> PublicationPlan:
    """Plan the removal for a set time; the task worker removes it then. The same rules as
    removing now apply, judged at the planned time: a removal planned for before the end of the
    minimum public period is asked for with `removal_request_create` instead."""
    _require_manager(by)
    if plan.status not in REMOVABLE_STATUSES:
        raise TransitionRefused("Only a published item can have its removal planned.")
    if removal_planned_for <= timezone.now():
        raise TransitionRefused("The removal date and time must be in the future")
    plan.removal_planned_for = removal_planned_for
    plan.removal_kind = removal_kind
    plan.removal_reason = (removal_reason or "").strip()
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
    fields = ["removal_planned_for", "removal_kind", "removal_reason"]
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
    """Cancel a planned removal. A confirmation given for it is withdrawn with it, so a later
    early removal needs confirming again."""
    _require_manager(by)
    if plan.status not in REMOVABLE_STATUSES or plan.removal_planned_for is None:
        raise TransitionRefused("No removal is planned.")
    plan.removal_planned_for = None
    plan.removal_approved_by = None
    save_versioned(
        plan,
        by=by,
        expected_version=expected_version,
        fields=["removal_planned_for", "removal_approved_by"],
    )
    withdrawn = RemovalRequest.objects.filter(plan=plan, status=RQ.CONFIRMED).update(
        status=RQ.WITHDRAWN, withdrawn_by=by, withdrawn_at=timezone.now()
    )
    record_event(
        action="publication.cancel_removal",
        actor=by,
        obj=plan,
        changes={"confirmations_withdrawn": [None, withdrawn]} if withdrawn else None,
    )


def plan_remove_due(*, now: datetime | None = None) -> dict[str, list[str]]:
    """Remove every published item whose planned removal time has come."""
    now = now or timezone.now()
    result: dict[str, list[str]] = {"removed": [], "failed": []}
    due = PublicationPlan.objects.filter(
        status__in=REMOVABLE_STATUSES, removal_planned_for__lte=now, archived_at__isnull=True
    )
    for plan in due:
        try:
            plan_remove(
                plan=plan,
                by=None,
                expected_version=plan.version,
                removal_kind=plan.removal_kind,
                removal_reason=plan.removal_reason,
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
    if plan.status not in (S.PUBLISHED, S.OFFLINE, S.REMOVED):
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


# --------------------------------------------------------------------------- daily


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
