"""The transition page helper: the form it builds for a move, and what it lists as still to do.
The pages themselves are tested in each app, through their URLs."""

from __future__ import annotations

from datetime import date

import pytest
from django import forms
from django.core.exceptions import ImproperlyConfigured
from django.template import Context, Template
from django.test import RequestFactory

from sightline.accounts.models import Role
from sightline.actions import services as action_services
from sightline.actions.models import Action, ActionPlan, ActionStatus
from sightline.core.forms import GovukDateField
from sightline.core.transition_pages import (
    Blocker,
    TransitionPage,
    model_formfield,
    transition_form_class,
)
from sightline.core.workflow import Problem, Transition, Workflow

pytestmark = pytest.mark.django_db


def _needs_a_lesson(action) -> str | None:
    return None if action.lesson.strip() else "Record the lesson first"


def _statement_long_enough(action) -> Problem | None:
    if action.impact_statement and len(action.impact_statement) < 10:
        return Problem("Impact statement must be at least 10 characters", "impact_statement")
    return None


FINISH = Transition(
    name="finish",
    label="Finish the action",
    sources=(ActionStatus.NOT_STARTED,),
    target=ActionStatus.COMPLETE,
    allowed=lambda user, obj: True,
    who="anyone",
    required=("impact_statement", "due_date", "expected_change"),
    note_required=True,
    conditions=(_needs_a_lesson, _statement_long_enough),
)
WORKFLOW = Workflow(
    name="finishing",
    status_field="status",
    states=ActionStatus,
    initial=ActionStatus.NOT_STARTED,
    field_labels={"impact_statement": "impact statement", "due_date": "due date"},
    transitions=(FINISH,),
)


@pytest.fixture
def action(make_user, agency_factory):
    bu = make_user(Role.BUSINESS_UNIT)
    plan = action_services.action_plan_create(by=bu, title="Plan", source=ActionPlan.Source.REVIEW)
    created = action_services.action_create(
        by=bu,
        plan=plan,
        lesson="Lesson",
        description="Do the thing",
        expected_change="Better practice",
        owner_agency=agency_factory(),
        due_date=date(2031, 1, 31),
    )
    Action.objects.filter(pk=created.pk).update(lesson="")
    return Action.objects.get(pk=created.pk)


def test_model_fields_become_govuk_form_fields_labelled_from_the_workflow():
    due = model_formfield(WORKFLOW, Action, "due_date")
    statement = model_formfield(WORKFLOW, Action, "impact_statement")
    status = model_formfield(WORKFLOW, Action, "status")

    assert isinstance(due, GovukDateField)
    assert due.label == "Due date"
    assert isinstance(statement.widget, forms.Textarea)
    assert statement.label == "Impact statement"
    assert isinstance(status.widget, forms.RadioSelect)
    assert ("complete", "Complete") in status.choices
    # Which records may be chosen is the app's rule, so it must declare the field.
    with pytest.raises(ImproperlyConfigured):
        model_formfield(WORKFLOW, Action, "carried_to")


def test_the_form_asks_for_the_required_fields_and_the_note_none_marked_optional(action):
    declared = {"expected_change": forms.CharField(label="What is expected to change")}
    form_class = transition_form_class(WORKFLOW, FINISH, Action, fields=declared, also=("lesson",))
    form = form_class(initial={"version": 1, "due_date": action.due_date})

    assert list(form.fields) == [
        "version",
        "impact_statement",
        "due_date",
        "expected_change",
        "lesson",
        "note",
    ]
    html = Template("{% for field in form %}{% govuk_field field %}{% endfor %}").render(
        Context({"form": form})
    )
    for label in ("Impact statement", "Due date", "What is expected to change", "Note"):
        assert f"{label} (optional)" not in html, label
    assert "Lesson (optional)" in html  # offered, but the move does not need it
    assert "Say why. It is kept in the record&#x27;s history" in html
    # The form leaves the checks to the workflow, so every problem shows at once.
    assert form_class({"version": "1"}).is_valid()


def test_blockers_are_what_the_form_cannot_give_with_where_to_do_it(action):
    page = TransitionPage(
        RequestFactory().get("/"),
        workflow=WORKFLOW,
        transition=FINISH,
        obj=action,
        apply=lambda **move: None,
        success_url="/done/",
        success_message="Done",
        ask=("impact_statement", "due_date"),
        elsewhere={"expected_change": "/edit/"},
        fixes={_needs_a_lesson: "/lesson/"},
    )
    Action.objects.filter(pk=action.pk).update(expected_change="", impact_statement="Short")
    action.refresh_from_db()
    form = page.form_class()

    # The short statement is the form's to fix, beside its field; not a blocker.
    assert page.blockers(form) == [
        Blocker("Expected change", "/edit/"),
        Blocker("Record the lesson first", "/lesson/"),
    ]
