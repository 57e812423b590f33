"""A browser journey through a status button's page: the business unit presses "Record the
review meeting", fills in the meeting on that page, leaving out the facts at first, and the
status moves; then, on the recommendation's page, the alternative learning route appears only
when "No review" is chosen (GOV.UK conditional reveal).

The case is driven through the services to the point where every agency return is in, with
the local authority aware two working days ago, so every date used is today or earlier. Every
page reached is checked with axe-core by the harness.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from sightline.core.clocks import get_calendar, today
from sightline.reviews.models import RapidReview
from sightline.reviews.tests.conftest import (  # noqa: F401 - `partnership` is a fixture
    advance_case,
    partnership,
)
from tests.e2e.review_helpers import (
    People,
    banner,
    choose,
    error_summary,
    fill_date,
    heading,
    label,
)

MEETING = "Record the review meeting"


@pytest.fixture
def people(browser, live_server, django_db_serialized_rollback):
    crowd = People(browser, live_server.url)
    yield crowd
    crowd.close()


def test_the_review_meeting_is_recorded_on_the_page_its_button_opens(
    partnership,  # noqa: F811 - the fixture imported above
    people,
):
    aware = get_calendar().subtract_working_days(today(), 2)
    case = advance_case(partnership, "returns_submitted", aware_date=aware)
    bu = people.open("bu", partnership.bu)
    page = bu.page
    bu.visit(reverse("reviews:rapid-review", args=[case.reference]))

    bu.click_link(MEETING)

    # The page asks for the meeting itself: nothing is missing elsewhere, no detour.
    expect(heading(page)).to_have_text(MEETING)
    expect(page.locator("#missing")).to_have_count(0)
    expect(page.get_by_role("link", name="Add the missing details")).to_have_count(0)
    expect(page.get_by_text("(optional)", exact=False)).to_have_count(3)  # two extras, the note
    fill_date(page, "Meeting date", today())
    bu.fill(label("Attendees"), "Delegated safeguarding partners; named nurse; DSL.")
    bu.fill(label("Immediate safety actions"), "The sibling lives with a grandparent.")
    bu.fill(label("Family context"), "Mother is a care leaver; insecure tenancy.")
    bu.submit(MEETING)

    # The facts were left out: the message is beside the field and what was typed is kept.
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(error_summary(page)).to_contain_text("Enter the facts of the case")
    expect(page.locator("#id_facts-error")).to_contain_text("Enter the facts of the case")
    expect(page.get_by_label(label("Attendees"))).to_have_value(
        "Delegated safeguarding partners; named nurse; DSL."
    )
    meeting_date = page.get_by_role("group", name=label("Meeting date"))
    expect(meeting_date.get_by_label("Day", exact=True)).to_have_value(str(today().day))
    assert RapidReview.objects.get(case=case).status == RapidReview.Status.RETURNS_REQUESTED

    bu.fill(label("Facts of the case"), "Five agencies knew the family.")
    bu.submit(MEETING)

    expect(banner(page)).to_contain_text("Rapid review status: review meeting held")
    expect(heading(page)).to_have_text("Rapid review")
    rr = RapidReview.objects.get(case=case)
    assert rr.status == RapidReview.Status.MEETING_HELD
    assert rr.meeting_date == today()
    assert rr.facts == "Five agencies knew the family."

    # The recommendation's page reveals the alternative route under "No review" only.
    bu.click_link("Record the recommendation")
    alternative = page.get_by_label(label("Alternative learning route"))
    expect(alternative).to_be_hidden()
    no_review = page.get_by_label("No review: alternative learning route", exact=True)
    expect(no_review).to_have_attribute("aria-expanded", "false")
    choose(page, "What does the rapid review recommend?", "No review: alternative learning route")
    expect(alternative).to_be_visible()
    expect(no_review).to_have_attribute("aria-expanded", "true")
    bu.check()
