"""Action reminders: the pages show the reminders the daily job sent, and the next one due is
the day the job sends it. And the action's history page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sightline.actions import services
from sightline.actions.reminders import ActionReminders, action_reminders
from sightline.core.clocks import get_calendar, today
from sightline.core.models import Notification
from sightline.core.templatetags.govuk import govuk_date

from .conftest import text

pytestmark = pytest.mark.django_db


def _sent(action) -> int:
    return Notification.objects.filter(about_type="actions.action", about_id=str(action.pk)).count()


def test_the_action_page_shows_the_reminders_the_job_sent(make_action, owner, lead, bu_client):
    day = today()
    due = get_calendar().add_working_days(day, 2)
    action = make_action(owner=owner, due=due)
    assert services.action_send_reminders(on=day) == 2  # the owner and the agency's lead

    html = text(bu_client.get(reverse("actions:detail", args=[action.reference])))

    sent_on = govuk_date(timezone.localdate())
    following = govuk_date(due + timedelta(days=1))
    assert f"Reminded {sent_on} (Lee Lead, Olu Owner); next reminder {following}" in html
    listed = text(bu_client.get(reverse("actions:all")))
    assert f"Reminded {sent_on} (Lee Lead, Olu Owner); next reminder {following}" in listed


def test_the_next_reminder_is_the_day_the_job_sends_it(make_action, owner, lead):
    day = today()
    action = make_action(owner=owner, due=day + timedelta(days=60))
    status = action_reminders([action], day)[action.pk]
    assert status.sent == []
    first = status.next_on
    assert first is not None
    assert first > day
    assert status.summary == f"First reminder {govuk_date(first)}"

    assert services.action_send_reminders(on=first - timedelta(days=1)) == 0
    assert services.action_send_reminders(on=first) == 2
    assert _sent(action) == 2

    # Once the due reminder has gone, the next is the overdue one the day after the due date.
    status = action_reminders([action], day)[action.pk]
    after = status.next_on
    assert after == action.due_date + timedelta(days=1)
    assert services.action_send_reminders(on=after - timedelta(days=1)) == 0
    assert services.action_send_reminders(on=after) == 2
    status = action_reminders([action], day)[action.pk]
    assert status.next_on is None
    assert [r.overdue for r in status.sent] == [False, True]
    assert status.summary.endswith("no more reminders due")


def test_the_rule_is_what_the_job_sends(make_action, owner):
    day = today()
    action = make_action(owner=owner, due=day - timedelta(days=2))
    rule = ActionReminders.load()
    (reminder,) = rule.due_on(action, day)
    assert reminder.overdue
    services.action_send_reminders(on=day)
    keys = set(
        Notification.objects.filter(about_id=str(action.pk)).values_list("dedupe_key", flat=True)
    )
    assert keys == {reminder.key}


def test_finished_actions_are_not_reminded_or_shown(make_action, owner):
    day = today()
    action = make_action(owner=owner, due=day + timedelta(days=1), status="complete")
    assert services.action_send_reminders(on=day) == 0
    assert action_reminders([action], day) == {}


def test_reminders_for_a_page_of_actions_take_one_query(make_action, owner):
    day = today()
    few = [make_action(owner=owner, due=day + timedelta(days=1)) for _ in range(2)]
    services.action_send_reminders(on=day)
    ActionReminders.load()  # the calendar is built once per process

    def queries(actions) -> int:
        with CaptureQueriesContext(connection) as captured:
            action_reminders(actions, day)
        return len(captured)

    baseline = queries(few)
    many = few + [make_action(owner=owner, due=day + timedelta(days=2)) for _ in range(8)]
    services.action_send_reminders(on=day)
    assert queries(many) == baseline


def test_the_action_history_page_and_its_export(make_action, lead, bu_client):
    action = make_action()
    services.action_transition(action=action, by=lead, name="start", expected_version=1)
    url = reverse("actions:history", args=[action.reference])

    html = text(bu_client.get(url))
    assert html.index("Added the action") < html.index("Marked the action as on track")
    assert "From Not started to On track" in html
    newest = text(bu_client.get(url, {"sort": "-at"}))
    assert newest.index("Marked the action as on track") < newest.index("Added the action")
    export = bu_client.get(url, {"format": "csv"}).content.decode("utf-8-sig")
    assert "Marked the action as on track" in export
    assert "Lee Lead" in export
