"""Publication plan statuses and the moves between them, as data.

The conditions read the plan as it is at the moment of the move: the guard result must be for
the current content (its fingerprint), approvals count only if they were given to the current
content by people who are still approvers, and dates are compared with `as_of(plan)` — now,
unless the service that runs the move says otherwise (the task worker runs moves at a planned
time).
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime

from django.conf import settings
from django.utils import timezone

from sightline.core.clocks import get_calendar
from sightline.core.templatetags.govuk import govuk_datetime
from sightline.core.workflow import Problem, Transition, Workflow
from sightline.publishing import access, guard
from sightline.publishing.models import PublicationApproval, PublicationPlan, RemovalRequest

S = PublicationPlan.Status
K = PublicationPlan.Kind
R = PublicationPlan.RemovalKind

# Removal before the minimum public period ends needs one of these reasons, and the named
# partner lead's confirmation. Only a court order may take the item offline before that.
EARLY_REMOVAL_KINDS = (R.COURT_ORDER, R.RISK_TO_CHILD, R.FAMILY_REQUEST)
OFFLINE_KINDS = (R.COURT_ORDER,)
RQ = RemovalRequest.Status
# Kinds that go to the national Panel and the Secretary of State before publication.
ADVANCE_COPY_KINDS = (K.REVIEW,)


def as_of(plan) -> datetime:
    """The moment a move is judged at: now, unless a service set another (a planned time)."""
    return getattr(plan, "_as_of", None) or timezone.now()


def _day(moment: datetime) -> date:
    return timezone.localdate(moment)


# --------------------------------------------------------------------------- who


def _bu(user, plan) -> bool:
    return access.can_manage_plans(user)


def _system(user, plan) -> bool:
    return user is None


def _bu_or_system(user, plan) -> bool:
    return user is None or access.can_manage_plans(user)


def _remover(user, plan) -> bool:
    """The business unit, the task worker, or the partner lead named to confirm an early
    removal, whose confirmation makes the move."""
    if user is None or access.can_manage_plans(user):
        return True
    request = confirmed_removal_request(plan)
    return request is not None and request.approver_id == user.pk


def _bu_not_approver(user, plan) -> bool:
    """The business unit schedules; someone who approved the plan may not also schedule it."""
    if not access.can_manage_plans(user):
        return False
    return not PublicationApproval.objects.filter(
        plan=plan, approver_id=user.pk, withdrawn_at__isnull=True
    ).exists()


# --------------------------------------------------------------------------- rules


def approval_is_valid(approval: PublicationApproval, current: str) -> bool:
    """Given to the current content, not withdrawn, and the approver still approves for that
    agency (a revoked duty or role takes the approval with it)."""
    if approval.withdrawn_at is not None or approval.fingerprint != current:
        return False
    return approval.agency_id in access.approver_agency_ids(approval.approver)


def valid_approvals(plan) -> list[PublicationApproval]:
    current = guard.fingerprint(plan)
    approvals = PublicationApproval.objects.filter(plan=plan, withdrawn_at__isnull=True)
    return [
        a for a in approvals.select_related("approver", "agency") if approval_is_valid(a, current)
    ]


def approval_refusal(plan, user, agency=None) -> str | None:
    """Why `user` cannot approve the plan's current version now (for `agency`, or any agency
    they approve for), in words they can act on; None if they can."""
    agencies = access.approver_agency_ids(user)
    if not agencies:
        return "Only a publication approver at a safeguarding partner can approve publication."
    if agency is not None and agency.pk not in agencies:
        return f"You cannot approve for {agency}."
    if plan.status != S.AWAITING_APPROVAL:
        return (
            "It can only be approved while it is awaiting approval. It is "
            f"{S(plan.status).label.lower()}."
        )
    given = PublicationApproval.objects.filter(
        plan=plan, withdrawn_at__isnull=True, fingerprint=guard.fingerprint(plan)
    ).select_related("agency")
    mine = next((a for a in given if a.approver_id == user.pk), None)
    if mine is not None:
        return f"You approved this version on {govuk_datetime(mine.approved_at)}."
    taken = {a.agency_id: a.agency for a in given}
    wanted = {agency.pk} if agency is not None else set(agencies)
    if not wanted - set(taken):
        first = taken[min(wanted & set(taken))]
        return (
            f"An approver from {first} has already approved; the second approval must come "
            "from a different partner."
        )
    return guard_problem(plan)


def approvals_problem(plan) -> str | None:
    approvals = valid_approvals(plan)
    agencies = {a.agency_id for a in approvals}
    people = {a.approver_id for a in approvals}
    if len(agencies) >= 2 and len(people) >= 2:
        return None
    count = min(len(agencies), len(people))
    return (
        "Two approvals are needed, from approvers at two different safeguarding partners. "
        f"There {'is' if count == 1 else 'are'} {count} for the current version"
    )


def guard_is_current(plan) -> bool:
    return bool(plan.guard_checked_at) and plan.guard_fingerprint == guard.fingerprint(plan)


def guard_problem(plan) -> str | None:
    if not guard_is_current(plan):
        return "Run the publication guard on the current version"
    findings = plan.guard_findings or []
    if not findings:
        return None
    places = list(dict.fromkeys(f.get("where", "") for f in findings))
    return (
        f"The publication guard found {len(findings)} possible "
        f"identifier{'s' if len(findings) != 1 else ''} in the {', '.join(places)}. "
        "Remove them and run the guard again"
    )


def earliest_publication_date(plan) -> date | None:
    """The first day publication may be scheduled for: the configured number of working days
    after the later advance copy. None until both advance copies are recorded."""
    if not (plan.advance_copy_panel_date and plan.advance_copy_sos_date):
        return None
    later = max(plan.advance_copy_panel_date, plan.advance_copy_sos_date)
    return get_calendar().add_working_days(later, settings.SIGHTLINE_ADVANCE_COPY_WORKING_DAYS)


def needs_advance_copies(plan) -> bool:
    return plan.kind in ADVANCE_COPY_KINDS


def checklist_missing(plan) -> list[str]:
    missing = []
    if not plan.anonymisation_checked:
        missing.append("Confirm the anonymisation check is done")
    if not plan.legal_check_done:
        missing.append("Confirm reporting restrictions and criminal proceedings are checked")
    if guard.source_case(plan) is not None:
        if not plan.family_informed_date:
            missing.append("Enter the date the family was informed")
        if not plan.practitioners_briefed_date:
            missing.append("Enter the date practitioners were briefed")
    return missing


# --------------------------------------------------------------------------- conditions


def _has_content(plan) -> str | None:
    if plan.document_id or (plan.body or "").strip():
        return None
    return "Upload the file to publish or enter the text to publish"


def _checklist_complete(plan) -> str | None:
    missing = checklist_missing(plan)
    return ". ".join(missing) if missing else None


def _advance_copies_recorded(plan) -> str | None:
    if not needs_advance_copies(plan):
        return None
    if plan.advance_copy_panel_date and plan.advance_copy_sos_date:
        return None
    return (
        "Enter the dates the advance copies went to the national Panel and the Secretary of State"
    )


def _guard_clean(plan) -> str | None:
    return guard_problem(plan)


def _two_approvals(plan) -> str | None:
    return approvals_problem(plan)


def _after_advance_copies(plan) -> str | Problem | None:
    if not needs_advance_copies(plan) or plan.scheduled_for is None:
        return None
    earliest = earliest_publication_date(plan)
    if earliest is None:
        return _advance_copies_recorded(plan)
    if _day(plan.scheduled_for) < earliest:
        days = settings.SIGHTLINE_ADVANCE_COPY_WORKING_DAYS
        return Problem(
            f"Publication cannot be scheduled before {earliest.day} {earliest:%B %Y}, "
            f"{days} working days after the advance copies went to the national Panel and the "
            "Secretary of State",
            "scheduled_for",
        )
    return None


def _in_future(plan) -> Problem | None:
    if plan.scheduled_for is not None and plan.scheduled_for < as_of(plan):
        return Problem("The publication date and time must be in the future", "scheduled_for")
    return None


def removal_request_fingerprint(request: RemovalRequest) -> str:
    """A hash of exactly what was asked: the item, the reason and its details, when it was
    asked and for when, whether it went offline, who asked and who must confirm."""
    payload = json.dumps(
        [
            request.plan.reference,
            request.removal_kind,
            request.removal_reason,
            request.requested_at.isoformat() if request.requested_at else "",
            request.planned_for.isoformat() if request.planned_for else "",
            bool(request.offline),
            request.requested_by_id,
            request.approver_id,
        ],
        ensure_ascii=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def request_is_intact(request: RemovalRequest) -> bool:
    return bool(request.fingerprint) and request.fingerprint == removal_request_fingerprint(request)


def open_removal_request(plan) -> RemovalRequest | None:
    """The request waiting for its named partner lead, if any (there is at most one)."""
    return (
        RemovalRequest.objects.filter(plan=plan, status=RQ.PENDING)
        .select_related("approver", "requested_by", "plan")
        .first()
    )


def confirmed_removal_request(plan) -> RemovalRequest | None:
    """The confirmed request a removal may rely on: confirmed by its named partner lead for
    exactly what was asked, and not withdrawn since."""
    request = (
        RemovalRequest.objects.filter(plan=plan, status=RQ.CONFIRMED)
        .select_related("approver", "requested_by", "plan")
        .first()
    )
    if request is None or not request_is_intact(request):
        return None
    if request.decided_fingerprint != request.fingerprint:
        return None
    return request


def removal_decision_refusal(plan, user) -> str | None:
    """Why `user` cannot confirm or refuse the removal waiting on this plan, in words they can
    act on; None if they are the partner lead named to decide it."""
    request = open_removal_request(plan)
    if request is None:
        latest = (
            RemovalRequest.objects.filter(plan=plan).select_related("approver").first()
            if plan.pk
            else None
        )
        if latest is not None and latest.status == RQ.CONFIRMED:
            return (
                f"{latest.approver.full_name} confirmed its removal on "
                f"{govuk_datetime(latest.decided_at)}."
            )
        if latest is not None and latest.status == RQ.REFUSED:
            return (
                f"{latest.approver.full_name} did not confirm its removal, on "
                f"{govuk_datetime(latest.decided_at)}."
            )
        return "No removal of this publication is waiting for confirmation."
    name = request.approver.full_name
    if user.pk == request.requested_by_id:
        return (
            f"You asked for this removal, so you cannot confirm it yourself. {name} was asked "
            "to confirm it."
        )
    if user.pk != request.approver_id:
        return f"Only {name}, the partner lead asked to confirm this removal, can decide it."
    if not request_is_intact(request):
        return (
            "This request changed after it was made, so it cannot be confirmed. The business "
            "unit must ask again."
        )
    if not access.may_confirm_removal(user, request):
        return (
            "You are no longer a partner lead of a safeguarding partner other than the "
            "requester's, so you cannot decide this removal. The business unit can ask someone "
            "else."
        )
    return None


def is_early(plan, moment: datetime | None = None) -> bool:
    """Whether removing at `moment` (now, or the moment the move is judged at) is before the
    end of the minimum public period."""
    moment = moment or as_of(plan)
    return bool(plan.min_end_date) and _day(moment) < plan.min_end_date


def removal_problem(plan) -> str | None:
    if not is_early(plan):
        return None
    end = plan.min_end_date
    if plan.removal_kind not in EARLY_REMOVAL_KINDS:
        return (
            f"Until {end.day} {end:%B %Y} it can only be removed because of a court order, a "
            "risk to a child or a family request"
        )
    request = confirmed_removal_request(plan)
    if request is None:
        return (
            f"Until {end.day} {end:%B %Y} it can only be removed once the partner lead named to "
            "approve its removal has confirmed it"
        )
    if (request.removal_kind, request.removal_reason) != (plan.removal_kind, plan.removal_reason):
        return "The removal that was confirmed was for another reason. Ask for it to be confirmed"
    return None


def _offline_pending(plan) -> str | None:
    request = open_removal_request(plan)
    if request is None or not request.offline or request.removal_kind not in OFFLINE_KINDS:
        return (
            "Only an urgent court-order removal waiting for confirmation can take it offline "
            "at once"
        )
    return None


def _nothing_waiting(plan) -> str | None:
    request = open_removal_request(plan)
    if request is None:
        return None
    return (
        f"A removal is waiting for {request.approver.full_name} to confirm it. Withdraw that "
        "request first"
    )


PUBLICATION_WORKFLOW = Workflow(
    name="publication",
    status_field="status",
    states=S,
    initial=S.PREPARING,
    field_labels={
        "title": "title",
        "summary": "summary",
        "version_kind": "version to publish",
        "scheduled_for": "publication date and time",
        "removal_kind": "reason for removal",
        "removal_reason": "details of why it is removed",
        "withheld_reasons": "reasons for not publishing",
        "withheld_decision_makers": "who made the decision",
        "withheld_date": "date of the decision",
    },
    field_messages={
        "version_kind": "Select the version to publish",
        "scheduled_for": "Enter the publication date",
        "removal_kind": "Select why it is being removed",
        "withheld_decision_makers": "Enter who made the decision",
    },
    transitions=(
        Transition(
            name="submit",
            label="Submit for approval",
            sources=(S.PREPARING,),
            target=S.AWAITING_APPROVAL,
            allowed=_bu,
            who="business unit",
            required=("title", "summary", "version_kind"),
            conditions=(_has_content, _checklist_complete, _advance_copies_recorded, _guard_clean),
            condition_text="a file or text, the checklist, advance copies for a review, "
            "a clean guard result",
        ),
        Transition(
            name="return_for_changes",
            label="Return for changes",
            sources=(S.AWAITING_APPROVAL,),
            target=S.PREPARING,
            allowed=_bu,
            who="business unit",
            note_required=True,
            button_style="secondary",
        ),
        Transition(
            name="schedule",
            label="Schedule publication",
            sources=(S.AWAITING_APPROVAL,),
            target=S.SCHEDULED,
            allowed=_bu_not_approver,
            who="business unit, not an approver",
            required=("scheduled_for",),
            conditions=(_in_future, _guard_clean, _two_approvals, _after_advance_copies),
            condition_text="two approvals from different safeguarding partners, "
            "a clean guard result, the advance-copy period",
        ),
        Transition(
            name="unschedule",
            label="Cancel scheduled publication",
            sources=(S.SCHEDULED,),
            target=S.AWAITING_APPROVAL,
            allowed=_bu_or_system,
            who="business unit, or the task worker when a check fails",
            note_required=True,
            button_style="warning",
        ),
        Transition(
            name="publish",
            label="Publish",
            sources=(S.SCHEDULED,),
            target=S.PUBLISHED,
            allowed=_system,
            who="task worker at the scheduled time",
            conditions=(_guard_clean, _two_approvals),
            condition_text="the guard and the approvals checked again",
        ),
        Transition(
            name="take_offline",
            label="Take offline pending confirmation",
            sources=(S.PUBLISHED,),
            target=S.OFFLINE,
            allowed=_bu,
            who="business unit, for an urgent court order",
            conditions=(_offline_pending,),
            condition_text="an urgent court-order removal waiting for the named partner "
            "lead's confirmation",
            button_style="warning",
        ),
        Transition(
            name="restore",
            label="Put back in the library",
            sources=(S.OFFLINE,),
            target=S.PUBLISHED,
            allowed=_bu,
            who="business unit",
            note_required=True,
            conditions=(_nothing_waiting,),
            condition_text="no removal waiting for confirmation",
        ),
        Transition(
            name="remove",
            label="Remove from the library",
            sources=(S.PUBLISHED, S.OFFLINE),
            target=S.REMOVED,
            allowed=_remover,
            who="business unit, the named partner lead confirming an early removal, or the "
            "task worker at the planned time",
            required=("removal_kind", "removal_reason"),
            conditions=(removal_problem,),
            condition_text="a court order, risk or family request confirmed by the named "
            "partner lead if early",
            button_style="warning",
        ),
        Transition(
            name="withhold",
            label="Record decision not to publish",
            sources=(S.PREPARING, S.AWAITING_APPROVAL),
            target=S.WITHHELD,
            allowed=_bu,
            who="business unit",
            required=("withheld_reasons", "withheld_decision_makers", "withheld_date"),
            button_style="warning",
        ),
    ),
)

# Moves made on a page of their own (not the generic status form).
OWN_PAGE_TRANSITIONS = frozenset({"remove", "publish", "take_offline", "restore"})
