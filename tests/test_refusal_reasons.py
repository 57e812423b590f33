"""Every refusal in the event log says why: the record is not there ("not found", logged for
signed-in users, so trying references shows), the user may not have it ("not allowed"), or the
user's access has ended ("ended"). The user sees the same 404 whatever the reason."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.urls import reverse

from sightline.accounts.access import deny
from sightline.accounts.models import Role
from sightline.actions import access as action_access
from sightline.actions import services as action_services
from sightline.core.clocks import today
from sightline.core.models import Event
from sightline.learning import access as learning_access
from sightline.publishing import access as publishing_access

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_agencys_action(make_user, agency_factory):
    author = make_user(Role.BUSINESS_UNIT, agency=agency_factory("Partnership business unit"))
    plan = action_services.action_plan_create(by=author, title="Plan", source="review")
    return action_services.action_create(
        by=author,
        plan=plan,
        lesson="Lesson",
        description="Someone else's action",
        expected_change="Change",
        owner_agency=agency_factory("Other agency"),
        due_date=today() + timedelta(days=30),
    )


def reasons(user) -> dict[str, str]:
    events = Event.objects.filter(action="access.denied", kind=Event.Kind.DENIED, actor=user)
    return {event.object_id: event.reason for event in events}


def test_missing_and_forbidden_records_give_one_404_but_the_log_says_which(
    make_user, signed_in_client, other_agencys_action
):
    lead = make_user(Role.AGENCY_LEAD)
    client = signed_in_client(lead)

    missing = client.get(reverse("actions:detail", args=["ACT-2026-9999"]))
    forbidden = client.get(reverse("actions:detail", args=[other_agencys_action.reference]))

    assert missing.status_code == forbidden.status_code == 404
    assert reasons(lead) == {
        "ACT-2026-9999": "not found",
        other_agencys_action.reference: "not allowed",
    }


def test_each_fetcher_logs_a_missing_record_as_not_found(make_user):
    user = make_user(Role.BUSINESS_UNIT)
    fetchers = [
        (action_access.action_for_view, "ACT-2026-9998"),
        (action_access.plan_for_view, "AP-2026-9998"),
        (learning_access.briefing_for_view, "7MB-2026-9998"),
        (publishing_access.plan_for_view, "PUB-2026-9998"),
    ]
    for fetch, reference in fetchers:
        with pytest.raises(Http404):
            fetch(user, reference)

    assert reasons(user) == {reference: "not found" for _, reference in fetchers}


def test_a_time_limited_account_past_its_end_date_is_logged_as_ended(
    make_user, other_agencys_action
):
    user = make_user(Role.BUSINESS_UNIT)
    user.access_ends_on = today() - timedelta(days=1)
    user.save(update_fields=["access_ends_on"])

    with pytest.raises(Http404):
        action_access.action_for_view(user, other_agencys_action.reference)

    assert reasons(user) == {other_agencys_action.reference: "ended"}


def test_a_look_up_by_someone_not_signed_in_is_not_logged():
    deny(AnonymousUser(), object_type="actions.action", object_id="ACT-1", reason="not found")

    assert not Event.objects.filter(action="access.denied").exists()
