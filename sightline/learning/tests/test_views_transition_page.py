"""A briefing's moves are made from their pages: publishing asks for its dates and is done in
one POST, the tiles written on the briefing's own page are listed with a link to it, a stale
version is refused; the tiles are labelled as needed to send it for review; and the date an
agency shared it cannot be in the future."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from sightline.core.calendar import add_months
from sightline.core.clocks import today
from sightline.learning import services
from sightline.learning.models import Briefing, Dissemination
from sightline.learning.tests.test_views_support import date_fields, text, url

pytestmark = pytest.mark.django_db
S = Briefing.Status


def test_publishing_is_done_in_one_post_with_its_dates(make_briefing, client_for):
    briefing = make_briefing(S.APPROVED)
    review = add_months(today(), 12)

    response = client_for("bu").post(
        url("status", briefing.reference, "publish"),
        {
            "version": briefing.version,
            **date_fields("publish_date", today()),
            **date_fields("review_date", review),
        },
    )

    assert response.status_code == 302
    saved = Briefing.objects.get(pk=briefing.pk)
    assert saved.status == S.PUBLISHED
    assert saved.review_date == review


def test_a_missing_review_date_is_shown_beside_it_and_the_publish_date_is_kept(
    make_briefing, client_for
):
    briefing = make_briefing(S.APPROVED)
    publish = today() - timedelta(days=1)

    response = client_for("bu").post(
        url("status", briefing.reference, "publish"),
        {"version": briefing.version, **date_fields("publish_date", publish)},
    )

    html = text(response)
    assert '<a href="#id_review_date_day">Enter the review date</a>' in html
    assert 'id="id_review_date-error"' in html
    assert f'name="publish_date_day" type="text" value="{publish.day}"' in html
    assert Briefing.objects.get(pk=briefing.pk).status == S.APPROVED


def test_tiles_written_on_the_briefings_own_page_are_listed_with_a_link_to_it(
    make_briefing, client_for
):
    briefing = make_briefing(S.DRAFT, section_6="")
    html = text(client_for("bu").get(url("status", briefing.reference, "submit")))
    edit = url("edit", briefing.reference)
    assert f'<a class="govuk-link" href="{edit}">Things to remember (tile 6)</a>' in html


def test_a_stale_submission_is_refused(make_briefing, people, client_for):
    briefing = make_briefing(S.DRAFT)
    opened_at = briefing.version
    services.briefing_update(
        briefing=briefing, by=people["bu"], expected_version=briefing.version, title="Renamed"
    )

    response = client_for("bu").post(
        url("status", briefing.reference, "submit"), {"version": opened_at}
    )

    assert "Your changes have not been saved" in text(response)
    assert Briefing.objects.get(pk=briefing.pk).status == S.DRAFT


def test_the_tiles_are_labelled_as_needed_to_send_it_for_review(make_briefing, client_for):
    briefing = make_briefing(S.DRAFT)
    html = text(client_for("bu").get(url("edit", briefing.reference)))
    tiles = re.findall(r'for="id_section_\d">([^<]*)</label>', html)
    assert len(tiles) == 7
    assert not [label for label in tiles if label.endswith("(optional)")]
    assert "Reflective questions (optional)" not in html
    assert html.count("Needed before you send it for review") == 8  # seven tiles, the questions


def test_the_date_an_agency_shared_it_cannot_be_in_the_future(sent_briefing, agencies, client_for):
    d = Dissemination.objects.get(briefing=sent_briefing, agency=agencies["home"])

    response = client_for("lead").post(
        url("acknowledge", sent_briefing.reference, d.pk),
        {
            "version": d.version,
            "teams": "Emergency department",
            **date_fields("cascade_date", today() + timedelta(days=1)),
            "staff_reached": "64",
            "changes": "Refer the same day",
        },
    )

    assert "Date it was shared must be today or in the past" in text(response)
    d.refresh_from_db()
    assert d.acknowledged_by is None
