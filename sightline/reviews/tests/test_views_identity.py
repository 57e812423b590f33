"""Case pages for the restricted record and the people named on the case: a reason before
every read, who may open and change the record, adding and removing members and appointing
the independent reviewer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from sightline.core.clocks import today
from sightline.core.models import Event
from sightline.core.workflow import TransitionRefused
from sightline.reviews import services
from sightline.reviews.models import CaseMember, CaseSubject
from sightline.reviews.tests.test_views_case_support import CHILD_NAME, date_fields, h1_count

pytestmark = pytest.mark.django_db


# --- The restricted record ---------------------------------------------------------------------


def test_opening_the_restricted_record_needs_a_reason_and_is_logged(world, signed_in_client):
    client = signed_in_client(world["bu"])
    url = reverse("reviews:identity", args=[world["case"].reference])

    form = client.get(url)
    assert form.status_code == 200
    assert CHILD_NAME not in form.content.decode()
    refused = client.post(url, {"reason": "  "})
    assert "Enter why you need to see" in refused.content.decode()
    assert CHILD_NAME not in refused.content.decode()
    assert not Event.objects.filter(kind=Event.Kind.READ).exists()

    response = client.post(url, {"reason": "Checking records before the meeting"})

    assert response.status_code == 200  # shown in this response, never via a redirect
    assert CHILD_NAME in response.content.decode()
    assert h1_count(response) == 1
    assert "no-store" in response["Cache-Control"]
    event = Event.objects.get(kind=Event.Kind.READ)
    assert event.actor == world["bu"]
    assert event.reason == "Checking records before the meeting"
    assert event.object_type == "reviews.casesubject"


@pytest.mark.parametrize("who", ["scrutineer", "school_lead", "la_partner"])
def test_those_without_identity_access_get_404(who, world, signed_in_client):
    client = signed_in_client(world[who])
    ref = world["case"].reference
    for name in ("reviews:identity", "reviews:identity-edit"):
        assert client.get(reverse(name, args=[ref])).status_code == 404
        assert client.post(reverse(name, args=[ref]), {"reason": "Audit"}).status_code == 404
    assert not Event.objects.filter(kind=Event.Kind.READ).exists()


def test_a_scrutineer_named_on_the_case_still_never_sees_identities(world, signed_in_client):
    # The scrutineer cannot be named on a case at all ...
    with pytest.raises(TransitionRefused, match="cannot be named as the review group member"):
        services.case_member_add(
            case=world["case"],
            by=world["bu"],
            user=world["scrutineer"],
            part=CaseMember.Part.MEMBER,
            can_see_identity=True,
        )
    # ... and a membership recorded before that rule still does not open the record.
    CaseMember.objects.create(
        case=world["case"],
        user=world["scrutineer"],
        part=CaseMember.Part.MEMBER,
        can_see_identity=True,
    )
    client = signed_in_client(world["scrutineer"])

    response = client.post(
        reverse("reviews:identity", args=[world["case"].reference]), {"reason": "Scrutiny"}
    )

    assert response.status_code == 404


def test_a_member_granted_identity_access_can_open_the_record(world, signed_in_client):
    services.case_member_add(
        case=world["case"],
        by=world["bu"],
        user=world["health_lead"],
        part=CaseMember.Part.MEMBER,
        can_see_identity=True,
    )
    client = signed_in_client(world["health_lead"])

    response = client.post(
        reverse("reviews:identity", args=[world["case"].reference]),
        {"reason": "Matching our records"},
    )

    assert CHILD_NAME in response.content.decode()


def test_editing_the_restricted_record_asks_for_a_reason_first(world, signed_in_client):
    client = signed_in_client(world["bu"])
    url = reverse("reviews:identity-edit", args=[world["case"].reference])
    subject = CaseSubject.objects.get(case=world["case"])

    assert CHILD_NAME not in client.get(url).content.decode()
    form = client.post(url, {"reason": "Correcting the date of birth"})
    assert CHILD_NAME in form.content.decode()
    dob = today() - timedelta(days=2000)
    response = client.post(
        url,
        {
            "step": "save",
            "reason": "Correcting the date of birth",
            "version": subject.version,
            "child_name": CHILD_NAME,
            "nhs_number": "9434765919",
            **date_fields("date_of_birth", dob),
        },
    )

    assert response.status_code == 302
    assert CHILD_NAME not in response["Location"]
    subject.refresh_from_db()
    assert subject.date_of_birth == dob
    update = Event.objects.get(action="case_subject.update")
    assert "date_of_birth" in update.changes["fields"][1]
    assert CHILD_NAME not in str(update.changes)
    assert Event.objects.filter(
        kind=Event.Kind.READ, reason="Correcting the date of birth"
    ).exists()


def test_a_stale_restricted_record_edit_is_refused(world, signed_in_client):
    client = signed_in_client(world["bu"])
    subject = CaseSubject.objects.get(case=world["case"])
    seen = subject.version
    services.case_subject_update(
        subject=subject,
        by=world["bu"],
        expected_version=seen,
        reason="Correcting the school",
        school="Northvale Academy",
    )

    response = client.post(
        reverse("reviews:identity-edit", args=[world["case"].reference]),
        {
            "step": "save",
            "reason": "Update",
            "version": seen,
            "child_name": "Other",
        },
    )

    assert response.status_code == 200
    assert "Your changes have not been saved" in response.content.decode()
    subject.refresh_from_db()
    assert subject.child_name == CHILD_NAME


# --- Members -----------------------------------------------------------------------------------


def test_members_are_added_removed_and_reviewers_appointed(world, signed_in_client):
    client = signed_in_client(world["bu"])
    ref = world["case"].reference
    page = client.get(reverse("reviews:members", args=[ref]))
    assert page.status_code == 200
    assert h1_count(page) == 1

    added = client.post(
        reverse("reviews:members", args=[ref]),
        {"user": world["other_lead"].pk, "part": "member", "can_see_identity": "true"},
    )
    assert added.status_code == 302
    member = CaseMember.objects.get(case=world["case"], user=world["other_lead"])
    assert member.can_see_identity
    # Named on the case, the other agency's lead now sees it.
    assert (
        signed_in_client(world["other_lead"]).get(reverse("reviews:case", args=[ref])).status_code
        == 200
    )

    removed = client.post(reverse("reviews:member-remove", args=[ref, member.pk]))
    assert removed.status_code == 302
    member.refresh_from_db()
    assert member.archived_at is not None
    assert (
        signed_in_client(world["other_lead"]).get(reverse("reviews:case", args=[ref])).status_code
        == 404
    )

    ends = today() + timedelta(days=200)
    appointed = client.post(
        reverse("reviews:reviewer-appoint", args=[ref]),
        {
            "reviewer-full_name": "Ida Reviewer",
            "reviewer-email": "ida@example.org",
            "reviewer-agency": world["other"].pk,
            "reviewer-can_see_identity": "true",
            **{f"reviewer-{k}": v for k, v in date_fields("access_ends_on", ends).items()},
        },
    )
    assert appointed.status_code == 302
    reviewer = CaseMember.objects.get(case=world["case"], part=CaseMember.Part.REVIEWER)
    assert reviewer.user.email == "ida@example.org"
    assert reviewer.access_ends_on == ends


def test_appointing_a_reviewer_shows_errors(world, signed_in_client):
    client = signed_in_client(world["bu"])

    response = client.post(
        reverse("reviews:reviewer-appoint", args=[world["case"].reference]),
        {"reviewer-email": "not an email"},
    )

    body = response.content.decode()
    assert "Enter the reviewer&#x27;s full name" in body
    assert "Enter an email address in the correct format" in body
    assert "Enter the access ends on" in body
