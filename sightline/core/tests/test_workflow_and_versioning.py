"""The workflow helper, optimistic locking and references, exercised over action plans."""

from __future__ import annotations

from datetime import date

import pytest

from sightline.accounts.models import Role
from sightline.actions import services as action_services
from sightline.actions.models import Action, ActionPlan, ActionStatus
from sightline.actions.workflow import ACTION_WORKFLOW
from sightline.core import references
from sightline.core.models import Event
from sightline.core.references import create_with_reference, next_reference
from sightline.core.versioning import StaleEdit, create_record, save_versioned
from sightline.core.workflow import Transition, TransitionRefused, Workflow, transition

pytestmark = pytest.mark.django_db


@pytest.fixture
def business_unit(make_user):
    return make_user(Role.BUSINESS_UNIT, full_name="Bea Unit")


@pytest.fixture
def action(business_unit, agency_factory):
    plan = action_services.action_plan_create(
        by=business_unit, title="Learning from review", source=ActionPlan.Source.REVIEW
    )
    return action_services.action_create(
        by=business_unit,
        plan=plan,
        lesson="Lesson",
        description="Do the thing",
        expected_change="Better practice",
        owner_agency=agency_factory(),
        due_date=date(2031, 1, 31),
    )


def events_for(action: Action):
    return Event.objects.filter(object_type="actions.action", object_id=str(action.pk))


def unchanged(action: Action, status: str, version: int) -> bool:
    row = Action.objects.get(pk=action.pk)
    return row.status == status and row.version == version


# --- transition() --------------------------------------------------------------------------


def test_an_allowed_transition_moves_the_status_bumps_the_version_and_records_before_and_after(
    action, business_unit
):
    before = events_for(action).count()

    transition(ACTION_WORKFLOW, action, name="start", by=business_unit, expected_version=1)

    row = Action.objects.get(pk=action.pk)
    assert row.status == ActionStatus.ON_TRACK
    assert row.version == 2
    assert row.updated_by == business_unit
    event = events_for(action).last()
    assert events_for(action).count() == before + 1
    assert event.action == "action.start"
    assert event.actor == business_unit
    assert event.changes == {"status": ["not_started", "on_track"]}


def test_a_transition_from_the_wrong_state_is_refused_and_changes_nothing(action, business_unit):
    before = events_for(action).count()

    with pytest.raises(TransitionRefused, match="not possible while the status is Not started"):
        transition(ACTION_WORKFLOW, action, name="sign_off", by=business_unit, expected_version=1)

    assert unchanged(action, ActionStatus.NOT_STARTED, 1)
    assert events_for(action).count() == before


def test_a_transition_the_predicate_rejects_for_this_user_is_refused(action, make_user):
    stranger = make_user(Role.PRACTITIONER)

    with pytest.raises(TransitionRefused, match="You cannot"):
        transition(ACTION_WORKFLOW, action, name="start", by=stranger, expected_version=1)

    assert unchanged(action, ActionStatus.NOT_STARTED, 1)
    assert [t.name for t in ACTION_WORKFLOW.available(action, stranger)] == []


def test_available_lists_only_the_moves_this_user_can_make_from_this_state(action, business_unit):
    available = ACTION_WORKFLOW.available(action, business_unit)

    names = {t.name for t in available}
    assert {"start", "flag_at_risk", "complete"} <= names
    assert not {"sign_off", "reopen"} & names
    assert all(ActionStatus.NOT_STARTED in t.sources for t in available)


def test_an_unknown_transition_name_is_refused(action, business_unit):
    with pytest.raises(TransitionRefused):
        transition(ACTION_WORKFLOW, action, name="publish", by=business_unit, expected_version=1)


def test_a_refusal_lists_every_missing_required_field_and_the_missing_note(action, business_unit):
    strict = Workflow(
        name="strict",
        status_field="status",
        states=ActionStatus,
        initial=ActionStatus.NOT_STARTED,
        field_labels={"impact_statement": "impact statement"},
        transitions=(
            Transition(
                name="finish",
                label="Finish",
                sources=(ActionStatus.NOT_STARTED,),
                target=ActionStatus.COMPLETE,
                allowed=lambda user, obj: True,
                who="anyone",
                required=("impact_statement", "owner"),
                note_required=True,
            ),
        ),
    )

    with pytest.raises(TransitionRefused) as refused:
        transition(strict, action, name="finish", by=business_unit, expected_version=1)

    assert refused.value.messages == [
        "Enter the impact statement",
        "Enter the owner",
        "Enter a note explaining the change",
    ]
    assert unchanged(action, ActionStatus.NOT_STARTED, 1)


def test_a_required_field_supplied_with_the_move_lets_it_through(action, business_unit):
    with pytest.raises(TransitionRefused, match="Enter the impact statement"):
        transition(ACTION_WORKFLOW, action, name="complete", by=business_unit, expected_version=1)

    transition(
        ACTION_WORKFLOW,
        action,
        name="complete",
        by=business_unit,
        expected_version=1,
        updates={"impact_statement": "Fewer missed referrals"},
    )

    row = Action.objects.get(pk=action.pk)
    assert row.status == ActionStatus.COMPLETE
    assert row.impact_statement == "Fewer missed referrals"


@pytest.mark.parametrize("note", ["", "   "])
def test_a_transition_that_needs_a_note_is_refused_without_one(action, business_unit, note):
    with pytest.raises(TransitionRefused, match="Enter a note explaining the change"):
        transition(
            ACTION_WORKFLOW,
            action,
            name="flag_at_risk",
            by=business_unit,
            expected_version=1,
            note=note,
        )

    assert unchanged(action, ActionStatus.NOT_STARTED, 1)


