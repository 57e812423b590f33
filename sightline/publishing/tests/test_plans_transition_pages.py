"""A publication plan's moves are made from their pages: the decision not to publish in one
POST, each missing field shown beside it with what was typed kept, a stale version refused,
the publication date's problems beside the date; what a submission needs from other pages is
listed with links; the plan's dates of things done cannot be in the future; the removal page
reveals its date and time under "At a set date and time", and preparing a publication reveals
the case or the briefing under the kind chosen."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from sightline.core.clocks import today
from sightline.publishing import services
from sightline.publishing.models import PublicationPlan
from sightline.publishing.tests.test_plans_support import (
    approve_by,
    fresh,
    published_plan,
    ready_plan,
    submit,
)

pytestmark = pytest.mark.django_db
S = PublicationPlan.Status
DECISION = {
    "withheld_reasons": "It would identify the sibling.",
    "withheld_decision_makers": "The three delegated safeguarding partners",
}


def body(response) -> str:
    return response.content.decode()


def dates(prefix: str, day) -> dict:
    return {f"{prefix}_day": day.day, f"{prefix}_month": day.month, f"{prefix}_year": day.year}


def test_the_decision_not_to_publish_is_recorded_in_one_post(world, signed_in_client):
    plan = ready_plan(world)
    url = reverse("publishing:withhold", args=[plan.reference])

    response = signed_in_client(world.bu).post(
        url, {"version": plan.version, **DECISION, **dates("withheld_date", today())}
    )

    assert response.status_code == 302
    saved = fresh(plan)
    assert saved.status == S.WITHHELD
    assert saved.withheld_date == today()
    assert saved.withheld_reasons == DECISION["withheld_reasons"]


def test_missing_decision_fields_are_beside_each_field_and_typed_text_is_kept(
    world, signed_in_client
):
    plan = ready_plan(world)
    url = reverse("publishing:withhold", args=[plan.reference])
    client = signed_in_client(world.bu)
    page = body(client.get(url))
    assert "Reasons for not publishing (optional)" not in page
    assert "Date of the decision (optional)" not in page

    response = client.post(
        url, {"version": plan.version, "withheld_reasons": DECISION["withheld_reasons"]}
    )

    html = body(response)
    assert '<a href="#id_withheld_decision_makers">Enter who made the decision</a>' in html
    assert '<a href="#id_withheld_date_day">Enter the date of the decision</a>' in html
    assert 'id="id_withheld_date-error"' in html
    assert ">\nIt would identify the sibling.</textarea>" in html
    assert fresh(plan).status == S.PREPARING


def test_a_decision_dated_in_the_future_is_refused(world, signed_in_client):
    plan = ready_plan(world)
    response = signed_in_client(world.bu).post(
        reverse("publishing:withhold", args=[plan.reference]),
        {"version": plan.version, **DECISION, **dates("withheld_date", today() + timedelta(1))},
    )
    assert "Date of the decision must be today or in the past" in body(response)
    assert fresh(plan).status == S.PREPARING


def test_a_stale_decision_is_refused(world, signed_in_client):
    plan = ready_plan(world)
    opened_at = plan.version
    services.plan_update(
        plan=plan, by=world.bu, expected_version=plan.version, communications_plan="Press line"
    )

    response = signed_in_client(world.bu).post(
        reverse("publishing:withhold", args=[plan.reference]),
        {"version": opened_at, **DECISION, **dates("withheld_date", today())},
    )

    assert "Your changes have not been saved" in body(response)
    assert fresh(plan).status == S.PREPARING


def test_a_missing_publication_date_is_shown_beside_the_date(world, signed_in_client):
    plan = approve_by(
        submit(world, ready_plan(world)), world.approvers["council"], world.approvers["icb"]
    )
    url = reverse("publishing:status", args=[plan.reference, "schedule"])
    client = signed_in_client(world.bu)
    page = body(client.get(url))
    assert "Publication date (optional)" not in page
    assert "Time (optional)" in page

    response = client.post(url, {"version": plan.version, "scheduled_time": "10am"})

    html = body(response)
    assert '<a href="#id_scheduled_date_day">Enter the publication date</a>' in html
    assert 'name="scheduled_time" type="text" value="10am"' in html
    assert fresh(plan).status == S.AWAITING_APPROVAL


def test_what_a_submission_needs_from_other_pages_is_listed_with_links(world, signed_in_client):
    plan = ready_plan(world)
    services.plan_update(
        plan=plan, by=world.bu, expected_version=plan.version, legal_check_done=False
    )
    html = body(
        signed_in_client(world.bu).get(
            reverse("publishing:status", args=[plan.reference, "submit"])
        )
    )
    edit = reverse("publishing:edit", args=[plan.reference])
    assert "This cannot be done yet" in html
    assert (
        f'<a class="govuk-link" href="{edit}">Confirm reporting restrictions and criminal '
        "proceedings are checked</a>" in html
    )


def test_the_plans_dates_of_things_done_cannot_be_in_the_future(world, signed_in_client):
    plan = ready_plan(world)
    client = signed_in_client(world.bu)
    url = reverse("publishing:edit", args=[plan.reference])
    page = body(client.get(url))
    assert "Date the advance copy went to the national Panel (optional)" not in page
    assert "Needed before you submit it for approval, for a review report" in page

    response = client.post(
        url,
        {
            "version": plan.version,
            "title": plan.title,
            "summary": plan.summary,
            "version_kind": plan.version_kind,
            **dates("advance_copy_panel_date", today() + timedelta(days=2)),
        },
    )

    assert "Date the advance copy went to the national Panel must be today or in the past" in (
        body(response)
    )


def test_the_removal_page_reveals_the_date_under_a_set_date_and_time(world, signed_in_client):
    plan = published_plan(world)
    html = body(signed_in_client(world.bu).get(reverse("publishing:remove", args=[plan.reference])))

    assert 'value="later" data-aria-controls="conditional-id_when-2"' in html
    assert 'id="conditional-id_when-2"' in html
    panel = html.index('id="conditional-id_when-2"')
    assert panel < html.index('name="planned_date_day"')
    assert html.count('name="planned_date_day"') == 1
    assert "Removal date (optional)" not in html


def test_preparing_a_publication_reveals_the_case_or_the_briefing_under_its_kind(
    world, signed_in_client
):
    html = body(signed_in_client(world.bu).get(reverse("publishing:create")))

    review = html.index('value="review" data-aria-controls="conditional-id_source"')
    briefing = html.index('value="briefing" data-aria-controls="conditional-id_source-2"')
    assert review < html.index('name="case"') < html.index('name="version_kind"') < briefing
    assert briefing < html.index('name="briefing"')
    assert html.count('name="case"') == 1
    # Every kind but a briefing needs a title and a summary: not marked "(optional)".
    assert "Title (optional)" not in html
    assert "Summary (optional)" not in html
    assert "Not needed for a briefing, whose own title is used" in html
