"""The three case workflows (notification, rapid review, local review), transition by
transition: who may make each move, from which states, with which fields and conditions.

Every move goes through the services, as the views call them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from sightline.actions.models import ActionStatus
from sightline.actions.services import action_plan_create, action_transition
from sightline.core.clocks import today
from sightline.core.workflow import TransitionRefused, Workflow
from sightline.reviews import services, services_local
from sightline.reviews.models import (
    AgencyReturn,
    Case,
    CaseStage,
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

pytestmark = pytest.mark.django_db

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


def test_the_table_covers_every_transition_of_the_three_workflows():
    for workflow in (N, R, L):
        covered = {m.name for m in MOVES if m.workflow is workflow}
        assert covered == {t.name for t in workflow.transitions}
        for t in workflow.transitions:
            sources = {m.before for m in MOVES if m.workflow is workflow and m.name == t.name}
            assert len(sources) >= 1


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


# --------------------------------------------------------------------------- allowed


@pytest.mark.parametrize(
    ("move", "role"),
    [pytest.param(m, role, id=f"{m.id}-{role}") for m in MOVES for role in m.allowed],
)
def test_each_transition_is_allowed_for_the_right_user_from_the_right_state(
    partnership, move, role
):
    case = ready(partnership, move)
    record = record_of(case, move.workflow)
    assert record.status in move.transition.sources

    perform(partnership, move, record, user_for(partnership, role, case))

    record = record_of(case, move.workflow)
    assert record.status == move.transition.target
    assert record.version > 1
    assert record.updated_by == user_for(partnership, role, case)


# --------------------------------------------------------------------------- wrong state


@pytest.mark.parametrize("move", MOVES, ids=MOVE_IDS)
def test_each_transition_is_refused_from_every_other_state(partnership, move):
    case = ready(partnership, move)
    user = user_for(partnership, move.allowed[0], case)
    t = move.transition
    others = [s for s in move.workflow.states if s not in t.sources]
    assert others

    for state in others:
        record = record_of(case, move.workflow)
        record.status = state
        with pytest.raises(TransitionRefused) as refused:
            perform(partnership, move, record, user)
        assert refused.value.messages == [
            f"“{t.label}” is not possible while the status is {state.label}."
        ], state
    assert record_of(case, move.workflow).status in t.sources


# --------------------------------------------------------------------------- wrong person


# Moves whose service refuses anyone but the business unit before the workflow is consulted.
BUSINESS_UNIT_ONLY = {"request_returns"}


@pytest.mark.parametrize("move", MOVES, ids=MOVE_IDS)
def test_each_transition_is_refused_for_every_other_role(partnership, move):
    case = ready(partnership, move)
    t = move.transition
    version = record_of(case, move.workflow).version
    if move.name in BUSINESS_UNIT_ONLY:
        wanted = ["Only the business unit can do that."]
    else:
        wanted = [f"You cannot “{t.label.lower()}” here."]

    for role in (r for r in ROLES if r not in move.allowed):
        record = record_of(case, move.workflow)
        with pytest.raises(TransitionRefused) as refused:
            perform(partnership, move, record, user_for(partnership, role, case))
        assert refused.value.messages == wanted, role

    record = record_of(case, move.workflow)
    assert record.status in t.sources
    assert record.version == version


# --------------------------------------------------------------------------- missing fields


MISSING = {
    "notify": [
        "Enter the answer on abuse or neglect",
        "Enter the answer on death or serious harm",
        "Enter the answer on whether the child was looked after",
        "Enter the decision date",
        "Enter the date the notification was sent",
        "Enter the Panel reference",
        "Enter the date the safeguarding partners were informed",
        "Enter the date the copy went to the partnership office",
    ],
    "not_notify": [
        "Enter the answer on abuse or neglect",
        "Enter the answer on death or serious harm",
        "Enter the answer on whether the child was looked after",
        "Enter the decision date",
        "Enter the reasons for not notifying",
    ],
    "request_returns": ["Enter the date returns are due"],
    "record_meeting": [
        "Enter the meeting date",
        "Enter the attendees",
        "Enter the facts",
        "Enter the immediate safety actions",
        "Enter the family context",
    ],
    "recommend": ["Enter the recommendation", "Enter the reasons for the recommendation"],
    "send_to_panel": ["Enter the date sent to the Panel"],
    "record_panel_response": [
        "Enter the date of the Panel's response",
        "Enter the Panel's response",
    ],
    "decide_after_sending": [
        "Enter the decision",
        "Enter the decision date",
        "Enter the reasons for the decision",
    ],
    "agree_tor": ["Enter the terms of reference", "Enter the methodology"],
    "agree_final": ["Enter the date the final report was agreed"],
}


def test_every_transition_with_required_fields_is_covered():
    with_fields = {t.name for w in (N, R, L) for t in w.transitions if t.required}
    assert with_fields == {m.name for m in MOVES if m.id in MISSING}


@pytest.mark.parametrize("move", [m for m in MOVES if m.id in MISSING], ids=lambda m: m.id)
def test_each_transition_is_refused_when_required_fields_are_missing(partnership, move):
    p = partnership
    case = advance_case(p, move.before)
    if move.name == "agree_final":
        _sign_all(PartnerSignOff.Stage.FINAL_REPORT)(p, case)
    record = record_of(case, move.workflow)
    blank = {"fields": {}} if move.workflow is N else {"fields": {"due_date": None}}

    with pytest.raises(TransitionRefused) as refused:
        perform(p, move, record, user_for(p, move.allowed[0], case), **blank)

    # The Panel is a proper noun; compare without regard to case.
    assert [m.casefold() for m in refused.value.messages] == [
        m.casefold() for m in MISSING[move.id]
    ]
    assert record_of(case, move.workflow).status in move.transition.sources


def test_returning_to_the_reviewer_needs_a_note(partnership):
    p = partnership
    case = advance_case(p, "partner_qa")
    review = record_of(case, L)
    with pytest.raises(TransitionRefused) as refused:
        services_local.local_review_transition(
            review=review,
            by=p.bu,
            name="return_to_draft",
            expected_version=review.version,
            note="  ",
        )
    assert refused.value.messages == ["Enter a note explaining the change"]

    services_local.local_review_transition(
        review=record_of(case, L),
        by=p.bu,
        name="return_to_draft",
        expected_version=record_of(case, L).version,
        note=NOTE,
    )
    assert record_of(case, L).status == LocalReview.Status.DRAFT


# --------------------------------------------------------------------------- conditions


def _move(p, case, name, by=None, workflow=R):
    record = record_of(case, workflow)
    if workflow is R:
        return services.rapid_review_transition(
            rr=record, by=by or p.bu, name=name, expected_version=record.version
        )
    return services_local.local_review_transition(
        review=record, by=by or p.bu, name=name, expected_version=record.version
    )


def test_the_meeting_is_refused_until_every_return_is_submitted(partnership):
    p = partnership
    case = advance_case(p, "returns_requested", return_agencies=["police", "school"])
    _rr_fill(
        meeting_date=date(2026, 12, 10),
        attendees="Partners",
        facts="Facts.",
        immediate_actions="Actions.",
        family_context="Context.",
    )(p, case)
    police = AgencyReturn.objects.get(rapid_review__case=case, agency=p.police)
    services.agency_return_save(
        ret=police,
        by=p.agency_leads["police"],
        expected_version=police.version,
        submit=True,
        involvement="Call-out.",
        key_practice_episodes="Risk graded.",
    )
    school = AgencyReturn.objects.get(rapid_review__case=case, agency=p.school)
    services.agency_return_save(
        ret=school,
        by=p.agency_leads["school"],
        expected_version=school.version,
        submit=False,
        involvement="Sibling attends.",
    )

    with pytest.raises(TransitionRefused) as refused:
        _move(p, case, "record_meeting")
    assert refused.value.messages == ["Returns are still awaited from Larkspur Primary School"]

    school.refresh_from_db()
    services.agency_return_save(
        ret=school,
        by=p.agency_leads["school"],
        expected_version=school.version,
        submit=True,
        key_practice_episodes="Disclosure logged, not referred.",
    )
    _move(p, case, "record_meeting")
    assert record_of(case, R).status == RapidReview.Status.MEETING_HELD


def test_confirming_sign_off_is_refused_until_all_three_partners_have_signed(partnership):
    p = partnership
    case = advance_case(p, "recommended")
    for key in ("council", "icb"):
        services.partner_sign_off(
            case=case,
            by=p.partner_leads[key],
            stage=PartnerSignOff.Stage.RAPID_REVIEW,
            agency=p.agency(key),
        )

    with pytest.raises(TransitionRefused) as refused:
        _move(p, case, "complete_sign_off")
    assert refused.value.messages == ["Sign-off is still needed from Northvale Police"]

    services.partner_sign_off(
        case=case,
        by=p.partner_leads["police"],
        stage=PartnerSignOff.Stage.RAPID_REVIEW,
        agency=p.police,
    )
    _move(p, case, "complete_sign_off")
    assert record_of(case, R).status == RapidReview.Status.SIGNED_OFF


def test_confirming_sign_off_names_every_missing_partner(partnership):
    p = partnership
    case = advance_case(p, "recommended")
    with pytest.raises(TransitionRefused) as refused:
        _move(p, case, "complete_sign_off")
    assert refused.value.messages == [
        "Sign-off is still needed from NHS Northvale Integrated Care Board, Northvale Council, "
        "Northvale Police"
    ]


def test_final_report_sign_offs_do_not_count_for_the_rapid_review(partnership):
    p = partnership
    everyone = (
        "Sign-off is still needed from NHS Northvale Integrated Care Board, Northvale Council, "
        "Northvale Police"
    )
    # While the rapid review awaits sign-off there is no report to quality assure.
    case = advance_case(p, "recommended")
    with pytest.raises(TransitionRefused) as refused:
        _sign_all(PartnerSignOff.Stage.FINAL_REPORT)(p, case)
    assert refused.value.messages == ["The report is not with the partners for quality assurance."]
    assert not PartnerSignOff.objects.filter(case=case).exists()
    with pytest.raises(TransitionRefused) as refused:
        _move(p, case, "complete_sign_off")
    assert refused.value.messages == [everyone]

    # With the report at partner quality assurance the partners sign the final report; without
    # their rapid review sign-offs, the rapid review would still be missing all three.
    later = advance_case(p, "partner_qa", pseudonym="Child B")
    PartnerSignOff.objects.filter(case=later, stage=PartnerSignOff.Stage.RAPID_REVIEW).delete()
    _sign_all(PartnerSignOff.Stage.FINAL_REPORT)(p, later)
    assert PartnerSignOff.objects.filter(case=later).count() == 3
    rr = record_of(later, R)
    rr.status = RapidReview.Status.RECOMMENDATION_MADE
    with pytest.raises(TransitionRefused) as refused:
        services.rapid_review_transition(
            rr=rr, by=p.bu, name="complete_sign_off", expected_version=rr.version
        )
    assert refused.value.messages == [everyone]
    assert record_of(later, R).status == RapidReview.Status.DECIDED


def test_confirming_the_reviewer_is_refused_until_one_is_appointed(partnership):
    p = partnership
    case = advance_case(p, "decided_lcspr")
    with pytest.raises(TransitionRefused) as refused:
        _move(p, case, "confirm_reviewer", workflow=L)
    assert refused.value.messages == ["Appoint an independent reviewer first"]


def test_submitting_the_draft_is_refused_without_a_draft(partnership):
    p = partnership
    case = advance_case(p, "evidence")
    with pytest.raises(TransitionRefused) as refused:
        _move(p, case, "submit_draft", by=reviewer_for(case), workflow=L)
    assert refused.value.messages == ["Upload a draft report first"]

    _upload_draft(p, case)
    _move(p, case, "submit_draft", by=reviewer_for(case), workflow=L)
    assert record_of(case, L).status == LocalReview.Status.DRAFT


def test_agreeing_the_final_report_is_refused_without_three_quality_assurance_sign_offs(
    partnership,
):
    p = partnership
    case = advance_case(p, "partner_qa")
    _lr_fill(final_agreed_date=date(2027, 6, 30))(p, case)
    # All three signed off the rapid review earlier; that stage does not count here.
    assert PartnerSignOff.objects.filter(case=case, stage="rapid_review").count() == 3
    services.partner_sign_off(
        case=case,
        by=p.partner_leads["council"],
        stage=PartnerSignOff.Stage.FINAL_REPORT,
        agency=p.council,
    )

    with pytest.raises(TransitionRefused) as refused:
        _move(p, case, "agree_final", workflow=L)
    assert refused.value.messages == [
        "Quality assurance sign-off is still needed from NHS Northvale Integrated Care Board, "
        "Northvale Police"
    ]

    for key in ("icb", "police"):
        services.partner_sign_off(
            case=case,
            by=p.partner_leads[key],
            stage=PartnerSignOff.Stage.FINAL_REPORT,
            agency=p.agency(key),
        )
    _move(p, case, "agree_final", workflow=L)
    assert record_of(case, L).status == LocalReview.Status.FINAL_AGREED


def _action(p, case, number: int):
    rec = services_local.recommendation_add(
        case=case, by=p.bu, text=f"Recommendation text {number}."
    )
    return services_local.recommendation_action_add(
        recommendation=rec,
        by=p.bu,
        description=f"Action {number}.",
        expected_change="Bruising in non-mobile babies is always referred.",
        owner_agency=p.trust,
        due_date=today() + timedelta(days=60),
    )


def test_closing_the_review_is_refused_while_an_action_is_open(partnership):
    p = partnership
    case = advance_case(p, "ready_for_publication")
    first, second = _action(p, case, 1), _action(p, case, 2)
    action_transition(action=first, by=p.bu, name="start", expected_version=first.version)

    with pytest.raises(TransitionRefused) as refused:
        _move(p, case, "close", workflow=L)
    (message,) = refused.value.messages
    assert message.startswith("These actions must be complete or carried into another plan")
    assert first.reference in message
    assert second.reference in message
    assert Case.objects.get(pk=case.pk).stage == CaseStage.READY_FOR_PUBLICATION


def test_closing_the_review_is_allowed_once_actions_are_signed_off_or_carried_forward(
    partnership,
):
    p = partnership
    case = advance_case(p, "ready_for_publication")
    first, second = _action(p, case, 1), _action(p, case, 2)
    action_transition(
        action=first,
        by=p.bu,
        name="complete",
        expected_version=first.version,
        impact_statement="Audit in May: all 14 bruises in non-mobile babies referred.",
    )
    action_transition(action=first, by=p.bu, name="sign_off", expected_version=first.version)
    with pytest.raises(TransitionRefused, match=second.reference):
        _move(p, case, "close", workflow=L)

    neglect_plan = action_plan_create(by=p.bu, title="Neglect strategy 2027", source="priority")
    action_transition(
        action=second,
        by=p.bu,
        name="carry_forward",
        expected_version=second.version,
        carried_to=neglect_plan,
        note="Carried into the neglect strategy plan.",
    )
    assert first.status == ActionStatus.SIGNED_OFF
    assert second.status == ActionStatus.CARRIED_FORWARD

    _move(p, case, "close", workflow=L)
    case.refresh_from_db()
    assert record_of(case, L).status == LocalReview.Status.CLOSED
    assert case.stage == CaseStage.CLOSED
    assert case.closed_at is not None
