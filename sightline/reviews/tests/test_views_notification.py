"""Case pages for the notification decision and closing a case."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sightline.core.clocks import today
from sightline.reviews.models import Case, CaseStage, IncidentNotification, RapidReview
from sightline.reviews.tests.test_views_case_support import date_fields

pytestmark = pytest.mark.django_db


# --- Notification decision ---------------------------------------------------------------------


def test_the_notifier_sees_the_decision_form_and_others_do_not(world, signed_in_client):
    url = reverse("reviews:notification", args=[world["case"].reference])

    mine = signed_in_client(world["notifier"]).get(url).content.decode()
    theirs = signed_in_client(world["school_lead"]).get(url).content.decode()

    assert "Record the decision" in mine
    assert "Record the decision" not in theirs
    assert (
        signed_in_client(world["school_lead"]).post(url, {"decision": "notify"}).status_code == 404
    )


def test_notify_with_missing_fields_lists_them(world, signed_in_client):
    client = signed_in_client(world["notifier"])
    n = IncidentNotification.objects.get(case=world["case"])

    response = client.post(
        reverse("reviews:notification", args=[world["case"].reference]),
        {
            "version": n.version,
            "decision": "notify",
            "abuse_or_neglect": "True",
            **date_fields("decision_date", today()),
        },
    )

    assert response.status_code == 200
    summary = response.content.decode().split('class="govuk-error-summary"')[1].split("</ul>")[0]
    for message in (
        "Select whether the child died or was seriously harmed",
        "Select whether the child was looked after",
        "Enter the date the notification was sent",
        "Enter the Panel reference",
        "Enter the date the safeguarding partners were informed",
        "Enter the date the copy went to the partnership office",
    ):
        assert message in summary, message
    assert "Enter the decision date" not in summary
    n.refresh_from_db()
    assert n.status == IncidentNotification.Status.CONCERN_RAISED
    assert not RapidReview.objects.filter(case=world["case"]).exists()


def test_notifying_opens_the_rapid_review(world, signed_in_client):
    client = signed_in_client(world["notifier"])
    n = IncidentNotification.objects.get(case=world["case"])
    day = today()

    response = client.post(
        reverse("reviews:notification", args=[world["case"].reference]),
        {
            "version": n.version,
            "decision": "notify",
            "abuse_or_neglect": "True",
            "death_or_serious_harm": "True",
            "looked_after_child": "False",
            **date_fields("la_aware_date", world["case"].raised_aware_date),
            **date_fields("decision_date", day),
            **date_fields("sent_date", day),
            "panel_reference": "CSPRP-42",
            **date_fields("partners_informed_date", day),
            **date_fields("partnership_copy_date", day),
        },
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("reviews:rapid-review", args=[world["case"].reference])
    case = Case.objects.get(pk=world["case"].pk)
    assert case.stage == CaseStage.RAPID_REVIEW
    assert case.rapid_review.start_date == day
    page = client.get(reverse("reviews:notification", args=[case.reference])).content.decode()
    assert "CSPRP-42" in page


def test_deciding_not_to_notify_and_closing_the_case(world, signed_in_client):
    notifier = signed_in_client(world["notifier"])
    n = IncidentNotification.objects.get(case=world["case"])
    ref = world["case"].reference

    response = notifier.post(
        reverse("reviews:notification", args=[ref]),
        {
            "version": n.version,
            "decision": "not_notify",
            "abuse_or_neglect": "False",
            "death_or_serious_harm": "True",
            "looked_after_child": "False",
            **date_fields("la_aware_date", world["case"].raised_aware_date),
            **date_fields("decision_date", today()),
            "not_notified_reasons": "No abuse suspected",
            "referred_to_line_of_sight": "true",
        },
    )

    assert response.status_code == 302
    n.refresh_from_db()
    assert n.status == IncidentNotification.Status.NOT_NOTIFIED
    assert n.referred_to_line_of_sight
    bu = signed_in_client(world["bu"])
    assert bu.get(reverse("reviews:close", args=[ref])).status_code == 200
    empty = bu.post(reverse("reviews:close", args=[ref]), {"reason": ""})
    assert "Enter the reason for closing the case" in empty.content.decode()
    closed = bu.post(reverse("reviews:close", args=[ref]), {"reason": "Learning taken forward"})
    assert closed.status_code == 302
    assert Case.objects.get(pk=world["case"].pk).stage == CaseStage.CLOSED


def test_an_open_case_cannot_be_closed(world, signed_in_client):
    response = signed_in_client(world["bu"]).get(
        reverse("reviews:close", args=[world["case"].reference])
    )

    assert response.status_code == 404
