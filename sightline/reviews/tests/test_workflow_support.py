"""The table of workflow moves shared by the case workflow tests (no tests here).

N, R, L                   the notification, rapid review and local review workflows
MOVES, MOVE_IDS           every move of the three workflows: the point a case must reach,
                          what to fill in first and who may make it (Move)
ROLES, NOTE               the people tried for each move, and a note for moves that need one
record_of(case, workflow) the case's notification, rapid review or local review
notification_fields(case, name), perform(p, move, obj, user), ready(p, move),
user_for(p, role, case)   drive a move through the services as the views call them"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from sightline.core.clocks import today
from sightline.core.workflow import Workflow
from sightline.reviews import services, services_local
from sightline.reviews.models import (
    Case,
    IncidentNotification,
    LocalReview,
    PartnerSignOff,
    RapidReview,
)
from sightline.reviews.tests.conftest import Partnership, advance_case, pdf_upload, reviewer_for
from sightline.reviews.workflow import (
    LOCAL_REVIEW_WORKFLOW,
    NOTIFICATION_WORKFLOW,
    RAPID_REVIEW_WORKFLOW,
)

N, R, L = NOTIFICATION_WORKFLOW, RAPID_REVIEW_WORKFLOW, LOCAL_REVIEW_WORKFLOW

ROLES = (
    "business unit",
    "notifier",
    "partner lead",
    "council agency lead",
    "agency lead",
    "practitioner",
    "scrutineer",
    "system admin",
    "reviewer",
    "uninvolved agency lead",
)
NOTE = "Returned for more analysis of the police contact in September."


# --------------------------------------------------------------------------- the moves


def _nothing(p: Partnership, case: Case) -> None:
    pass


def _rr_fill(**fields) -> Callable[[Partnership, Case], None]:
    def fill(p: Partnership, case: Case) -> None:
        rr = RapidReview.objects.get(case=case)
        services.rapid_review_update(rr=rr, by=p.bu, expected_version=rr.version, **fields)

    return fill


def _lr_fill(**fields) -> Callable[[Partnership, Case], None]:
    def fill(p: Partnership, case: Case) -> None:
        lr = LocalReview.objects.get(case=case)
        services_local.local_review_update(
            review=lr, by=p.bu, expected_version=lr.version, **fields
        )

    return fill


def _sign_all(stage: str) -> Callable[[Partnership, Case], None]:
    def sign(p: Partnership, case: Case) -> None:
        for key in p.partner_keys:
            services.partner_sign_off(
                case=case, by=p.partner_leads[key], stage=stage, agency=p.agency(key)
            )

    return sign


def _both(*steps) -> Callable[[Partnership, Case], None]:
    def run(p: Partnership, case: Case) -> None:
        for step in steps:
            step(p, case)

    return run


def _appoint_reviewer(p: Partnership, case: Case) -> None:
    services.reviewer_appoint(
        case=case,
        by=p.bu,
        email="helen.marsh@reviews.example.org",
        full_name="Helen Marsh",
        agency=p.reviewers,
        access_ends_on=today() + timedelta(days=270),
    )


def _upload_draft(p: Partnership, case: Case) -> None:
    services_local.draft_add(
        review=LocalReview.objects.get(case=case),
        by=reviewer_for(case),
        label="First draft",
        received_on=today(),
        uploaded_file=pdf_upload(),
    )


def _respond(p: Partnership, case: Case) -> None:
    _rr_fill(panel_response_date=date(2027, 1, 11), panel_response="Agree with a local review.")(
        p, case
    )
    rr = RapidReview.objects.get(case=case)
    services.rapid_review_transition(
        rr=rr, by=p.bu, name="record_panel_response", expected_version=rr.version
    )


@dataclass(frozen=True)
class Move:
    """One transition: the point a case is advanced to so its record is in the source state,
    what is filled in first, and who may make it."""

    workflow: Workflow
    name: str
    before: str
    prepare: Callable[[Partnership, Case], None] = _nothing
    allowed: tuple[str, ...] = ("business unit",)
    label: str = ""

    @property
    def id(self) -> str:
        return self.label or self.name

    @property
    def transition(self):
        return self.workflow.get(self.name)


MOVES = [
    Move(N, "notify", "concern", allowed=("business unit", "notifier")),
    Move(N, "not_notify", "concern", allowed=("business unit", "notifier")),
    Move(R, "request_returns", "notified"),
    Move(
        R,
        "record_meeting",
        "returns_submitted",
        _rr_fill(
            meeting_date=date(2026, 12, 10),
            attendees="Partners and agency leads",
            facts="Fractured femur at 11 weeks.",
            immediate_actions="Sibling protected.",
            family_context="Mother is a care leaver.",
        ),
    ),
    Move(
        R,
        "recommend",
        "meeting_held",
        _rr_fill(recommendation="local_review", recommendation_reasons="Criteria (a) and (c) met."),
    ),
    Move(R, "complete_sign_off", "recommended", _sign_all(PartnerSignOff.Stage.RAPID_REVIEW)),
    Move(R, "reopen_sign_off", "signed_off"),
    Move(R, "send_to_panel", "signed_off", _rr_fill(sent_to_panel_date=date(2026, 12, 18))),
    Move(
        R,
        "record_panel_response",
        "sent_to_panel",
        _rr_fill(
            panel_response_date=date(2027, 1, 11), panel_response="Agree with a local review."
        ),
    ),
    Move(
        R,
        "decide",
        "sent_to_panel",
        _rr_fill(
            decision="lcspr", decision_date=date(2027, 1, 12), decision_reasons="Criteria met."
        ),
        label="decide_after_sending",
    ),
    Move(
        R,
        "decide",
        "sent_to_panel",
        _both(
            _respond,
            _rr_fill(
                decision="national",
                decision_date=date(2027, 1, 12),
                decision_reasons="Panel leads.",
            ),
        ),
        label="decide_after_the_panel_response",
    ),
    Move(L, "confirm_reviewer", "decided_lcspr", _appoint_reviewer),
    Move(
        L,
        "agree_tor",
        "reviewer_appointed",
        _lr_fill(
            terms_of_reference="From booking to the incident.", methodology="Systems approach."
        ),
    ),
    Move(L, "start_evidence", "tor_agreed", allowed=("business unit", "reviewer")),
    Move(L, "submit_draft", "evidence", _upload_draft, allowed=("business unit", "reviewer")),
    Move(L, "start_qa", "draft"),
    Move(L, "return_to_draft", "partner_qa"),
    Move(
        L,
        "agree_final",
        "partner_qa",
        _both(
            _sign_all(PartnerSignOff.Stage.FINAL_REPORT),
            _lr_fill(final_agreed_date=date(2027, 6, 30)),
        ),
    ),
    Move(L, "ready_for_publication", "final_agreed"),
    Move(L, "close", "ready_for_publication"),
]
MOVE_IDS = [m.id for m in MOVES]


def record_of(case: Case, workflow: Workflow):
    model = {N.name: IncidentNotification, R.name: RapidReview, L.name: LocalReview}[workflow.name]
    return model.objects.get(case=case)


def notification_fields(case: Case, name: str) -> dict:
    if name == "notify":
        sent = case.aware_date + timedelta(days=1)
        return {
            "abuse_or_neglect": True,
            "death_or_serious_harm": True,
            "looked_after_child": False,
            "decision_date": sent,
            "sent_date": sent,
            "panel_reference": "SIN-2026-00417",
            "partners_informed_date": sent,
            "partnership_copy_date": sent,
        }
    return {
        "abuse_or_neglect": False,
        "death_or_serious_harm": True,
        "looked_after_child": False,
        "decision_date": case.aware_date,
        "not_notified_reasons": "Accidental fall witnessed at nursery.",
    }


def perform(p: Partnership, move: Move, obj, user, *, note: str = NOTE, fields=None):
    """Make the move through its service, as the page would."""
    workflow = move.workflow
    if workflow is N:
        return services.notification_decide(
            notification=obj,
            by=user,
            name=move.name,
            expected_version=obj.version,
            fields=notification_fields(obj.case, move.name) if fields is None else fields,
        )
    if workflow is R and move.name == "request_returns":
        due = obj.start_date + timedelta(days=10) if fields is None else fields["due_date"]
        return services.rapid_review_request_returns(
            rr=obj,
            by=user,
            expected_version=obj.version,
            agencies=[p.police, p.school],
            due_date=due,
        )
    if workflow is R:
        return services.rapid_review_transition(
            rr=obj, by=user, name=move.name, expected_version=obj.version, note=note
        )
    return services_local.local_review_transition(
        review=obj, by=user, name=move.name, expected_version=obj.version, note=note
    )


def ready(p: Partnership, move: Move) -> Case:
    """A case whose record is in the move's source state with everything filled in."""
    case = advance_case(p, move.before)
    move.prepare(p, case)
    return Case.objects.get(pk=case.pk)


def user_for(p: Partnership, role: str, case: Case):
    if role == "reviewer":
        reviewer = reviewer_for(case)
        if reviewer is None:  # someone named on the case as its reviewer
            _appoint_reviewer(p, case)
            reviewer = reviewer_for(case)
        return reviewer
    return {
        "business unit": p.bu,
        "notifier": p.notifier,
        "partner lead": p.partner_leads["council"],
        "council agency lead": p.agency_leads["council"],
        "agency lead": p.agency_leads["trust"],
        "practitioner": p.practitioner,
        "scrutineer": p.scrutineer,
        "system admin": p.admin,
        "uninvolved agency lead": p.outsider,
    }[role]
