"""Removing an item before its minimum public period ends: asked for by the business unit,
confirmed or refused by the partner lead it names, as publishing approvals are given.

- `removal_request_create`: the business unit asks, naming a partner lead of a safeguarding
  partner other than its own agencies (`access.removal_approvers`). The item stays in the
  library, except for an urgent court order, which takes it offline at once (the `take_offline`
  move) pending the confirmation.
- `removal_request_confirm`: the named person, and only they, confirm exactly what was asked
  (the request's fingerprint). The removal then happens at once, or at the planned time.
- `removal_request_refuse`: they refuse, with their reason; the business unit is told and
  decides. An item taken offline stays offline until the business unit puts it back
  (`plan_restore`) or asks someone else to confirm its removal.
- `removal_request_withdraw`: the business unit withdraws a request still waiting.

Nothing is lost while an item is offline: the plan keeps its published file and text, and
putting it back rebuilds the catalogue entry from them.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from sightline.accounts.models import User
from sightline.core.events import record_event
from sightline.core.notifications import notify
from sightline.core.templatetags.govuk import govuk_datetime
from sightline.core.versioning import save_versioned
from sightline.core.workflow import TransitionRefused, transition
from sightline.publishing import access
from sightline.publishing.models import PublicationPlan, RemovalRequest
from sightline.publishing.services import _business_unit, _day_text, _enqueue_at, _require_manager
from sightline.publishing.services_publish import (
    REMOVABLE_STATUSES,
    library_item_offline,
    library_item_restore,
    remove_in_transaction,
)
from sightline.publishing.workflow import (
    EARLY_REMOVAL_KINDS,
    OFFLINE_KINDS,
    PUBLICATION_WORKFLOW,
    confirmed_removal_request,
    is_early,
    open_removal_request,
    removal_decision_refusal,
    removal_request_fingerprint,
)

S = PublicationPlan.Status
RQ = RemovalRequest.Status


def removal_url(plan: PublicationPlan) -> str:
    return reverse("publishing:removal", args=[plan.reference])


def _plan_url(plan: PublicationPlan) -> str:
    return reverse("publishing:detail", args=[plan.reference])


def _lock(plan: PublicationPlan) -> None:
    PublicationPlan.objects.select_for_update().filter(pk=plan.pk).first()
    plan.refresh_from_db()


def _request_problems(
    plan: PublicationPlan,
    *,
    by: User,
    removal_kind: str,
    reason: str,
    approver: User | None,
    planned_for: datetime | None,
    offline: bool,
    now: datetime,
) -> list[str]:
    problems = []
    if not reason:
        problems.append("Enter the details of why it is being removed")
    if not is_early(plan, planned_for or now):
        end = plan.min_end_date
        problems.append(
            f"Its minimum public period ends on {_day_text(end)}, so from then it can be "
            "removed without a partner lead's confirmation"
            if end
            else "It can be removed without a partner lead's confirmation"
        )
    elif removal_kind not in EARLY_REMOVAL_KINDS:
        problems.append(
            f"Until {_day_text(plan.min_end_date)} it can only be removed because of a court "
            "order, a risk to a child or a family request"
        )
    if approver is None:
        problems.append("Select the partner lead who must confirm the removal")
    elif approver.pk == by.pk:
        problems.append("Someone other than you must confirm the removal")
    elif not access.removal_approvers(by).filter(pk=approver.pk).exists():
        problems.append(
            "The person who confirms the removal must be a partner lead of a safeguarding "
            "partner other than your own"
        )
    if planned_for is not None and planned_for <= now:
        problems.append("The removal date and time must be in the future")
    if offline and removal_kind not in OFFLINE_KINDS:
        problems.append("Only a court order can take it offline before the removal is confirmed")
    elif offline and planned_for is not None:
        problems.append("An urgent court order takes it offline now, so it cannot be planned")
    return problems


def removal_request_create(
    *,
    plan: PublicationPlan,
    by: User,
    expected_version: int,
    removal_kind: str,
    removal_reason: str,
    approver: User | None,
    planned_for: datetime | None = None,
    offline: bool = False,
    now: datetime | None = None,
) -> RemovalRequest:
    """Ask the named partner lead to confirm removing the item early (now, or at
    `planned_for`). With `offline`, an urgent court order takes the item offline at once."""
    now = now or timezone.now()
    _require_manager(by)
    reason = (removal_reason or "").strip()
    with transaction.atomic():
        _lock(plan)
        if plan.status not in REMOVABLE_STATUSES:
            raise TransitionRefused(
                "Only an item in the library, or taken offline, can be removed."
            )
        waiting = open_removal_request(plan)
        if waiting is not None:
            raise TransitionRefused(
                f"A removal is already waiting for {waiting.approver.full_name} to confirm it. "
                "Withdraw that request first."
            )
        if confirmed_removal_request(plan) is not None and plan.removal_planned_for:
            raise TransitionRefused(
                "A confirmed removal is already planned. Cancel the planned removal first."
            )
        problems = _request_problems(
            plan,
            by=by,
            removal_kind=removal_kind,
            reason=reason,
            approver=approver,
            planned_for=planned_for,
            offline=offline,
            now=now,
        )
        if problems:
            raise TransitionRefused(problems)
        request = RemovalRequest(
            plan=plan,
            removal_kind=removal_kind,
            removal_reason=reason,
            planned_for=planned_for,
            offline=offline and plan.status == S.PUBLISHED,
            requested_by=by,
            requested_at=now,
            approver=approver,
        )
        request.fingerprint = removal_request_fingerprint(request)
        request.full_clean()
        request.save()
        # The plan's version moves on, so a removal form opened before this is refused.
        save_versioned(plan, by=by, expected_version=expected_version, fields=[])
        record_event(
            action="publication.removal_request",
            actor=by,
            obj=plan,
            changes={
                "removal_kind": [None, removal_kind],
                "approver": [None, approver.pk],
                "planned_for": [None, planned_for.isoformat() if planned_for else None],
                "offline": [None, request.offline],
                "fingerprint": [None, request.fingerprint],
            },
            reason=reason,
        )
        if request.offline:
            transition(
                PUBLICATION_WORKFLOW,
                plan,
                name="take_offline",
                by=by,
                expected_version=plan.version,
                note=f"Taken offline pending confirmation by {approver.full_name}",
            )
            library_item_offline(plan, now=now)
        what = plan.get_status_display().lower() if plan.status == S.OFFLINE else "in the library"
        notify(
            users=[approver],
            subject=f"Confirm or refuse the removal of {plan.reference} from the library",
            body=(
                f"{by.full_name} asks you to confirm removing {plan.title} before the end of "
                f"its minimum public period: {request.get_removal_kind_display().lower()}. "
                f"Until you decide it stays {what}."
            ),
            url=removal_url(plan),
        )
    return request


def _decide(plan: PublicationPlan, by: User, fingerprint_seen: str) -> RemovalRequest:
    problem = removal_decision_refusal(plan, by)
    if problem:
        raise TransitionRefused(problem)
    request = open_removal_request(plan)
    if fingerprint_seen != request.fingerprint:
        raise TransitionRefused(
            "The request changed while you were reading it. Read it again before you decide."
        )
    return request


def removal_request_confirm(
    *, plan: PublicationPlan, by: User, fingerprint_seen: str, now: datetime | None = None
) -> RemovalRequest:
    """The named partner lead confirms exactly what was asked: the item is removed now, or
    at the planned time by the task worker."""
    now = now or timezone.now()
    with transaction.atomic():
        _lock(plan)
        request = _decide(plan, by, fingerprint_seen)
        request.status = RQ.CONFIRMED
        request.decided_at = now
        request.decided_fingerprint = request.fingerprint
        request.save(update_fields=["status", "decided_at", "decided_fingerprint"])
        record_event(
            action="publication.removal_confirm",
            actor=by,
            obj=plan,
            changes={"request": [None, request.pk], "fingerprint": [None, request.fingerprint]},
            reason=request.removal_reason,
        )
        if request.planned_for and request.planned_for > now:
            plan.removal_kind = request.removal_kind
            plan.removal_reason = request.removal_reason
            plan.removal_planned_for = request.planned_for
            plan.removal_approved_by = by
            save_versioned(
                plan,
                by=by,
                expected_version=plan.version,
                fields=[
                    "removal_kind",
                    "removal_reason",
                    "removal_planned_for",
                    "removal_approved_by",
                ],
            )
            _enqueue_at(request.planned_for)
            outcome = f"It will be removed on {govuk_datetime(request.planned_for)}."
        else:
            remove_in_transaction(
                plan,
                by=by,
                expected_version=plan.version,
                now=now,
                removal_kind=request.removal_kind,
                removal_reason=request.removal_reason,
                approved_by=by,
            )
            outcome = "It has been removed from the library; its catalogue entry says why."
        notify(
            users=[request.requested_by, *_business_unit()],
            subject=f"{by.full_name} confirmed the removal of {plan.reference}",
            body=outcome,
            url=_plan_url(plan),
        )
    return request


def removal_request_refuse(
    *,
    plan: PublicationPlan,
    by: User,
    fingerprint_seen: str,
    reason: str,
    now: datetime | None = None,
) -> RemovalRequest:
    """The named partner lead does not confirm the removal, saying why. The business unit is
    told and decides; an item taken offline stays offline until it does."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    with transaction.atomic():
        _lock(plan)
        request = _decide(plan, by, fingerprint_seen)
        if not reason:
            raise TransitionRefused("Enter why you do not confirm the removal")
        request.status = RQ.REFUSED
        request.decided_at = now
        request.decided_fingerprint = request.fingerprint
        request.decision_note = reason
        request.save(update_fields=["status", "decided_at", "decided_fingerprint", "decision_note"])
        record_event(
            action="publication.removal_refuse",
            actor=by,
            obj=plan,
            changes={"request": [None, request.pk]},
            reason=reason,
        )
        if plan.status == S.OFFLINE:
            then = (
                "It is still offline. Decide whether to put it back in the library or to ask "
                "another partner lead to confirm its removal."
            )
        else:
            then = "It stays in the library."
        notify(
            users=[request.requested_by, *_business_unit()],
            subject=f"{by.full_name} did not confirm the removal of {plan.reference}",
            body=f"{reason}\n\n{then}",
            url=_plan_url(plan),
        )
    return request