def test_the_note_is_recorded_as_the_reason(action, business_unit):
    transition(
        ACTION_WORKFLOW,
        action,
        name="flag_at_risk",
        by=business_unit,
        expected_version=1,
        note="Funding delayed",
    )

    assert events_for(action).last().reason == "Funding delayed"


def test_a_transition_with_a_stale_version_is_refused_and_records_nothing(action, business_unit):
    before = events_for(action).count()

    with pytest.raises(StaleEdit):
        transition(ACTION_WORKFLOW, action, name="start", by=business_unit, expected_version=7)

    assert unchanged(action, ActionStatus.NOT_STARTED, 1)
    assert events_for(action).count() == before


# --- Declaring a workflow ------------------------------------------------------------------


def one_transition(**overrides) -> Transition:
    fields = dict(
        name="go",
        label="Go",
        sources=(ActionStatus.NOT_STARTED,),
        target=ActionStatus.ON_TRACK,
        allowed=lambda user, obj: True,
        who="anyone",
    )
    return Transition(**(fields | overrides))


@pytest.mark.parametrize(
    "transitions",
    [
        (one_transition(target="finished"),),
        (one_transition(sources=("draft",)),),
        (one_transition(), one_transition()),
    ],
    ids=["unknown target", "unknown source", "duplicate name"],
)
def test_a_workflow_with_unknown_states_or_duplicate_names_is_rejected(transitions):
    with pytest.raises(ValueError, match="unknown states|duplicate"):
        Workflow(
            name="broken",
            status_field="status",
            states=ActionStatus,
            initial=ActionStatus.NOT_STARTED,
            transitions=transitions,
        )


def test_the_mermaid_diagram_has_a_line_for_every_source_of_every_transition():
    diagram = ACTION_WORKFLOW.mermaid()

    lines = diagram.strip().splitlines()
    assert lines[0] == "stateDiagram-v2"
    assert lines[1].strip() == "[*] --> not_started"
    expected = [
        f"{source} --> {t.target}: {t.label}"
        for t in ACTION_WORKFLOW.transitions
        for source in t.sources
    ]
    assert len(lines) == 2 + len(expected)
    for line in expected:
        assert line in diagram
    assert "(needs impact_statement)" in diagram


# --- Optimistic locking --------------------------------------------------------------------


def test_a_stale_save_raises_with_the_current_row_and_changes_nothing(action, business_unit):
    mine = Action.objects.get(pk=action.pk)
    theirs = Action.objects.get(pk=action.pk)
    theirs.description = "Their edit"
    save_versioned(theirs, by=business_unit, expected_version=1, fields=["description"])

    mine.description = "My edit"
    with pytest.raises(StaleEdit) as stale:
        save_versioned(mine, by=business_unit, expected_version=1, fields=["description"])

    assert stale.value.current.description == "Their edit"
    assert stale.value.current.version == 2
    row = Action.objects.get(pk=action.pk)
    assert row.description == "Their edit"
    assert row.version == 2


def test_a_versioned_save_writes_only_the_named_fields(action, business_unit):
    edited = Action.objects.get(pk=action.pk)
    edited.description = "New description"
    edited.lesson = "Not meant to be saved"

    save_versioned(edited, by=business_unit, expected_version=1, fields=["description"])

    row = Action.objects.get(pk=action.pk)
    assert row.description == "New description"
    assert row.lesson == "Lesson"
    assert edited.version == row.version == 2


# --- References ----------------------------------------------------------------------------


def make_plan(reference: str) -> ActionPlan:
    return create_record(ActionPlan(reference=reference, title=f"Plan {reference}"), by=None)


def test_references_are_sequential_per_prefix():
    made = [create_with_reference(ActionPlan, "TST-2031", make_plan) for _ in range(3)]
    create_with_reference(ActionPlan, "TST-2032", make_plan)

    assert [p.reference for p in made] == ["TST-2031-0001", "TST-2031-0002", "TST-2031-0003"]
    assert next_reference(ActionPlan, "TST-2031") == "TST-2031-0004"
    assert next_reference(ActionPlan, "TST-2032") == "TST-2032-0002"


def read_before_a_concurrent_insert(monkeypatch, reference: str) -> None:
    """The first next_reference returns a number another writer has since inserted."""
    real = references.next_reference
    stale = iter([reference])
    monkeypatch.setattr(
        references, "next_reference", lambda model, prefix: next(stale, None) or real(model, prefix)
    )


def test_a_reference_taken_by_a_concurrent_writer_is_retried_with_the_next_number(monkeypatch):
    make_plan("TST-2031-0001")
    read_before_a_concurrent_insert(monkeypatch, "TST-2031-0001")

    plan = create_with_reference(
        ActionPlan, "TST-2031", lambda ref: ActionPlan.objects.create(reference=ref, title="Mine")
    )

    assert plan.reference == "TST-2031-0002"
    assert ActionPlan.objects.filter(reference__startswith="TST-2031-").count() == 2


def test_a_taken_reference_is_retried_when_the_record_is_made_through_create_record(monkeypatch):
    make_plan("TST-2031-0001")
    read_before_a_concurrent_insert(monkeypatch, "TST-2031-0001")

    plan = create_with_reference(ActionPlan, "TST-2031", make_plan)

    assert plan.reference == "TST-2031-0002"


def test_references_keep_counting_past_the_padded_width():
    make_plan("TST-2031-9999")
    make_plan("TST-2031-10000")

    assert next_reference(ActionPlan, "TST-2031") == "TST-2031-10001"
