"""Action plan and action forms: create and edit, errors shown with the values kept, and
refused stale edits."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from sightline.accounts.models import Role
from sightline.actions import services
from sightline.actions.models import Action, ActionPlan
from sightline.actions.tests.conftest import action_post, text
from sightline.core.clocks import today
from sightline.core.models import Event, Theme

pytestmark = pytest.mark.django_db


# --------------------------------------------------------------------------- plan forms


def test_plan_create(bu_client):
    theme = Theme.objects.order_by("name").first()
    page = bu_client.get(reverse("actions:plan-create"))
    assert page.status_code == 200

    response = bu_client.post(
        reverse("actions:plan-create"),
        {"title": "Rapid review actions", "source": "rapid_review", "themes": [theme.pk]},
    )

    plan = ActionPlan.objects.get(title="Rapid review actions")
    assert response.status_code == 302
    assert response["Location"] == reverse("actions:plan", args=[plan.reference])
    assert list(plan.themes.all()) == [theme]


def test_plan_create_shows_errors_and_keeps_values(bu_client):
    response = bu_client.post(
        reverse("actions:plan-create"), {"title": "", "summary": "Kept summary"}
    )
    html = text(response)
    assert response.status_code == 200
    assert "govuk-error-summary" in html
    assert "Enter a title for the action plan" in html
    assert "Select where the plan comes from" in html
    assert "Kept summary" in html
    assert "<title>Error:" in html
    assert not ActionPlan.objects.exists()


def test_plan_edit(bu_client, plan):
    page = bu_client.get(reverse("actions:plan-edit", args=[plan.reference]))
    assert page.status_code == 200
    assert "Neglect review actions" in text(page)

    response = bu_client.post(
        reverse("actions:plan-edit", args=[plan.reference]),
        {"version": 1, "title": "Renamed", "source": "review", "summary": ""},
    )

    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.title == "Renamed"
    assert plan.version == 2


def test_plan_edit_stale_is_refused(bu_client, bu, plan):
    services.action_plan_update(plan=plan, by=bu, expected_version=1, title="Saved first")

    response = bu_client.post(
        reverse("actions:plan-edit", args=[plan.reference]),
        {"version": 1, "title": "Saved second", "source": "review"},
    )

    assert response.status_code == 200
    assert "Your changes have not been saved" in text(response)
    plan.refresh_from_db()
    assert plan.title == "Saved first"


# --------------------------------------------------------------------------- action forms


def test_action_create(bu_client, plan, home, owner):
    theme = Theme.objects.order_by("name").first()
    due = today() + timedelta(days=60)
    assert bu_client.get(reverse("actions:action-create", args=[plan.reference])).status_code == 200

    response = bu_client.post(
        reverse("actions:action-create", args=[plan.reference]),
        action_post(home, due=due, owner=owner, themes=[theme]),
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("actions:plan", args=[plan.reference])
    action = Action.objects.get()
    assert action.plan == plan
    assert action.owner == owner
    assert action.due_date == due
    assert list(action.themes.all()) == [theme]


def test_action_create_without_a_due_date_shows_errors_and_keeps_values(bu_client, plan, home):
    response = bu_client.post(
        reverse("actions:action-create", args=[plan.reference]), action_post(home)
    )

    html = text(response)
    assert response.status_code == 200
    assert "govuk-error-summary" in html
    assert '<a href="#id_due_date_day">Enter the due date</a>' in html
    assert "Record fathers&#x27; details at every referral" in html
    assert "Fathers are seen in assessments" in html
    assert re.search(rf'<option value="{home.pk}" selected>', html)
    assert not Action.objects.exists()


def test_action_create_refuses_an_owner_from_another_agency(bu_client, plan, away, owner):
    response = bu_client.post(
        reverse("actions:action-create", args=[plan.reference]),
        action_post(away, due=today() + timedelta(days=5), owner=owner),
    )
    assert response.status_code == 200
    assert "The owner must work for the owner agency" in text(response)
    assert not Action.objects.exists()


def test_adding_an_action_through_the_page_records_an_event(bu_client, plan, home):
    before = Event.objects.filter(action="action.create").count()
    bu_client.post(
        reverse("actions:action-create", args=[plan.reference]),
        action_post(home, due=today() + timedelta(days=3)),
    )
    assert Event.objects.filter(action="action.create").count() == before + 1


def test_action_edit(bu_client, make_action, home):
    action = make_action()
    page = bu_client.get(reverse("actions:edit", args=[action.reference]))
    assert page.status_code == 200
    assert "Train staff on neglect" in text(page)

    new_due = action.due_date + timedelta(days=7)
    response = bu_client.post(
        reverse("actions:edit", args=[action.reference]),
        action_post(home, due=new_due, version=1, description="Train every team"),
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("actions:detail", args=[action.reference])
    action.refresh_from_db()
    assert action.description == "Train every team"
    assert action.due_date == new_due
    assert action.version == 2


def test_action_edit_stale_shows_the_conflict_and_keeps_the_first_save(
    signed_in_client, bu, make_user, make_action, home
):
    action = make_action()
    first = signed_in_client(bu)
    second = signed_in_client(make_user(Role.BUSINESS_UNIT))
    url = reverse("actions:edit", args=[action.reference])
    assert 'name="version" value="1"' in text(first.get(url))
    assert 'name="version" value="1"' in text(second.get(url))

    saved = first.post(
        url, action_post(home, due=action.due_date, version=1, description="First person's wording")
    )
    refused = second.post(
        url,
        action_post(home, due=action.due_date, version=1, description="Second person's wording"),
    )

    assert saved.status_code == 302
    assert refused.status_code == 200
    html = text(refused)
    assert "Your changes have not been saved" in html
    assert "What is different" in html
    assert "First person&#x27;s wording" in html  # saved now
    assert "Second person&#x27;s wording" in html  # what they entered
    assert 'name="version" value="2"' in html
    action.refresh_from_db()
    assert action.description == "First person's wording"
    assert action.version == 2
