"""An action's moves are made from their pages in one POST, with what the move needs beside its
field when it is missing; and its dates: a due date in the past is saved only once confirmed,
and a progress update cannot be dated in the future."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from sightline.actions import services
from sightline.actions.models import Action, ActionStatus
from sightline.actions.tests.conftest import action_post, date_fields, text
from sightline.core.clocks import today

pytestmark = pytest.mark.django_db


def _status_url(action, name):
    return reverse("actions:status", args=[action.reference, name])


def test_carrying_an_action_forward_is_done_from_its_page_in_one_post(bu_client, bu, make_action):
    action = make_action()
    next_plan = services.action_plan_create(by=bu, title="Next year", source="priority")
    url = _status_url(action, "carry_forward")
    page = text(bu_client.get(url))
    assert "Plan it is carried into (optional)" not in page
    assert "Note (optional)" not in page  # this move needs a note

    missing = bu_client.post(url, {"version": action.version, "note": "Into next year"})

    html = text(missing)
    assert '<a href="#id_carried_to">Select the plan it is carried into</a>' in html
    assert 'id="id_carried_to-error"' in html
    assert ">\nInto next year</textarea>" in html  # what was typed is kept
    assert Action.objects.get(pk=action.pk).status == ActionStatus.NOT_STARTED

    done = bu_client.post(
        url, {"version": action.version, "carried_to": next_plan.pk, "note": "Into next year"}
    )
    assert done.status_code == 302
    saved = Action.objects.get(pk=action.pk)
    assert saved.status == ActionStatus.CARRIED_FORWARD
    assert saved.carried_to == next_plan


def test_a_stale_completion_is_refused_and_keeps_the_statement(lead_client, owner, make_action):
    action = make_action(owner=owner)
    services.action_transition(
        action=Action.objects.get(pk=action.pk),
        by=owner,
        name="flag_at_risk",
        expected_version=1,
        note="Trainer left",
    )

    response = lead_client.post(
        _status_url(action, "complete"), {"version": 1, "impact_statement": "Referrals doubled"}
    )

    html = text(response)
    assert "Your changes have not been saved" in html
    assert ">\nReferrals doubled</textarea>" in html
    saved = Action.objects.get(pk=action.pk)
    assert saved.status == ActionStatus.AT_RISK
    assert saved.impact_statement == ""


def test_a_due_date_in_the_past_needs_confirming_before_the_action_is_added(bu_client, plan, home):
    url = reverse("actions:action-create", args=[plan.reference])
    past = today() - timedelta(days=2)

    warned = bu_client.post(url, action_post(home, due=past))

    html = text(warned)
    assert warned.status_code == 200
    assert "Due date is in the past. Check it, or confirm that it is right" in html
    assert "Yes, the due date is in the past" in html
    assert not Action.objects.filter(plan=plan).exists()

    saved = bu_client.post(url, action_post(home, due=past, due_date_confirm_past="yes"))

    assert saved.status_code == 302
    assert Action.objects.get(plan=plan).due_date == past


def test_editing_an_overdue_action_does_not_ask_about_its_saved_due_date(
    bu_client, home, make_action
):
    past = today() - timedelta(days=10)
    action = make_action(due=past)
    response = bu_client.post(
        reverse("actions:edit", args=[action.reference]),
        action_post(home, due=past, version=action.version, description="Clearer wording"),
    )
    assert response.status_code == 302
    assert Action.objects.get(pk=action.pk).description == "Clearer wording"


def test_a_progress_update_cannot_be_dated_in_the_future(lead_client, make_action):
    action = make_action()
    response = lead_client.post(
        reverse("actions:progress", args=[action.reference]),
        {"note": "Sessions booked", **date_fields("on_date", today() + timedelta(days=1))},
    )
    assert "Date of the update must be today or in the past" in text(response)
    assert not action.updates.exists()
