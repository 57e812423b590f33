"""Every list export, in any format, is recorded in the event log once, by the export mechanism:
who exported, which list, the filters it was exported with, the format and how many rows it
held. Lists: actions (the user's agency's and all), case reviews (the dashboard and the yearly
summary), briefings and their reach, and publication plans; one briefing's dissemination is in
sightline/learning/tests/test_views_dissemination.py."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse

from sightline.accounts.models import Role
from sightline.actions import services as action_services
from sightline.core.clocks import today
from sightline.core.exports import EXPORT_FORMATS
from sightline.core.models import Event

pytestmark = pytest.mark.django_db

LISTS = [
    # (url name, the query the page was filtered with, the list's title)
    ("actions:mine", {}, "My agency's actions"),
    ("actions:all", {"status": "not_started"}, "Actions"),
    ("reviews:dashboard", {"stage": "all"}, "Case reviews"),
    ("reviews:summary", {}, "Case reviews: yearly summary"),
    ("learning:list", {"status": "draft"}, "7-minute briefings"),
    ("learning:dashboard", {"sort": "reference"}, "7-minute briefings: reach"),
    ("publishing:list", {"status": "preparing", "kind": "review"}, "Publication plans"),
]


@pytest.fixture
def business_unit(make_user, agency_factory):
    user = make_user(Role.BUSINESS_UNIT, agency=agency_factory("Partnership business unit"))
    plan = action_services.action_plan_create(by=user, title="Learning plan", source="review")
    for n in range(3):
        action_services.action_create(
            by=user,
            plan=plan,
            lesson="Lesson",
            description=f"Action {n}",
            expected_change="Change",
            owner_agency=user.memberships.get().agency,
            due_date=today() + timedelta(days=30),
        )
    return user


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))[1:]


@pytest.mark.parametrize(("url_name", "query", "title"), LISTS, ids=[u for u, _, _ in LISTS])
def test_every_list_export_is_logged_with_who_which_list_filters_and_rows(
    url_name, query, title, business_unit, signed_in_client
):
    client = signed_in_client(business_unit)
    url = reverse(url_name)

    response = client.get(url, {**query, "format": "csv", "page": "2"})

    assert response.status_code == 200
    event = Event.objects.get(action="export.list")
    assert (event.kind, event.actor, event.object_type, event.object_id) == (
        Event.Kind.READ,
        business_unit,
        "list",
        url,
    )
    assert event.changes == {
        "list": [None, title],
        "format": [None, "csv"],
        "filters": [None, {name: [value] for name, value in query.items()}],
        "rows": [None, len(csv_rows(response))],
    }


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_exports_in_every_format_are_logged(fmt, business_unit, signed_in_client):
    response = signed_in_client(business_unit).get(reverse("actions:mine"), {"format": fmt})

    assert response.status_code == 200
    event = Event.objects.get(action="export.list")
    assert event.changes["format"] == [None, fmt]
    assert event.changes["rows"] == [None, 3]


def test_a_page_view_without_an_export_is_not_logged_as_one(business_unit, signed_in_client):
    assert signed_in_client(business_unit).get(reverse("actions:mine")).status_code == 200
    assert not Event.objects.filter(action="export.list").exists()