def removal_request_withdraw(*, plan: PublicationPlan, by: User) -> RemovalRequest:
    """The business unit withdraws a request that is still waiting. An item taken offline
    stays offline until the business unit puts it back or asks again."""
    _require_manager(by)
    with transaction.atomic():
        _lock(plan)
        request = open_removal_request(plan)
        if request is None:
            raise TransitionRefused("No removal is waiting for confirmation.")
        request.status = RQ.WITHDRAWN
        request.withdrawn_by = by
        request.withdrawn_at = timezone.now()
        request.save(update_fields=["status", "withdrawn_by", "withdrawn_at"])
        record_event(
            action="publication.removal_withdraw",
            actor=by,
            obj=plan,
            changes={"request": [None, request.pk]},
        )
        notify(
            users=[request.approver],
            subject=f"The removal of {plan.reference} no longer needs your confirmation",
            body=f"{by.full_name} withdrew the request.",
            url=_plan_url(plan),
        )
    return request


def plan_restore(
    *, plan: PublicationPlan, by: User, expected_version: int, note: str
) -> PublicationPlan:
    """Put an item taken offline back in the library, exactly as it was published."""
    _require_manager(by)
    with transaction.atomic():
        transition(
            PUBLICATION_WORKFLOW,
            plan,
            name="restore",
            by=by,
            expected_version=expected_version,
            note=(note or "").strip(),
        )
        library_item_restore(plan)
        notify(
            users=_business_unit(),
            subject=f"Back in the library: {plan.title}",
            body=f"{plan.reference} is public again. {note}".strip(),
            url=_plan_url(plan),
        )
    return plan
