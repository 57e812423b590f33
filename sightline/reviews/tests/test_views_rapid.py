"""Rapid review pages: the review, agency returns and the collated pack, the record's sections,
workflow moves and partner sign-off."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sightline.accounts.models import Role
from sightline.core.clocks import get_calendar, today
from sightline.core.models import Event
from sightline.reviews import services
from sightline.reviews.models import (
    AgencyReturn,
    Case,
    CaseStage,
    LocalReview,
    PartnerSignOff,
    RapidReview,
)
from sightline.reviews.tests.test_views_case_support import (
    CHILD_NAME,
    date_fields,
    h1_count,
    notify,
)

pytestmark = pytest.mark.django_db


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


def _url(name, world, *args):
    return reverse(name, args=[world["case"].reference, *args])


def _submit(world, agency_key, lead_key, text):
    ret = AgencyReturn.objects.get(rapid_review__case=world["case"], agency=world[agency_key])
    services.agency_return_save(
        ret=ret,
        by=world[lead_key],
        expected_version=ret.version,
        submit=True,
        involvement=text,
        key_practice_episodes="Episodes",
    )


def _record_meeting(world, rr):
    rr.refresh_from_db()
    services.rapid_review_update(
        rr=rr,
        by=world["bu"],
        expected_version=rr.version,
        meeting_date=today(),
        attendees="Chair; police; health",
        facts="Facts",
        immediate_actions="Safety plan",
        family_context="Context, including race and inequalities",
    )
    rr.refresh_from_db()
    services.rapid_review_transition(
        rr=rr, by=world["bu"], name="record_meeting", expected_version=rr.version
    )


def _recommend(world, rr):
    rr.refresh_from_db()
    services.rapid_review_update(
        rr=rr,
        by=world["bu"],
        expected_version=rr.version,
        recommendation="local_review",
        criterion_improvements=True,
        recommendation_reasons="Two agencies did not share",
    )
    rr.refresh_from_db()
    services.rapid_review_transition(
        rr=rr, by=world["bu"], name="recommend", expected_version=rr.version
    )
    rr.refresh_from_db()


# --- The page -----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["bu", "la_partner", "scrutineer", "school_lead", "notifier"])
def test_the_rapid_review_page_renders_for_everyone_on_the_case(who, world, rr, signed_in_client):
    response = signed_in_client(world[who]).get(_url("reviews:rapid-review", world))

    assert response.status_code == 200
    assert h1_count(response) == 1
    body = response.content.decode()
    assert "Rapid review to the Panel" in body  # the clock
    assert CHILD_NAME not in body


def test_an_uninvolved_agency_gets_404_on_every_rapid_review_page(world, rr, signed_in_client):
    client = signed_in_client(world["other_lead"])
    urls = [
        _url("reviews:rapid-review", world),
        _url("reviews:request-returns", world),
        _url("reviews:return", world, world["school"].pk),
        _url("reviews:rapid-review-edit", world, "meeting"),
        _url("reviews:rapid-review-status", world, "record_meeting"),
        _url("reviews:sign-off", world, "rapid_review"),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    assert client.post(_url("reviews:share-pack", world)).status_code == 404
    assert RapidReview.objects.get(pk=rr.pk).pack_shared_at is None


def test_the_business_unit_sees_every_return_the_sections_and_exports(world, rr, signed_in_client):
    body = signed_in_client(world["bu"]).get(_url("reviews:rapid-review", world)).content.decode()

    assert "Northvale Academy" in body
    assert "Northvale Health Trust" in body
    assert "0 of 2 returns submitted" in body
    assert "Review meeting" in body
    assert _url("reviews:rapid-review-edit", world, "meeting") in body
    assert _url("reviews:rapid-review-export", world) + "?format=docx" in body
    assert "Share the collated pack" in body


# --- Requesting returns -------------------------------------------------------------------------


def test_the_business_unit_requests_returns(world, signed_in_client):
    notify(world, world["case"])
    review = RapidReview.objects.get(case=world["case"])
    client = signed_in_client(world["bu"])
    url = _url("reviews:request-returns", world)

    page = client.get(url)
    assert page.status_code == 200
    assert page.context["form"].initial["due_date"] == get_calendar().add_working_days(
        review.start_date, 10
    )
    assert set(page.context["form"].initial["agencies"]) == set(
        world["case"].involved_agencies.all()
    )
    empty = client.post(url, {"version": review.version, **date_fields("due_date", today())})
    assert "Select at least one agency" in empty.content.decode()

    response = client.post(
        url,
        {
            "version": review.version,
            "agencies": [world["health"].pk],
            **date_fields("due_date", today()),
        },
    )

    assert response.status_code == 302
    review.refresh_from_db()
    assert review.status == RapidReview.Status.RETURNS_REQUESTED
    assert list(review.returns.values_list("agency__name", flat=True)) == ["Northvale Health Trust"]
    assert client.get(url).status_code == 404  # only while the review is open


def test_only_the_business_unit_requests_returns(world, signed_in_client):
    notify(world, world["case"])
    for who in ("school_lead", "la_partner", "scrutineer"):
        client = signed_in_client(world[who])
        assert client.get(_url("reviews:request-returns", world)).status_code == 404


# --- Agency returns and the collated pack ------------------------------------------------------


def test_an_agency_lead_sees_only_their_own_return_until_the_pack_is_shared(
    world, rr, signed_in_client
):
    _submit(world, "health", "health_lead", "Health visitor saw the family twice")
    client = signed_in_client(world["school_lead"])

    page = client.get(_url("reviews:rapid-review", world)).content.decode()
    assert "Northvale Academy" in page
    assert "Northvale Health Trust" not in page
    assert "Review meeting" not in page  # collated sections are hidden too
    assert client.get(_url("reviews:return", world, world["health"].pk)).status_code == 404
    assert (
        client.get(_url("reviews:rapid-review-export", world), {"format": "pdf"}).status_code == 404
    )

    shared = signed_in_client(world["bu"]).post(_url("reviews:share-pack", world))
    assert shared.status_code == 302

    page = client.get(_url("reviews:rapid-review", world)).content.decode()
    assert "Northvale Health Trust" in page
    other = client.get(_url("reviews:return", world, world["health"].pk))
    assert other.status_code == 200
    assert "Health visitor saw the family twice" in other.content.decode()
    assert "Submit return" not in other.content.decode()  # read only
    refused = client.post(
        _url("reviews:return", world, world["health"].pk),
        {"involvement": "Changed", "action": "save"},
    )
    assert refused.status_code == 404


def test_an_agency_lead_saves_a_draft_then_submits(world, rr, signed_in_client):
    client = signed_in_client(world["school_lead"])
    url = _url("reviews:return", world, world["school"].pk)
    ret = AgencyReturn.objects.get(rapid_review=rr, agency=world["school"])
    page = client.get(url)
    assert page.status_code == 200
    assert "Save draft" in page.content.decode()
    assert "Submit return" in page.content.decode()

    draft = client.post(
        url, {"version": ret.version, "involvement": "Attended school", "action": "save"}
    )
    assert draft.status_code == 302
    ret.refresh_from_db()
    assert ret.status == AgencyReturn.Status.REQUESTED
    assert ret.involvement == "Attended school"

    missing = client.post(
        url, {"version": ret.version, "involvement": "Attended school", "action": "submit"}
    )
    assert "Enter the key practice episodes" in missing.content.decode()

    done = client.post(
        url,
        {
            "version": ret.version,
            "involvement": "Attended school",
            "key_practice_episodes": "Absence not followed up",
            "action": "submit",
        },
    )
    assert done.status_code == 302
    ret.refresh_from_db()
    assert ret.status == AgencyReturn.Status.SUBMITTED
    assert ret.submitted_by == world["school_lead"]
    # Once submitted, the agency reads it but can no longer change it.
    after = client.get(url)
    assert "Absence not followed up" in after.content.decode()
    assert "Submit return" not in after.content.decode()


def test_a_stale_return_is_refused(world, rr, signed_in_client):
    ret = AgencyReturn.objects.get(rapid_review=rr, agency=world["school"])
    seen = ret.version
    services.agency_return_save(
        ret=ret,
        by=world["bu"],
        expected_version=seen,
        submit=False,
        involvement="The business unit's words",
    )

    response = signed_in_client(world["school_lead"]).post(
        _url("reviews:return", world, world["school"].pk),
        {"version": seen, "involvement": "Mine", "action": "save"},
    )

    assert response.status_code == 200
    assert "Your changes have not been saved" in response.content.decode()
    ret.refresh_from_db()
    assert ret.involvement == "The business unit's words"


def test_a_practitioner_cannot_complete_their_agencys_return(
    world, rr, make_user, signed_in_client
):
    practitioner = make_user(Role.PRACTITIONER, agency=world["school"])
    client = signed_in_client(practitioner)
    response = client.get(_url("reviews:return", world, world["school"].pk))

    assert response.status_code == 200
    assert "Submit return" not in response.content.decode()
    assert (
        client.post(
            _url("reviews:return", world, world["school"].pk),
            {"involvement": "x", "action": "submit"},
        ).status_code
        == 404
    )


# --- Sections and workflow ---------------------------------------------------------------------


def test_the_business_unit_records_the_meeting_section(world, rr, signed_in_client):
    client = signed_in_client(world["bu"])
    url = _url("reviews:rapid-review-edit", world, "meeting")
    assert client.get(url).status_code == 200

    response = client.post(
        url,
        {
            "version": rr.version,
            **date_fields("meeting_date", today()),
            "attendees": "Chair",
            "facts": "What happened",
            "immediate_actions": "Siblings safe",
            "family_context": "Race and inequalities considered",
        },
    )

    assert response.status_code == 302
    rr.refresh_from_db()
    assert rr.meeting_date == today()
    assert rr.family_context == "Race and inequalities considered"
    assert Event.objects.filter(action="rapid_review.update").exists()


def test_a_stale_section_edit_is_refused(world, rr, signed_in_client):
    seen = rr.version
    services.rapid_review_update(rr=rr, by=world["bu"], expected_version=seen, facts="Theirs")

    response = signed_in_client(world["bu"]).post(
        _url("reviews:rapid-review-edit", world, "meeting"), {"version": seen, "facts": "Mine"}
    )

    assert "Your changes have not been saved" in response.content.decode()
    rr.refresh_from_db()
    assert rr.facts == "Theirs"


def test_recommending_no_review_needs_the_alternative_route(world, rr, signed_in_client):
    response = signed_in_client(world["bu"]).post(
        _url("reviews:rapid-review-edit", world, "recommendation"),
        {"version": rr.version, "recommendation": "no_review"},
    )

    assert "Enter the alternative learning route" in response.content.decode()


def test_unknown_sections_and_transitions_are_404(world, rr, signed_in_client):
    client = signed_in_client(world["bu"])

    assert client.get(_url("reviews:rapid-review-edit", world, "status")).status_code == 404
    assert client.get(_url("reviews:rapid-review-status", world, "teleport")).status_code == 404
    # A real transition that is not available from this status.
    assert client.get(_url("reviews:rapid-review-status", world, "decide")).status_code == 404


def test_the_status_page_asks_for_the_fields_and_lists_what_it_cannot_give(
    world, rr, signed_in_client
):
    client = signed_in_client(world["bu"])
    url = _url("reviews:rapid-review-status", world, "record_meeting")

    page = client.get(url)
    body = page.content.decode()
    assert page.status_code == 200
    assert h1_count(page) == 1
    # The meeting's fields are on this page; only the returns are for elsewhere.
    assert 'name="meeting_date_day"' in body
    assert _url("reviews:rapid-review-edit", world, "meeting") not in body
    assert "This cannot be done yet" in body
    assert "Returns are still awaited from" in body

    response = client.post(url, {"version": rr.version})

    body = response.content.decode()
    assert "govuk-error-summary" in body
    assert '<a href="#id_meeting_date_day">Enter the meeting date</a>' in body
    rr.refresh_from_db()
    assert rr.status == RapidReview.Status.RETURNS_REQUESTED


def test_workflow_buttons_are_for_the_business_unit_only(world, rr, signed_in_client):
    partner = signed_in_client(world["la_partner"])

    assert (
        "Record the review meeting"
        not in partner.get(_url("reviews:rapid-review", world)).content.decode()
    )
    assert (
        partner.get(_url("reviews:rapid-review-status", world, "record_meeting")).status_code == 404
    )
    bu_page = signed_in_client(world["bu"]).get(_url("reviews:rapid-review", world))
    assert "Record the review meeting" in bu_page.content.decode()


# --- Sign-off and the decision -----------------------------------------------------------------


def test_partners_sign_off_and_the_decision_commissions_a_local_review(world, rr, signed_in_client):
    _submit(world, "school", "school_lead", "School")
    _submit(world, "health", "health_lead", "Health")
    _record_meeting(world, rr)
    _recommend(world, rr)
    bu = signed_in_client(world["bu"])
    assert (
        "Sign off the rapid review"
        not in bu.get(_url("reviews:rapid-review", world)).content.decode()
    )
    # The partners sign what they can read: every return, once the pack is shared.
    partner_page = signed_in_client(world["la_partner"]).get(_url("reviews:rapid-review", world))
    assert "has not shared the collated pack yet" in partner_page.content.decode()
    assert bu.post(_url("reviews:share-pack", world)).status_code == 302
    refused = bu.post(
        _url("reviews:rapid-review-status", world, "complete_sign_off"), {"version": rr.version}
    )
    assert "Sign-off is still needed from" in refused.content.decode()

    for key, agency in (("la_partner", "la"), ("icb_partner", "icb"), ("police_partner", "police")):
        client = signed_in_client(world[key])
        assert (
            "Sign off the rapid review"
            in client.get(_url("reviews:rapid-review", world)).content.decode()
        )
        page = client.get(_url("reviews:sign-off", world, "rapid_review"))
        assert page.status_code == 200
        assert "Two agencies did not share" in page.content.decode()
        done = client.post(
            _url("reviews:sign-off", world, "rapid_review"),
            {
                "agency": world[agency].pk,
                "comment": "Agreed",
                "fingerprint": page.context["fingerprint"],
            },
        )
        assert done.status_code == 302
    assert PartnerSignOff.objects.filter(case=world["case"]).count() == 3
    # A partner cannot sign for an agency they do not lead.
    assert (
        signed_in_client(world["school_lead"])
        .get(_url("reviews:sign-off", world, "rapid_review"))
        .status_code
        == 404
    )

    rr.refresh_from_db()
    for name in ("complete_sign_off", "send_to_panel", "decide"):
        if name == "send_to_panel":
            bu.post(
                _url("reviews:rapid-review-edit", world, "panel"),
                {"version": rr.version, **date_fields("sent_to_panel_date", today())},
            )
        if name == "decide":
            bu.post(
                _url("reviews:rapid-review-edit", world, "decision"),
                {
                    "version": rr.version,
                    "decision": "lcspr",
                    **date_fields("decision_date", today()),
                    "decision_reasons": "Criteria met",
                },
            )
        rr.refresh_from_db()
        response = bu.post(
            _url("reviews:rapid-review-status", world, name), {"version": rr.version}
        )
        assert response.status_code == 302, name
        rr.refresh_from_db()

    assert rr.status == RapidReview.Status.DECIDED
    case = Case.objects.get(pk=world["case"].pk)
    assert case.stage == CaseStage.LOCAL_REVIEW
    assert LocalReview.objects.filter(case=case).exists()
    # Once decided, the decision itself is no longer editable here.
    assert bu.get(_url("reviews:rapid-review-edit", world, "decision")).status_code == 404
