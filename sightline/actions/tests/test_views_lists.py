"""Action lists: my actions, all actions with their filters and sorts, action plans, and
constant query counts however many actions there are."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sightline.accounts.models import Role
from sightline.actions import services
from sightline.actions.models import Action
from sightline.actions.selectors import SORTS
from sightline.actions.tests.conftest import references_in, text
from sightline.core.clocks import today
from sightline.core.models import Theme

pytestmark = pytest.mark.django_db


# --------------------------------------------------------------------------- my actions


def test_my_actions_shows_my_agencys_actions_only(lead_client, make_action, away):
    mine = make_action()
    theirs = make_action(owner_agency=away)

    response = lead_client.get(reverse("actions:mine"))

    assert response.status_code == 200
    html = text(response)
    assert '<h1 class="govuk-heading-l">My agency\'s actions</h1>' in html
    assert references_in(html) == [mine.reference]
    assert theirs.reference not in html
    assert 'href="/app/actions/all/"' not in html  # an agency lead has no "All actions" page


def test_my_actions_shows_a_practitioner_what_they_own(signed_in_client, owner, make_action):
    owned = make_action(owner=owner)
    make_action()  # same agency, not theirs

    response = signed_in_client(owner).get(reverse("actions:mine"))

    assert references_in(text(response)) == [owned.reference]


def test_my_actions_is_empty_for_a_system_admin(signed_in_client, make_user, home, make_action):
    make_action()
    response = signed_in_client(make_user(Role.SYSTEM_ADMIN, agency=home)).get(
        reverse("actions:mine")
    )
    assert response.status_code == 200
    assert references_in(text(response)) == []
    assert "No actions match." in text(response)


# --------------------------------------------------------------------------- all actions


@pytest.mark.parametrize("role", [Role.BUSINESS_UNIT, Role.PARTNER_LEAD, Role.SCRUTINEER])
def test_all_actions_shows_every_agency_to_partnership_wide_roles(
    signed_in_client, make_user, role, make_action, away
):
    first, second = make_action(), make_action(owner_agency=away)
    response = signed_in_client(make_user(role)).get(reverse("actions:all"))
    assert response.status_code == 200
    assert set(references_in(text(response))) == {first.reference, second.reference}


@pytest.mark.parametrize(
    "role", [Role.AGENCY_LEAD, Role.PRACTITIONER, Role.REVIEWER, Role.SYSTEM_ADMIN]
)
def test_all_actions_is_not_found_for_other_roles(signed_in_client, make_user, role):
    response = signed_in_client(make_user(role)).get(reverse("actions:all"))
    assert response.status_code == 404


FILTERS = [
    ("agency:home", ["home_open", "home_overdue"]),
    ("agency:away", ["away_complete", "away_signed_off"]),
    ("status:open", ["home_open", "home_overdue"]),
    ("status:overdue", ["home_overdue"]),
    ("status:not_started", ["home_open"]),
    ("status:at_risk", ["home_overdue"]),
    ("status:complete", ["away_complete"]),
    ("status:signed_off", ["away_signed_off"]),
    ("status:on_track", []),
    ("theme:0", ["home_open"]),
    ("theme:1", ["away_complete"]),
    ("source:audit", ["away_complete"]),
    ("source:review", ["home_open", "home_overdue", "away_signed_off"]),
    ("", ["home_open", "home_overdue", "away_complete", "away_signed_off"]),
]


@pytest.mark.parametrize(("query", "expected"), FILTERS, ids=[q or "none" for q, _ in FILTERS])
def test_all_actions_filters(bu_client, filter_world, home, away, query, expected):
    params = {}
    if query:
        key, value = query.split(":")
        if key == "agency":
            value = {"home": home, "away": away}[value].pk
        elif key == "theme":
            value = filter_world["themes"][int(value)].pk
        params[key] = value

    response = bu_client.get(reverse("actions:all"), params)

    assert response.status_code == 200
    assert sorted(references_in(text(response))) == sorted(
        filter_world[name].reference for name in expected
    )


@pytest.mark.parametrize("sort", sorted(SORTS))
def test_all_actions_sorts(bu_client, filter_world, sort):
    response = bu_client.get(reverse("actions:all"), {"sort": sort})
    assert response.status_code == 200
    actions = list(Action.objects.select_related("owner_agency"))
    key = sort.lstrip("-")
    getters = {
        "due_date": lambda a: (a.due_date, a.pk),
        "reference": lambda a: a.reference,
        "agency": lambda a: (a.owner_agency.name, a.due_date),
        "status": lambda a: (a.status, a.due_date),
    }
    expected = sorted(actions, key=getters[key], reverse=sort.startswith("-"))
    if key in ("agency", "status"):  # the tie-break stays ascending by due date
        groups = {}
        for a in expected:
            groups.setdefault(getters[key](a)[0], []).append(a)
        expected = [a for g in groups.values() for a in sorted(g, key=lambda a: a.due_date)]
    assert references_in(text(response)) == [a.reference for a in expected]


def test_all_actions_sort_and_filter_together(bu_client, filter_world, away):
    response = bu_client.get(reverse("actions:all"), {"agency": away.pk, "sort": "-due_date"})
    assert references_in(text(response)) == [
        filter_world["away_complete"].reference,
        filter_world["away_signed_off"].reference,
    ]


@pytest.mark.parametrize("sort", ["bogus", "owner__password", "-", "due_date;drop"])
def test_all_actions_unknown_sort_is_not_found(bu_client, filter_world, sort):
    assert bu_client.get(reverse("actions:all"), {"sort": sort}).status_code == 404


def test_all_actions_unknown_filter_values_do_not_fail(bu_client, filter_world):
    response = bu_client.get(
        reverse("actions:all"), {"status": "nonsense", "agency": "x", "theme": "999999"}
    )
    assert response.status_code == 200


# --------------------------------------------------------------------------- plans


def test_plan_list_and_detail(bu_client, plan, make_action, away):
    first = make_action()
    second = make_action(owner_agency=away, status="complete")

    listing = bu_client.get(reverse("actions:plans"))
    assert listing.status_code == 200
    assert plan.reference in text(listing)
    assert "Create an action plan" in text(listing)

    detail = bu_client.get(reverse("actions:plan", args=[plan.reference]))
    assert detail.status_code == 200
    assert set(references_in(text(detail))) == {first.reference, second.reference}
    assert "Add an action" in text(detail)


def test_plan_list_shows_an_agency_lead_only_plans_with_their_actions(
    lead_client, bu, plan, make_action, away
):
    other_plan = services.action_plan_create(by=bu, title="Elsewhere", source="audit")
    make_action()
    make_action(owner_agency=away, plan_=other_plan)

    html = text(lead_client.get(reverse("actions:plans")))
    assert plan.reference in html
    assert other_plan.reference not in html
    assert "Create an action plan" not in html


def test_plan_list_counts_only_the_actions_the_user_can_see(
    lead_client, bu_client, plan, make_action, away
):
    make_action()
    make_action(owner_agency=away)
    make_action(owner_agency=away)

    def counts(client):
        html = text(client.get(reverse("actions:plans")))
        return re.findall(r'govuk-table__cell--numeric">(\d+)<', html)

    assert counts(bu_client) == ["3", "3"]
    assert counts(lead_client) == ["1", "1"]


# --------------------------------------------------------------------------- query counts


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("page", ["mine", "all", "plans", "plan"])
def test_list_pages_use_the_same_number_of_queries_for_3_or_30_actions(
    signed_in_client, make_user, bu, plan, home, page
):
    viewer = make_user(Role.BUSINESS_UNIT, agency=home)
    client = signed_in_client(viewer)
    themes = list(Theme.objects.order_by("name")[:3])
    owners = [make_user(Role.PRACTITIONER, agency=home) for _ in range(30)]

    def add(count: int, start: int):
        for i in range(start, start + count):
            action = services.action_create(
                by=bu,
                plan=plan,
                lesson="L",
                description=f"Action {i}",
                expected_change="C",
                owner_agency=home,
                owner=owners[i],
                due_date=today() + timedelta(days=i + 1),
                themes=themes[: 1 + i % 3],
            )
            services.action_progress_add(action=action, by=bu, note="Started")
        services.action_plan_create(by=bu, title=f"Plan {start}", source="audit", themes=themes)

    url = {
        "mine": reverse("actions:mine"),
        "all": reverse("actions:all") + "?sort=agency",
        "plans": reverse("actions:plans"),
        "plan": reverse("actions:plan", args=[plan.reference]),
    }[page]
    add(3, 0)
    client.get(url)  # warm the session and the working-day calendar
    few = count_queries(client, url)
    add(27, 3)
    many = count_queries(client, url)

    assert few == many, (few, many)
    assert few < 40
    html = text(client.get(url))
    if page != "plans":
        assert len(references_in(html)) == 30
