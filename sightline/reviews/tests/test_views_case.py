"""Case pages: who sees the case, the dashboard, the yearly summary, raising a concern and
changing the case's details. The restricted record and the people on the case are tested in
test_views_identity.py, the notification decision and closing in test_views_notification.py."""

from __future__ import annotations

import io
from datetime import timedelta

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sightline.core.clocks import today
from sightline.core.models import Event
from sightline.reviews import services
from sightline.reviews.models import Case, CaseStage, CaseSubject
from sightline.reviews.tests.test_views_case_support import (
    CHILD_NAME,
    case_urls,
    date_fields,
    h1_count,
    notify,
    raise_case,
)

pytestmark = pytest.mark.django_db


# --- Who sees the case -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who", ["bu", "notifier", "school_lead", "health_lead", "scrutineer", "la_partner"]
)
def test_case_pages_render_for_everyone_on_the_case(who, world, signed_in_client):
    client = signed_in_client(world[who])
    for url in case_urls(world["case"]):
        response = client.get(url)
        assert response.status_code == 200, url
        assert h1_count(response) == 1, url
        body = response.content.decode()
        assert "govuk-back-link" in body
        assert "Notification to the Panel" in body  # the clock is shown on every case page
        assert CHILD_NAME not in body


def test_a_user_of_an_uninvolved_agency_gets_404_everywhere(world, signed_in_client):
    client = signed_in_client(world["other_lead"])
    ref = world["case"].reference
    urls = [
        *case_urls(world["case"]),
        reverse("reviews:case-edit", args=[ref]),
        reverse("reviews:identity", args=[ref]),
        reverse("reviews:identity-edit", args=[ref]),
        reverse("reviews:members", args=[ref]),
        reverse("reviews:close", args=[ref]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
        # GET-only pages answer 405 for every reference alike.
        assert client.post(url, {"reason": "Curious"}).status_code in (404, 405), url
    assert not Event.objects.filter(kind=Event.Kind.READ).exists()
    assert Event.objects.filter(kind=Event.Kind.DENIED, actor=world["other_lead"]).exists()


def test_the_case_page_shows_the_clock_its_source_and_the_case_details(world, signed_in_client):
    response = signed_in_client(world["bu"]).get(
        reverse("reviews:case", args=[world["case"].reference])
    )

    body = response.content.decode()
    assert "Child A" in body
    assert "Northvale Health Trust" in body
    assert "working days left" in body
    assert "Working Together to Safeguard Children 2023" in body  # the clock's citation
    assert "Concern raised" in body  # history
    assert reverse("reviews:identity", args=[world["case"].reference]) in body
    assert reverse("reviews:case-edit", args=[world["case"].reference]) in body


def test_agency_users_see_no_edit_or_identity_links(world, signed_in_client):
    response = signed_in_client(world["school_lead"]).get(
        reverse("reviews:case", args=[world["case"].reference])
    )

    body = response.content.decode()
    assert reverse("reviews:identity", args=[world["case"].reference]) not in body
    assert reverse("reviews:case-edit", args=[world["case"].reference]) not in body
    assert reverse("reviews:members", args=[world["case"].reference]) not in body


# --- Dashboard and summary ---------------------------------------------------------------------


def test_dashboard_lists_visible_cases_with_their_clock(world, signed_in_client):
    response = signed_in_client(world["bu"]).get(reverse("reviews:dashboard"))

    assert response.status_code == 200
    assert h1_count(response) == 1
    body = response.content.decode()
    assert world["case"].reference in body
    assert "Notification to the Panel" in body
    assert "working days left" in body
    assert "Business unit" in body  # owner when no case officer
    assert "Raise a concern" in body


def test_dashboard_hides_cases_from_uninvolved_agencies(world, signed_in_client):
    response = signed_in_client(world["other_lead"]).get(reverse("reviews:dashboard"))

    assert response.status_code == 200
    assert world["case"].reference not in response.content.decode()


def test_dashboard_filters_by_stage(world, signed_in_client):
    second = raise_case(world, pseudonym="Child B")
    notify(world, second)
    client = signed_in_client(world["bu"])

    response = client.get(reverse("reviews:dashboard"), {"stage": CaseStage.RAPID_REVIEW})

    body = response.content.decode()
    assert second.reference in body
    assert world["case"].reference not in body
    assert "Rapid review to the Panel" in body


def test_dashboard_query_count_does_not_grow_with_cases(world, signed_in_client):
    client = signed_in_client(world["bu"])
    raise_case(world, pseudonym="Child B")
    url = reverse("reviews:dashboard")
    client.get(url)  # warm the session and calendar caches

    with CaptureQueriesContext(connection) as two:
        assert client.get(url).status_code == 200
    for number in range(10):
        case = raise_case(world, pseudonym=f"Child {number}")
        if number % 2:
            notify(world, case)
    with CaptureQueriesContext(connection) as twelve:
        response = client.get(url)

    assert len(response.context["rows"]) == 12
    assert len(twelve.captured_queries) == len(two.captured_queries)


def test_summary_exports_to_excel(world, signed_in_client):
    notify(world, raise_case(world, pseudonym="Child B"))
    client = signed_in_client(world["bu"])

    page = client.get(reverse("reviews:summary"))
    assert page.status_code == 200
    assert h1_count(page) == 1
    response = client.get(reverse("reviews:summary"), {"format": "xlsx"})

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Year", "Concerns raised", "Notified to the Panel")
    assert rows[1][0] == world["case"].aware_date.year
    assert rows[1][1] == 2
    assert rows[1][2] == 1


def test_summary_exports_to_csv_and_refuses_unknown_formats(world, signed_in_client):
    client = signed_in_client(world["bu"])

    csv = client.get(reverse("reviews:summary"), {"format": "csv"})
    assert csv.status_code == 200
    assert "Concerns raised" in csv.content.decode("utf-8-sig")
    assert client.get(reverse("reviews:summary"), {"format": "exe"}).status_code == 404


# --- Raising a concern -------------------------------------------------------------------------


def _concern(world, **overrides) -> dict:
    day = today()
    data = {
        "pseudonym": "Baby F",
        "age_band": "under_1",
        "harm": "died",
        "looked_after": "False",
        **date_fields("incident_date", day - timedelta(days=3)),
        **date_fields("raised_aware_date", day - timedelta(days=1)),
        "summary": "Found unresponsive.",
        "lead_agency": world["la"].pk,
        "involved_agencies": [world["health"].pk],
        "child_name": "Riley Example",
        "nhs_number": "943 476 5919",
        "postcode": "ab1 2cd",
        "subject_reason": "So the council can check its records",
    }
    data.update(overrides)
    return data


def test_an_agency_user_raises_a_concern(world, signed_in_client):
    client = signed_in_client(world["school_lead"])
    assert client.get(reverse("reviews:raise")).status_code == 200

    response = client.post(reverse("reviews:raise"), _concern(world))

    case = Case.objects.get(pseudonym="Baby F")
    assert response.status_code == 302
    assert response["Location"] == reverse("reviews:case", args=[case.reference])
    assert case.raised_by_agency == world["school"]
    subject = CaseSubject.objects.get(case=case)
    assert subject.nhs_number == "9434765919"
    assert subject.postcode == "AB1 2CD"
    page = client.get(response["Location"])
    assert "Concern raised" in page.content.decode()
    assert "Riley Example" not in page.content.decode()


def test_raising_a_concern_shows_govuk_errors(world, signed_in_client):
    client = signed_in_client(world["school_lead"])
    data = _concern(world, nhs_number="943 476 5918", pseudonym="")
    for key in ("raised_aware_date_day", "raised_aware_date_month", "raised_aware_date_year"):
        data.pop(key)

    response = client.post(reverse("reviews:raise"), data)

    body = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in body
    assert "Enter the date your agency became aware" in body
    assert "Enter a pseudonym for the child" in body
    assert "Enter a real NHS number" in body
    assert (
        not Case.objects.filter(raised_by_agency=world["school"])
        .exclude(pk=world["case"].pk)
        .exists()
    )


def test_awareness_before_the_incident_is_refused(world, signed_in_client):
    day = today()
    data = _concern(world, **date_fields("raised_aware_date", day - timedelta(days=5)))

    response = signed_in_client(world["school_lead"]).post(reverse("reviews:raise"), data)

    assert (
        "Date your agency became aware must be the same as or after the date of the incident"
        in (response.content.decode())
    )


def test_someone_with_no_agency_cannot_raise_a_concern(make_user, signed_in_client, world):
    assert signed_in_client(make_user()).get(reverse("reviews:raise")).status_code == 404


# --- Editing the case --------------------------------------------------------------------------


def _case_form(case, **overrides) -> dict:
    data = {
        "version": case.version,
        "pseudonym": case.pseudonym,
        "age_band": case.age_band,
        "harm": case.harm,
        "looked_after": "False",
        **date_fields("incident_date", case.incident_date),
        **date_fields("raised_aware_date", case.raised_aware_date),
        "summary": case.summary,
        "lead_agency": case.lead_agency_id,
        "involved_agencies": list(case.involved_agencies.values_list("pk", flat=True)),
    }
    data.update(overrides)
    return data


def test_the_business_unit_edits_the_case(world, signed_in_client):
    client = signed_in_client(world["bu"])
    case = world["case"]
    url = reverse("reviews:case-edit", args=[case.reference])
    assert client.get(url).status_code == 200

    response = client.post(url, _case_form(case, pseudonym="Child Z", case_officer=world["bu"].pk))

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.pseudonym == "Child Z"
    assert case.case_officer == world["bu"]


def test_a_stale_case_edit_is_refused(world, signed_in_client):
    client = signed_in_client(world["bu"])
    case = world["case"]
    stale = _case_form(case, pseudonym="Mine")
    services.case_update(
        case=case, by=world["bu"], expected_version=case.version, pseudonym="Theirs"
    )

    response = client.post(reverse("reviews:case-edit", args=[case.reference]), stale)

    body = response.content.decode()
    assert "Your changes have not been saved" in body
    assert "Theirs" in body
    case.refresh_from_db()
    assert case.pseudonym == "Theirs"


@pytest.mark.parametrize("who", ["school_lead", "scrutineer", "la_partner", "notifier"])
def test_only_the_business_unit_edits_the_case(who, world, signed_in_client):
    client = signed_in_client(world[who])
    ref = world["case"].reference
    for name in ("reviews:case-edit", "reviews:members"):
        assert client.get(reverse(name, args=[ref])).status_code == 404
