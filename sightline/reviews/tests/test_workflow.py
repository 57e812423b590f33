"""The three case workflows (notification, rapid review, local review), transition by
transition: who may make each move, from which states, with which fields. The conditions on
the moves are tested in test_workflow_conditions.py, and the table of moves is in
test_workflow_support.py.

Every move goes through the services, as the views call them."""

from __future__ import annotations

import pytest

from sightline.core.workflow import TransitionRefused
from sightline.reviews import services_local
from sightline.reviews.models import LocalReview, PartnerSignOff
from sightline.reviews.tests.conftest import advance_case
from sightline.reviews.tests.test_workflow_support import (
    MOVE_IDS,
    MOVES,
    NOTE,
    ROLES,
    L,
    N,
    R,
    _sign_all,
    perform,
    ready,
    record_of,
    user_for,
)

pytestmark = pytest.mark.django_db


def test_the_table_covers_every_transition_of_the_three_workflows():
    for workflow in (N, R, L):
        covered = {m.name for m in MOVES if m.workflow is workflow}
        assert covered == {t.name for t in workflow.transitions}
        for t in workflow.transitions:
            sources = {m.before for m in MOVES if m.workflow is workflow and m.name == t.name}
            assert len(sources) >= 1


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
        "Select whether abuse or neglect is known or suspected",
        "Select whether the child died or was seriously harmed",
        "Select whether the child was looked after",
        "Enter the decision date",
        "Enter the date the notification was sent",
        "Enter the Panel reference",
        "Enter the date the safeguarding partners were informed",
        "Enter the date the copy went to the partnership office",
    ],
    "not_notify": [
        "Select whether abuse or neglect is known or suspected",
        "Select whether the child died or was seriously harmed",
        "Select whether the child was looked after",
        "Enter the decision date",
        "Enter the reasons for not notifying",
    ],
    "request_returns": ["Enter the date returns are due"],
    "record_meeting": [
        "Enter the meeting date",
        "Enter the attendees",
        "Enter the facts of the case",
        "Enter the immediate safety actions",
        "Enter the family context",
    ],
    "recommend": [
        "Select what the rapid review recommends",
        "Enter the reasons for the recommendation",
    ],
    "send_to_panel": ["Enter the date sent to the Panel"],
    "record_panel_response": [
        "Enter the date of the Panel's response",
        "Enter the Panel's response",
    ],
    "decide_after_sending": [
        "Select what the safeguarding partners decided",
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
