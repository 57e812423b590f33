"""Case pages: the dashboard, the yearly summary, raising a concern, the case, the restricted
record, members, the notification decision and closing."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sightline.accounts.models import Duty, Role
from sightline.core.clocks import today
from sightline.core.models import Event
from sightline.reviews import services
from sightline.reviews.models import (
    Case,
    CaseMember,
    CaseStage,
    CaseSubject,
    IncidentNotification,
    RapidReview,
)

pytestmark = pytest.mark.django_db

CHILD_NAME = "Jordan Testchild"


def h1_count(response) -> int:
    return len(re.findall(r"<h1[\s>]", response.content.decode()))


def date_fields(name: str, value) -> dict:
    return {f"{name}_day": value.day, f"{name}_month": value.month, f"{name}_year": value.year}


def raise_case(world, *, pseudonym="Child A", days_ago=2, subject=None):
    day = today()
    return services.case_raise(
        by=world["school_lead"],
        raised_by_agency=world["school"],
        lead_agency=world["la"],
        pseudonym=pseudonym,
        age_band="5_9",
        harm="serious_harm",
        looked_after=False,
        incident_date=day - timedelta(days=days_ago + 1),
        aware_date=day - timedelta(days=days_ago),
        summary="Admitted to hospital with injuries.",
        involved_agencies=[world["health"]],
        subject=subject if subject is not None else {"child_name": CHILD_NAME},
    )


def notify(world, case):
    n = IncidentNotification.objects.get(case=case)
    day = today()
    return services.notification_decide(
        notification=n,
        by=world["notifier"],
        name="notify",
        expected_version=n.version,
        fields={
            "abuse_or_neglect": True,
            "death_or_serious_harm": True,
            "looked_after_child": False,
            "decision_date": day,
            "sent_date": day,
            "panel_reference": "CSPRP-1",
            "partners_informed_date": day,
            "partnership_copy_date": day,
        },
    )


def build_world(agency_factory, make_user) -> dict:
    """Three safeguarding partners, an academy and a health trust on the case, an agency with no
    part in it, a user in each role, and a concern raised by the academy."""
    la = agency_factory("Northvale Council", kind="safeguarding_partner")
    icb = agency_factory("Northvale Integrated Care Board", kind="safeguarding_partner")
    police = agency_factory("Northvale Police", kind="safeguarding_partner")
    school = agency_factory("Northvale Academy")
    health = agency_factory("Northvale Health Trust")
    other = agency_factory("Elsewhere Trust")
    w = {
        "la": la,
        "icb": icb,
        "police": police,
        "school": school,
        "health": health,
        "other": other,
        "bu": make_user(Role.BUSINESS_UNIT, agency=la),
        "notifier": make_user(Role.AGENCY_LEAD, agency=la, duties=[Duty.INCIDENT_NOTIFIER]),
        "school_lead": make_user(Role.AGENCY_LEAD, agency=school),
        "health_lead": make_user(Role.AGENCY_LEAD, agency=health),
        "other_lead": make_user(Role.AGENCY_LEAD, agency=other),
        "scrutineer": make_user(Role.SCRUTINEER, agency=la),
        "la_partner": make_user(Role.PARTNER_LEAD, agency=la),
        "icb_partner": make_user(Role.PARTNER_LEAD, agency=icb),
        "police_partner": make_user(Role.PARTNER_LEAD, agency=police),
    }
    w["case"] = raise_case(w)
    return w


@pytest.fixture
def world(agency_factory, make_user):
    return build_world(agency_factory, make_user)


def case_urls(case) -> list[str]:
    ref = case.reference
    return [
        reverse("reviews:case", args=[ref]),
        reverse("reviews:notification", args=[ref]),
    ]


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
        **date_fields("aware_date", day - timedelta(days=1)),
        "summary": "Found unresponsive.",
        "lead_agency": world["la"].pk,
        "involved_agencies": [world["health"].pk],
        "child_name": "Riley Example",
        "nhs_number": "943 476 5919",
        "postcode": "ab1 2cd",
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
    for key in ("aware_date_day", "aware_date_month", "aware_date_year"):
        data.pop(key)

    response = client.post(reverse("reviews:raise"), data)

    body = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in body
    assert "Enter the date of awareness" in body
    assert "Enter a pseudonym for the child" in body
    assert "Enter a real NHS number" in body
    assert (
        not Case.objects.filter(raised_by_agency=world["school"])
        .exclude(pk=world["case"].pk)
        .exists()
    )


def test_awareness_before_the_incident_is_refused(world, signed_in_client):
    day = today()
    data = _concern(world, **date_fields("aware_date", day - timedelta(days=5)))

    response = signed_in_client(world["school_lead"]).post(reverse("reviews:raise"), data)

    assert "Date of awareness must be the same as or after the date of the incident" in (
        response.content.decode()
    )


def test_someone_with_no_agency_cannot_raise_a_concern(make_user, signed_in_client, world):
    assert signed_in_client(make_user()).get(reverse("reviews:raise")).status_code == 404


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
    services.case_member_add(
        case=world["case"],
        by=world["bu"],
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
        subject=subject, by=world["bu"], expected_version=seen, school="Northvale Academy"
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


# --- Editing the case --------------------------------------------------------------------------


def _case_form(case, **overrides) -> dict:
    data = {
        "version": case.version,
        "pseudonym": case.pseudonym,
        "age_band": case.age_band,
        "harm": case.harm,
        "looked_after": "False",
        **date_fields("incident_date", case.incident_date),
        **date_fields("aware_date", case.aware_date),
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
