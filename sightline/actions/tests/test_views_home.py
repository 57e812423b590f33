"""The signed-in home page: tasks, deadlines and overdue actions for each kind of user."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from sightline.accounts.models import Role
from sightline.actions.tests.conftest import section, text
from sightline.core.clocks import get_calendar, today

pytestmark = pytest.mark.django_db


def test_home_shows_tasks_deadlines_and_overdue_actions(
    signed_in_client, lead, owner, make_action, away
):
    cal = get_calendar()
    day = today()
    soon = make_action(owner=owner, due=cal.add_working_days(day, 3), description="Soon one")
    later = make_action(due=cal.add_working_days(day, 20), description="Later one")
    overdue = make_action(due=day - timedelta(days=2), description="Late one")
    elsewhere = make_action(owner_agency=away, due=day - timedelta(days=2))

    html = text(signed_in_client(lead).get(reverse("core:home")))

    tasks = section(html, "tasks", "deadlines")
    deadlines = section(html, "deadlines", "overdue")
    late = section(html, "overdue")
    for action in (soon, later, overdue):
        assert f"Update action {action.reference}" in tasks
    assert soon.reference in deadlines
    assert later.reference not in deadlines
    assert overdue.reference in late
    assert soon.reference not in late
    assert elsewhere.reference not in html


def test_home_for_an_owner_shows_only_their_action(signed_in_client, owner, make_action):
    mine = make_action(owner=owner, due=get_calendar().add_working_days(today(), 3))
    not_mine = make_action(due=get_calendar().add_working_days(today(), 3))

    html = text(signed_in_client(owner).get(reverse("core:home")))

    assert f"Update action {mine.reference}" in html
    assert mine.reference in section(html, "deadlines", "overdue")
    assert not_mine.reference not in section(html, "tasks", "overdue")


def test_home_shows_the_business_unit_actions_to_sign_off(bu_client, make_action):
    complete = make_action(status="complete")
    open_action = make_action()

    html = text(bu_client.get(reverse("core:home")))

    tasks = section(html, "tasks", "deadlines")
    assert f"Sign off action {complete.reference}" in tasks
    assert open_action.reference not in tasks


def test_home_with_nothing_to_do(signed_in_client, make_user):
    html = text(signed_in_client(make_user(Role.PRACTITIONER)).get(reverse("core:home")))
    assert "You have no open tasks." in html
    assert "No overdue actions." in html
