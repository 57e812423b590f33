"""Each move of the rapid review and the local review has a page that asks for the fields the
move needs, so the fields are saved and the move made in one POST. Problems are shown beside
their fields with what was typed kept, a stale version is refused, the fields a later move
needs are not labelled "(optional)", and radios reveal the fields that depend on them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from sightline.core.clocks import today
from sightline.core.models import Event
from sightline.reviews import services, services_local
from sightline.reviews.forms_rapid import REG11_CRITERIA
from sightline.reviews.models import LocalReview, RapidReview
from sightline.reviews.tests.test_views_case_support import date_fields, notify
from sightline.reviews.tests.test_views_local_support import move, reload
from sightline.reviews.tests.test_views_rapid import _record_meeting, _submit, _url

pytestmark = pytest.mark.django_db

R = RapidReview.Status
MEETING = {
    "attendees": "Chair; police; health",
    "facts": "Two agencies knew of the bruising",
    "immediate_actions": "Safety plan for the sibling",
    "family_context": "Mother is a care leaver; race and inequalities considered",
}


@pytest.fixture
def rr(world):
    """A notified case whose rapid review has asked the academy and the health trust."""
    notify(world, world["case"])
    review = RapidReview.objects.get(case=world["case"])
    services.rapid_review_request_returns(
        rr=review,
        by=world["bu"],
        expected_version=review.version,
        agencies=[world["school"], world["health"]],
        due_date=today(),
    )
    review.refresh_from_db()
    return review


@pytest.fixture
def returns_in(world, rr):
    _submit(world, "school", "school_lead", "School")
    _submit(world, "health", "health_lead", "Health")
    rr.refresh_from_db()
    return rr


@pytest.fixture
def bu(world, signed_in_client):
    return signed_in_client(world["bu"])


def text(response) -> str:
    return response.content.decode()


def _page(world, name):
    return _url("reviews:rapid-review-status", world, name)


def _saved(rr) -> RapidReview:
    return RapidReview.objects.get(pk=rr.pk)


# --------------------------------------------------------------------------- the review meeting


def test_the_review_meeting_is_recorded_from_its_own_page_in_one_post(world, returns_in, bu):
    page = bu.get(_page(world, "record_meeting"))
    html = text(page)

    assert page.status_code == 200
    for name in ("meeting_date_day", "attendees", "facts", "immediate_actions", "family_context"):
        assert f'name="{name}"' in html, name
    # Asked for here, so not labelled optional, and no detour to another page.
    assert "Meeting date (optional)" not in html
    assert "Attendees (optional)" not in html
    assert "This cannot be done yet" not in html
    assert _url("reviews:rapid-review-edit", world, "meeting") not in html

    response = bu.post(
        _page(world, "record_meeting"),
        {"version": returns_in.version, **date_fields("meeting_date", today()), **MEETING},
    )

    assert response.status_code == 302
    assert response["Location"] == _url("reviews:rapid-review", world)
    saved = _saved(returns_in)
    assert saved.status == R.MEETING_HELD
    assert saved.meeting_date == today()
    assert saved.facts == MEETING["facts"]
    event = Event.objects.get(action="rapid_review.record_meeting")
    assert event.changes["status"] == [R.RETURNS_REQUESTED, R.MEETING_HELD]
    assert event.changes["attendees"][1] == MEETING["attendees"]


def test_missing_meeting_fields_are_shown_beside_each_field_and_what_was_typed_is_kept(
    world, returns_in, bu
):
    response = bu.post(
        _page(world, "record_meeting"),
        {"version": returns_in.version, "attendees": "Chair; police", "facts": ""},
    )

    html = text(response)
    assert response.status_code == 200
    assert "<title>Error: " in html
    assert '<a href="#id_meeting_date_day">Enter the meeting date</a>' in html
    assert '<a href="#id_facts">Enter the facts of the case</a>' in html
    assert 'id="id_meeting_date-error"' in html
    assert 'id="id_facts-error"' in html
    assert ">\nChair; police</textarea>" in html
    saved = _saved(returns_in)
    assert saved.status == R.RETURNS_REQUESTED
    assert saved.attendees == ""  # nothing is saved without the move


def test_a_meeting_date_in_the_future_is_refused(world, returns_in, bu):
    tomorrow = today() + timedelta(days=1)
    response = bu.post(
        _page(world, "record_meeting"),
        {"version": returns_in.version, **date_fields("meeting_date", tomorrow), **MEETING},
    )

    assert "Meeting date must be today or in the past" in text(response)
    assert _saved(returns_in).status == R.RETURNS_REQUESTED


def test_a_stale_version_is_refused_and_shows_what_changed(world, returns_in, bu):
    opened_at = returns_in.version
    services.rapid_review_update(
        rr=returns_in,
        by=world["bu"],
        expected_version=returns_in.version,
        attendees="Someone else's list",
    )

    response = bu.post(
        _page(world, "record_meeting"),
        {"version": opened_at, **date_fields("meeting_date", today()), **MEETING},
    )

    html = text(response)
    assert response.status_code == 200
    assert "Your changes have not been saved" in html
    assert "Someone else&#x27;s list" in html  # what is saved now, beside what was typed
    saved = _saved(returns_in)
    assert saved.status == R.RETURNS_REQUESTED
    assert saved.attendees == "Someone else's list"
    assert f'name="version" value="{saved.version}"' in html


def test_what_the_form_cannot_give_is_listed_with_a_link_to_where_it_is_done(world, rr, bu):
    html = text(bu.get(_page(world, "record_meeting")))

    assert "This cannot be done yet" in html
    returns = _url("reviews:rapid-review", world) + "#returns"
    assert f'<a class="govuk-link" href="{returns}">Returns are still awaited from' in html

    refused = bu.post(
        _page(world, "record_meeting"),
        {"version": rr.version, **date_fields("meeting_date", today()), **MEETING},
    )
    assert "Returns are still awaited from" in text(refused)
    assert _saved(rr).status == R.RETURNS_REQUESTED


# --------------------------------------------------------------------------- the recommendation


def test_the_recommendation_and_its_criteria_are_recorded_in_one_post(world, returns_in, bu):
    _record_meeting(world, returns_in)
    rr = _saved(returns_in)
    page = text(bu.get(_page(world, "recommend")))
    assert "The regulation 11 criteria: the case" in page
    assert "What does the rapid review recommend? (optional)" not in page

    response = bu.post(
        _page(world, "recommend"),
        {
            "version": rr.version,
            "recommendation": "local_review",
            "criteria": ["criterion_improvements", "criterion_agencies_working_together"],
            "recommendation_reasons": "Information was not brought together",
        },
    )

    assert response.status_code == 302
    saved = _saved(rr)
    assert saved.status == R.RECOMMENDATION_MADE
    assert saved.recommendation == "local_review"
    assert saved.criterion_improvements is True
    assert saved.criterion_agencies_working_together is True
    assert saved.criterion_recurrent_themes is False


def test_no_review_reveals_the_alternative_route_and_needs_it(world, returns_in, bu):
    _record_meeting(world, returns_in)
    rr = _saved(returns_in)
    page = text(bu.get(_page(world, "recommend")))
    assert 'value="no_review" data-aria-controls="conditional-id_recommendation-' in page
    assert "govuk-radios__conditional govuk-radios__conditional--hidden" in page
    assert "Alternative learning route (optional)" not in page

    refused = bu.post(
        _page(world, "recommend"),
        {"version": rr.version, "recommendation": "no_review", "recommendation_reasons": "Met"},
    )
    html = text(refused)
    assert '<a href="#id_alternative_learning">Enter the alternative learning route</a>' in html
    # The chosen option's panel is open, with the error inside it.
    assert 'class="govuk-radios__conditional" id="conditional-id_recommendation-' in html
    assert _saved(rr).status == R.MEETING_HELD

    done = bu.post(
        _page(world, "recommend"),
        {
            "version": rr.version,
            "recommendation": "no_review",
            "recommendation_reasons": "Met",
            "alternative_learning": "A Line of Sight learning event",
        },
    )
    assert done.status_code == 302
    assert _saved(rr).alternative_learning == "A Line of Sight learning event"


def test_the_change_page_says_which_move_needs_each_field(world, returns_in, bu):
    meeting = text(bu.get(_url("reviews:rapid-review-edit", world, "meeting")))
    assert "Meeting date (optional)" not in meeting
    assert "Needed before you record the review meeting" in meeting
    assert "Learning already shared (optional)" in meeting  # no move needs it

    recommendation = text(bu.get(_url("reviews:rapid-review-edit", world, "recommendation")))
    assert "Needed before you record the recommendation" in recommendation
    assert "data-aria-controls" in recommendation
    for text_of_criterion in REG11_CRITERIA.values():
        assert text_of_criterion in recommendation


def test_an_agency_return_says_what_is_needed_to_submit_it(world, rr, signed_in_client):
    page = text(
        signed_in_client(world["school_lead"]).get(
            _url("reviews:return", world, world["school"].pk)
        )
    )
    assert "Your agency&#x27;s involvement with the child and family (optional)" not in page
    assert "Key practice episodes (optional)" not in page
    assert page.count("Needed before you submit the return") == 2
    assert "Early learning (optional)" in page


# --------------------------------------------------------------------------- the decision


def test_the_decision_is_recorded_in_one_post_and_commissions_the_local_review(
    world, returns_in, bu
):
    rr = returns_in
    RapidReview.objects.filter(pk=rr.pk).update(status=R.SENT_TO_PANEL, sent_to_panel_date=today())
    rr = _saved(rr)

    response = bu.post(
        _page(world, "decide"),
        {
            "version": rr.version,
            "decision": "lcspr",
            **date_fields("decision_date", today()),
            "decision_reasons": "Criteria (a) and (c) are met",
        },
    )

    assert response.status_code == 302
    assert _saved(rr).status == R.DECIDED
    assert LocalReview.objects.filter(case=world["case"], decision_date=today()).exists()


def test_a_panel_response_before_the_date_sent_is_refused_beside_its_date(world, returns_in, bu):
    sent = today()
    RapidReview.objects.filter(pk=returns_in.pk).update(
        status=R.SENT_TO_PANEL, sent_to_panel_date=sent
    )
    rr = _saved(returns_in)

    response = bu.post(
        _page(world, "record_panel_response"),
        {
            "version": rr.version,
            **date_fields("panel_response_date", sent - timedelta(days=1)),
            "panel_response": "Agreed",
        },
    )

    assert (
        '<a href="#id_panel_response_date_day">Date of the Panel&#x27;s response must be on or '
        "after the date sent</a>" in text(response)
    )
    assert _saved(rr).status == R.SENT_TO_PANEL


# --------------------------------------------------------------------------- the notification


def test_each_notification_decision_reveals_its_own_fields(world, signed_in_client):
    page = text(
        signed_in_client(world["notifier"]).get(
            reverse("reviews:notification", args=[world["case"].reference])
        )
    )
    assert 'value="notify" data-aria-controls="conditional-id_decision"' in page
    assert 'value="not_notify" data-aria-controls="conditional-id_decision-2"' in page
    notify_panel = page[page.index('id="conditional-id_decision"') :]
    assert notify_panel.index('name="sent_date_day"') < notify_panel.index(
        'id="conditional-id_decision-2"'
    )
    assert page.count('name="panel_reference"') == 1
    for label in ("Date the notification was sent", "Panel reference", "Decision date"):
        assert f"{label} (optional)" not in page, label


def test_a_missing_notification_field_is_shown_beside_it(world, signed_in_client):
    n = world["case"].notification
    day = today()
    response = signed_in_client(world["notifier"]).post(
        reverse("reviews:notification", args=[world["case"].reference]),
        {
            "version": n.version,
            "abuse_or_neglect": "True",
            "death_or_serious_harm": "True",
            "looked_after_child": "False",
            "decision": "notify",
            **date_fields("decision_date", day),
            **date_fields("sent_date", day),
            **date_fields("partners_informed_date", day),
            **date_fields("partnership_copy_date", day),
        },
    )

    html = text(response)
    assert '<a href="#id_panel_reference">Enter the Panel reference</a>' in html
    assert 'id="id_panel_reference-error"' in html


# --------------------------------------------------------------------------- the local review


def test_the_terms_of_reference_are_agreed_from_their_page_in_one_post(people, case, clients):
    review = move(case.local_review, people["bu"], "confirm_reviewer")
    page_url = reverse("reviews:local-review-status", args=[case.reference, "agree_tor"])
    page = text(clients["bu"].get(page_url))
    assert 'name="terms_of_reference"' in page
    assert "Terms of reference (optional)" not in page

    missing = clients["bu"].post(
        page_url, {"version": review.version, "terms_of_reference": "The period from birth"}
    )
    assert '<a href="#id_methodology">Enter the methodology</a>' in text(missing)
    assert ">\nThe period from birth</textarea>" in text(missing)
    assert reload(review).status == LocalReview.Status.REVIEWER_APPOINTED

    done = clients["bu"].post(
        page_url,
        {
            "version": review.version,
            "terms_of_reference": "The period from birth",
            "methodology": "Systems approach",
        },
    )
    assert done.status_code == 302
    saved = reload(review)
    assert saved.status == LocalReview.Status.TOR_AGREED
    assert saved.methodology == "Systems approach"


def test_a_stale_local_review_move_is_refused(people, case, clients):
    review = move(case.local_review, people["bu"], "confirm_reviewer")
    opened_at = review.version
    services_local.local_review_update(
        review=review, by=people["bu"], expected_version=review.version, methodology="Theirs"
    )

    response = clients["bu"].post(
        reverse("reviews:local-review-status", args=[case.reference, "agree_tor"]),
        {"version": opened_at, "terms_of_reference": "Mine", "methodology": "Mine"},
    )

    assert "Your changes have not been saved" in text(response)
    saved = reload(review)
    assert saved.status == LocalReview.Status.REVIEWER_APPOINTED
    assert saved.methodology == "Theirs"


def test_the_details_page_says_which_move_needs_each_field(people, case, clients):
    page = text(clients["bu"].get(reverse("reviews:local-review-edit", args=[case.reference])))
    assert "Needed before you agree terms of reference" in page
    assert "Needed before you agree the final report" in page
    assert "Date the final report was agreed (optional)" not in page
    assert "Reason for any delay (optional)" in page
