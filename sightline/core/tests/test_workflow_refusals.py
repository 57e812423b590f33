"""A refused move says where each problem belongs: keyed by field (an empty required field, the
note, a condition that names its field), everything else under NON_FIELD_ERRORS; and a move's
page can fill only the fields its service allows."""

from __future__ import annotations

from datetime import date

import pytest
from django import forms
from django.core.exceptions import NON_FIELD_ERRORS

from sightline.accounts.models import Role
from sightline.actions import services as action_services
from sightline.actions.models import Action, ActionPlan, ActionStatus
from sightline.core.forms import BaseForm, show_refusal
from sightline.core.workflow import (
    NOTE_REQUIRED,
    Problem,
    Transition,
    TransitionRefused,
    Workflow,
    page_updates,
    transition,
)

pytestmark = pytest.mark.django_db


def _not_on_a_friday(action) -> str | None:
    return "Not on a Friday" if action.description == "Friday" else None


def _statement_long_enough(action) -> Problem | None:
    if action.impact_statement and len(action.impact_statement) < 10:
        return Problem("Impact statement must be at least 10 characters", "impact_statement")
    return None


STRICT = Workflow(
    name="strict",
    status_field="status",
    states=ActionStatus,
    initial=ActionStatus.NOT_STARTED,
    field_labels={"impact_statement": "impact statement", "carried_to": "plan"},
    field_messages={"carried_to": "Select the plan"},
    transitions=(
        Transition(
            name="finish",
            label="Finish",
            sources=(ActionStatus.NOT_STARTED,),
            target=ActionStatus.COMPLETE,
            allowed=lambda user, obj: True,
            who="anyone",
            required=("impact_statement", "carried_to"),
            note_required=True,
            conditions=(_not_on_a_friday, _statement_long_enough),
        ),
    ),
)


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
        description="Friday",
        expected_change="Better practice",
        owner_agency=agency_factory(),
        due_date=date(2031, 1, 31),
    )


def test_a_refusal_keys_each_problem_by_the_field_it_belongs_to(action, business_unit):
    with pytest.raises(TransitionRefused) as refused:
        transition(STRICT, action, name="finish", by=business_unit, expected_version=1)

    assert refused.value.problems_by_field() == {
        "impact_statement": ["Enter the impact statement"],
        "carried_to": ["Select the plan"],
        "note": [NOTE_REQUIRED],
        NON_FIELD_ERRORS: ["Not on a Friday"],
    }
    # Every message is still there, in order, for callers that list them.
    assert refused.value.messages == [
        "Enter the impact statement",
        "Select the plan",
        NOTE_REQUIRED,
        "Not on a Friday",
    ]
    assert Action.objects.get(pk=action.pk).status == ActionStatus.NOT_STARTED


def test_a_condition_that_names_a_field_is_keyed_by_it(action, business_unit):
    with pytest.raises(TransitionRefused) as refused:
        transition(
            STRICT,
            action,
            name="finish",
            by=business_unit,
            expected_version=1,
            note="Finished early",
            updates={"impact_statement": "Short", "carried_to": action.plan},
        )

    assert refused.value.problems_by_field() == {
        "impact_statement": ["Impact statement must be at least 10 characters"],
        NON_FIELD_ERRORS: ["Not on a Friday"],
    }


def test_a_refusal_of_the_state_is_not_keyed_to_a_field(action, business_unit):
    action.status = ActionStatus.COMPLETE
    with pytest.raises(TransitionRefused) as refused:
        transition(STRICT, action, name="finish", by=business_unit, expected_version=1)
    assert refused.value.problems_by_field() == {
        NON_FIELD_ERRORS: ["“Finish” is not possible while the status is Complete."]
    }


def test_show_refusal_puts_each_message_beside_its_field_and_the_rest_at_the_top():
    class MoveForm(BaseForm):
        impact_statement = forms.CharField(required=False)
        scheduled_date = forms.CharField(required=False)
        note = forms.CharField(required=False)
        aliases = {"scheduled_for": "scheduled_date"}

    form = MoveForm({"impact_statement": "typed", "scheduled_date": "", "note": ""})
    assert form.is_valid()
    refused = TransitionRefused(
        {
            "impact_statement": ["Impact statement must be at least 10 characters"],
            "scheduled_for": ["Enter the publication date"],
            "owner": ["Enter the owner"],  # not on this form
            NON_FIELD_ERRORS: ["Not on a Friday"],
        }
    )

    show_refusal(form, refused)

    assert form.errors["impact_statement"] == ["Impact statement must be at least 10 characters"]
    assert form.errors["scheduled_date"] == ["Enter the publication date"]
    assert form.non_field_errors() == ["Enter the owner", "Not on a Friday"]
    # What was typed stays in the form.
    assert form["impact_statement"].value() == "typed"


def test_a_plain_refusal_goes_to_the_top_of_the_form():
    form = BaseForm({})
    form.is_valid()
    show_refusal(form, TransitionRefused("You cannot “finish” here."))
    assert form.non_field_errors() == ["You cannot “finish” here."]


def test_a_page_may_fill_only_the_fields_its_service_allows():
    assert page_updates(
        {"impact_statement": "  Done  ", "carried_to": None}, ["impact_statement", "carried_to"]
    ) == {
        "impact_statement": "Done",
        "carried_to": None,
    }
    assert page_updates(None, ["impact_statement"]) == {}
    with pytest.raises(ValueError, match="status"):
        page_updates({"status": "complete"}, ["impact_statement"])
