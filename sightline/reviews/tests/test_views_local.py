"""The local review pages, lessons and recommendations, and the rapid review export.

Each case is brought to its stage through the services, as the system itself would: a concern
is raised, notified, rapid-reviewed, signed off by the three partners and decided, which
commissions the local review."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import docx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfReader, PdfWriter

from sightline.accounts.models import Agency, Role
from sightline.actions import services as action_services
from sightline.actions.models import Action, ActionPlan, ActionStatus
from sightline.core.clocks import ClockBook, today
from sightline.core.models import Document, Event
from sightline.core.templatetags.govuk import govuk_date
from sightline.reviews import services, services_local
from sightline.reviews.models import (
    AgeBand,
    Case,
    CaseStage,
    DraftVersion,
    EngagementEntry,
    LocalReview,
    MonitoringEntry,
    ParallelProceeding,
    PartnerSignOff,
    RapidReview,
)

pytestmark = pytest.mark.django_db

CHILD_NAME = "Jasper Quillfeather"
PSEUDONYM = "Child Q"


# --------------------------------------------------------------------------- helpers


def url(name: str, case: Case, *args) -> str:
    return reverse(f"reviews:{name}", args=[case.reference, *args])


def pdf_upload(name: str = "draft-1.pdf") -> SimpleUploadedFile:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/pdf")


def html_as_pdf() -> SimpleUploadedFile:
    body = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
    return SimpleUploadedFile("draft.pdf", body, content_type="application/pdf")


def date_fields(prefix: str, day) -> dict:
    return {
        f"{prefix}_day": str(day.day),
        f"{prefix}_month": str(day.month),
        f"{prefix}_year": str(day.year),
    }


def text(response) -> str:
    """The page's visible words, with tags and repeated spaces removed."""
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def reload(review: LocalReview) -> LocalReview:
    return LocalReview.objects.get(pk=review.pk)


# --------------------------------------------------------------------------- the people


@pytest.fixture
def people(agency_factory, make_user):
    council = agency_factory("Northvale Council", kind=Agency.Kind.SAFEGUARDING_PARTNER)
    icb = agency_factory("Northvale Integrated Care Board", kind=Agency.Kind.SAFEGUARDING_PARTNER)
    police = agency_factory("Northvale Police", kind=Agency.Kind.SAFEGUARDING_PARTNER)
    school = agency_factory("Northvale Academy")
    housing = agency_factory("Southdown Housing")
    reviewers = agency_factory("Independent reviewers", kind=Agency.Kind.OTHER)
    return {
        "council": council,
        "icb": icb,
        "police": police,
        "school": school,
        "housing": housing,
        "reviewers": reviewers,
        "bu": make_user(Role.BUSINESS_UNIT, agency=council, full_name="Beth Unit"),
        "partners": {
            a: make_user(Role.PARTNER_LEAD, agency=a, full_name=f"Lead of {a.name}")
            for a in (council, icb, police)
        },
        "school_lead": make_user(Role.AGENCY_LEAD, agency=school, full_name="Sam School"),
        "outsider": make_user(Role.AGENCY_LEAD, agency=housing, full_name="Olly Outsider"),
        "reviewer": make_user(
            Role.REVIEWER, agency=reviewers, full_name="Rae Viewer", email="rae.viewer@example.org"
        ),
    }


@pytest.fixture
def bu(people):
    return people["bu"]


@pytest.fixture
def council_lead(people):
    return people["partners"][people["council"]]


# --------------------------------------------------------------------------- stages


def raise_case(people) -> Case:
    day = today()
    return services.case_raise(
        by=people["school_lead"],
        raised_by_agency=people["school"],
        lead_agency=people["council"],
        pseudonym=PSEUDONYM,
        age_band=AgeBand.AGE_5_9,
        harm=Case.Harm.SERIOUS_HARM,
        looked_after=False,
        incident_date=day - timedelta(days=70),
        aware_date=day - timedelta(days=68),
        summary="Admitted to hospital with injuries that were not explained.",
        involved_agencies=[people["police"]],
        subject={"child_name": CHILD_NAME, "ethnicity": "White British"},
    )


def notify(case: Case, bu) -> RapidReview:
    day = today()
    n = case.notification
    services.notification_decide(
        notification=n,
        by=bu,
        name="notify",
        expected_version=n.version,
        fields={
            "abuse_or_neglect": True,
            "death_or_serious_harm": True,
            "looked_after_child": False,
            "decision_date": day - timedelta(days=66),
            "sent_date": day - timedelta(days=65),
            "panel_reference": "CSPRP-2026-041",
            "partners_informed_date": day - timedelta(days=65),
            "partnership_copy_date": day - timedelta(days=65),
        },
    )
    return RapidReview.objects.get(case=case)


def rapid_review_to_sign_off(people, rr: RapidReview) -> RapidReview:
    bu, day = people["bu"], today()
    services.rapid_review_request_returns(
        rr=rr,
        by=bu,
        expected_version=rr.version,
        agencies=[people["school"], people["police"]],
        due_date=day - timedelta(days=55),
    )
    for ret in rr.returns.select_related("agency"):
        services.agency_return_save(
            ret=ret,
            by=bu,
            expected_version=ret.version,
            submit=True,
            involvement=f"{ret.agency.name} saw the child twice in the month before.",
            key_practice_episodes="A missed appointment was not followed up.",
            immediate_safety_actions="Siblings seen the same day.",
            early_learning="Follow up missed health appointments.",
        )
    services.rapid_review_update(
        rr=rr,
        by=bu,
        expected_version=rr.version,
        meeting_date=day - timedelta(days=52),
        attendees="Business unit, police, school, health",
        facts="The agencies' contact is agreed.",
        immediate_actions="Safety plan for the siblings.",
        family_context="Recent move; debt.",
        learning_shared="Briefing on unexplained injuries.",
        improvements="Escalation when appointments are missed.",
    )
    services.rapid_review_transition(
        rr=rr, by=bu, name="record_meeting", expected_version=rr.version
    )
    services.rapid_review_update(
        rr=rr,
        by=bu,
        expected_version=rr.version,
        recommendation=RapidReview.Recommendation.LOCAL_REVIEW,
        recommendation_reasons="Two agencies did not share information.",
        criterion_improvements=True,
        criterion_agencies_working_together=True,
    )
    services.rapid_review_transition(rr=rr, by=bu, name="recommend", expected_version=rr.version)
    for agency, lead in people["partners"].items():
        services.partner_sign_off(
            case=rr.case, by=lead, stage=PartnerSignOff.Stage.RAPID_REVIEW, agency=agency
        )
    services.rapid_review_transition(
        rr=rr, by=bu, name="complete_sign_off", expected_version=rr.version
    )
    return rr


def decide_local_review(people, rr: RapidReview) -> LocalReview:
    bu, day = people["bu"], today()
    services.rapid_review_update(
        rr=rr, by=bu, expected_version=rr.version, sent_to_panel_date=day - timedelta(days=48)
    )
    services.rapid_review_transition(
        rr=rr, by=bu, name="send_to_panel", expected_version=rr.version
    )
    services.rapid_review_update(
        rr=rr,
        by=bu,
        expected_version=rr.version,
        decision=RapidReview.Decision.LCSPR,
        decision_date=day - timedelta(days=40),
        decision_reasons="Criteria (a) and (c) are met.",
    )
    services.rapid_review_transition(rr=rr, by=bu, name="decide", expected_version=rr.version)
    return LocalReview.objects.get(case=rr.case)


def appoint_reviewer(people, case: Case, ends=None):
    return services.reviewer_appoint(
        case=case,
        by=people["bu"],
        email=people["reviewer"].email,
        full_name="Rae Viewer",
        agency=people["reviewers"],
        access_ends_on=ends or today() + timedelta(days=200),
    )


def move(review: LocalReview, by, *names: str) -> LocalReview:
    for name in names:
        services_local.local_review_transition(
            review=review, by=by, name=name, expected_version=review.version
        )
    return review


def to_partner_qa(people, review: LocalReview) -> LocalReview:
    bu = people["bu"]
    move(review, bu, "confirm_reviewer")
    services_local.local_review_update(
        review=review,
        by=bu,
        expected_version=review.version,
        terms_of_reference="What did agencies know?",
        methodology="Systems approach with practitioner events.",
    )
    move(review, bu, "agree_tor", "start_evidence")
    services_local.draft_add(
        review=review, by=bu, label="Draft 1", received_on=today(), uploaded_file=pdf_upload()
    )
    return move(review, bu, "submit_draft", "start_qa")


def to_ready_for_publication(people, review: LocalReview) -> LocalReview:
    bu = people["bu"]
    to_partner_qa(people, review)
    for agency, lead in people["partners"].items():
        services.partner_sign_off(
            case=review.case, by=lead, agency=agency, stage=PartnerSignOff.Stage.FINAL_REPORT
        )
    services_local.local_review_update(
        review=review, by=bu, expected_version=review.version, final_agreed_date=today()
    )
    return move(review, bu, "agree_final", "ready_for_publication")


@pytest.fixture
def rapid_case(people) -> Case:
    case = raise_case(people)
    rapid_review_to_sign_off(people, notify(case, people["bu"]))
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def review(people, rapid_case) -> LocalReview:
    review = decide_local_review(people, rapid_case.rapid_review)
    appoint_reviewer(people, review.case)
    return review


@pytest.fixture
def case(review) -> Case:
    return review.case


@pytest.fixture
def clients(people, signed_in_client):
    return {
        "bu": signed_in_client(people["bu"]),
        "reviewer": signed_in_client(people["reviewer"]),
        "partner": signed_in_client(people["partners"][people["council"]]),
        "agency": signed_in_client(people["school_lead"]),
        "outsider": signed_in_client(people["outsider"]),
    }


def add_action(people, case: Case, *, owner_agency=None) -> Action:
    bu = people["bu"]
    rec = services_local.recommendation_add(case=case, by=bu, text="Share missed appointments.")
    return services_local.recommendation_action_add(
        recommendation=rec,
        by=bu,
        description="Write a missed-appointment protocol",
        expected_change="Missed appointments are followed up within 2 days",
        owner_agency=owner_agency or people["police"],
        due_date=today() + timedelta(days=60),
    )


# --------------------------------------------------------------------------- the stages


def test_the_decision_commissions_the_local_review(review):
    assert review.status == LocalReview.Status.COMMISSIONED
    assert review.case.stage == CaseStage.LOCAL_REVIEW
    assert review.decision_date == today() - timedelta(days=40)


def test_a_case_without_a_local_review_has_no_local_review_pages(people, rapid_case, clients):
    for name in (
        "local-review",
        "local-review-edit",
        "engagement-add",
        "proceeding-add",
        "monitoring-add",
        "draft-add",
    ):
        assert clients["bu"].get(url(name, rapid_case)).status_code == 404, name
    response = clients["bu"].get(url("local-review-status", rapid_case, "confirm_reviewer"))
    assert response.status_code == 404


# --------------------------------------------------------------------------- the review page


def test_business_unit_sees_the_review_with_its_clock_and_buttons(case, review, clients):
    response = clients["bu"].get(url("local-review", case))
    assert response.status_code == 200
    page = text(response)
    due = ClockBook().status("lcspr", review.decision_date, today())
    assert govuk_date(due.due) in page
    assert f"{due.working_days_left} working days" in page
    assert "Rae Viewer" in page
    assert url("local-review-status", case, "confirm_reviewer") in response.content.decode()
    for link in (
        "local-review-edit",
        "engagement-add",
        "proceeding-add",
        "monitoring-add",
        "draft-add",
    ):
        assert url(link, case) in response.content.decode(), link
    assert CHILD_NAME not in response.content.decode()


def test_each_role_reads_the_review_page(case, clients):
    for who in ("bu", "reviewer", "partner", "agency"):
        assert clients[who].get(url("local-review", case)).status_code == 200, who
    assert clients["outsider"].get(url("local-review", case)).status_code == 404


def test_partner_lead_sees_monitoring_but_not_the_reviewer_links(case, clients):
    html = clients["partner"].get(url("local-review", case)).content.decode()
    assert url("monitoring-add", case) in html
    for link in ("local-review-edit", "engagement-add", "proceeding-add", "draft-add"):
        assert url(link, case) not in html, link


def test_agency_lead_reads_the_page_without_drafts_or_write_links(people, case, review, clients):
    services_local.draft_add(
        review=review,
        by=people["bu"],
        label="Draft 1",
        received_on=today(),
        uploaded_file=pdf_upload(),
    )
    response = clients["agency"].get(url("local-review", case))
    html = response.content.decode()
    assert "Draft 1" not in html
    assert "Draft reports are available to" in text(response)
    for link in ("local-review-edit", "engagement-add", "monitoring-add", "draft-add"):
        assert url(link, case) not in html, link


# --------------------------------------------------------------------------- editing


def test_reviewer_edits_the_terms_of_reference(case, review, clients):
    data = {
        "version": review.version,
        "terms_of_reference": "Agencies' response to injuries",
        "methodology": "Practitioner learning event",
        "delay_reason": "",
    }
    response = clients["reviewer"].post(url("local-review-edit", case), data)
    assert response.status_code == 302
    review = reload(review)
    assert review.terms_of_reference == "Agencies' response to injuries"
    assert review.methodology == "Practitioner learning event"
    assert review.version == 2
    assert Event.objects.filter(action="local_review.update").exists()


def test_a_stale_edit_is_refused_and_shows_the_difference(people, case, review, clients):
    services_local.local_review_update(
        review=review, by=people["bu"], expected_version=review.version, methodology="Theirs"
    )
    response = clients["reviewer"].post(
        url("local-review-edit", case),
        {"version": 1, "terms_of_reference": "", "methodology": "Mine", "delay_reason": ""},
    )
    assert response.status_code == 200
    assert "Your changes have not been saved" in text(response)
    assert reload(review).methodology == "Theirs"


def test_delay_date_needs_a_reason(case, clients):
    response = clients["bu"].post(
        url("local-review-edit", case),
        {"version": 1, **date_fields("delay_notified_date", today())},
    )
    assert response.status_code == 200
    assert "Enter the reason for the delay" in text(response)


def test_partner_and_agency_leads_cannot_edit(case, clients):
    for who in ("partner", "agency", "outsider"):
        assert clients[who].get(url("local-review-edit", case)).status_code == 404, who
        assert clients[who].post(url("local-review-edit", case), {"version": 1}).status_code == 404


# ------------------------------------------------------------------- engagement and proceedings


def test_reviewer_records_engagement(case, review, clients):
    response = clients["reviewer"].post(
        url("engagement-add", case),
        {
            **date_fields("on_date", today()),
            "with_whom": EngagementEntry.With.FAMILY,
            "who": "Mother",
            "summary": "Met at home; shared her view of the support offered.",
        },
    )
    assert response.status_code == 302
    entry = EngagementEntry.objects.get(local_review=review)
    assert entry.who == "Mother"
    page = clients["bu"].get(url("local-review", case))
    assert "shared her view of the support offered" in text(page)


def test_engagement_errors_are_shown(case, clients):
    response = clients["reviewer"].post(url("engagement-add", case), {})
    page = text(response)
    assert response.status_code == 200
    assert "Select who the reviewer engaged with" in page
    assert "Enter the date of the contact" in page


def test_proceedings_are_added_and_updated_with_a_version_check(people, case, review, clients):
    response = clients["reviewer"].post(
        url("proceeding-add", case),
        {
            "kind": ParallelProceeding.Kind.CRIMINAL,
            "status": "Charge expected",
            "liaison_notes": "Met the senior investigating officer",
            "causes_delay": "on",
            "delay_notes": "Interviews wait for the trial",
        },
    )
    assert response.status_code == 302
    proceeding = ParallelProceeding.objects.get(local_review=review)
    assert proceeding.causes_delay
    page = text(clients["bu"].get(url("local-review", case)))
    assert "Delaying the review" in page
    assert "Not yet told" in page

    edit = url("proceeding-edit", case, proceeding.pk)
    assert clients["bu"].get(edit).status_code == 200
    response = clients["bu"].post(
        edit,
        {
            "version": proceeding.version,
            "kind": ParallelProceeding.Kind.CRIMINAL,
            "status": "Trial listed for June",
            "causes_delay": "on",
            "delay_notes": "Interviews wait for the trial",
            **date_fields("panel_told_date", today()),
        },
    )
    assert response.status_code == 302
    proceeding.refresh_from_db()
    assert proceeding.status == "Trial listed for June"
    assert proceeding.panel_told_date == today()
    assert "Panel and Secretary of State told on" in text(
        clients["bu"].get(url("local-review", case))
    )

    stale = clients["reviewer"].post(
        edit, {"version": 1, "kind": ParallelProceeding.Kind.INQUEST, "status": "Old"}
    )
    assert stale.status_code == 200
    assert "Your changes have not been saved" in text(stale)
    proceeding.refresh_from_db()
    assert proceeding.kind == ParallelProceeding.Kind.CRIMINAL


def test_a_delay_needs_its_notes(case, clients):
    response = clients["bu"].post(
        url("proceeding-add", case),
        {"kind": ParallelProceeding.Kind.INQUEST, "status": "Opened", "causes_delay": "on"},
    )
    assert response.status_code == 200
    assert "Enter how the review is delayed" in text(response)


def test_proceeding_pages_are_404_for_readers_and_unknown_ids(people, case, review, clients):
    proceeding = services_local.proceeding_add(
        review=review, by=people["bu"], kind=ParallelProceeding.Kind.DHR, status="Started"
    )
    for who in ("partner", "agency", "outsider"):
        assert clients[who].get(url("proceeding-add", case)).status_code == 404, who
        assert clients[who].get(url("proceeding-edit", case, proceeding.pk)).status_code == 404
    assert clients["bu"].get(url("proceeding-edit", case, proceeding.pk + 100)).status_code == 404


# --------------------------------------------------------------------------- monitoring


def test_partner_lead_records_monitoring_for_their_agency(people, case, review, clients):
    response = clients["partner"].post(
        url("monitoring-add", case),
        {
            "agency": people["council"].pk,
            **date_fields("on_date", today()),
            "note": "On time; the terms of reference are clear.",
            "information_requested": "on",
        },
    )
    assert response.status_code == 302
    entry = MonitoringEntry.objects.get(local_review=review)
    assert entry.agency == people["council"]
    assert entry.information_requested


def test_partner_lead_cannot_record_for_another_partner(people, case, review, clients):
    response = clients["partner"].post(
        url("monitoring-add", case),
        {"agency": people["police"].pk, **date_fields("on_date", today()), "note": "Fine."},
    )
    assert response.status_code == 200
    assert "Select the safeguarding partner" in text(response)
    assert not MonitoringEntry.objects.exists()


def test_business_unit_records_monitoring_for_any_partner(people, case, review, clients):
    response = clients["bu"].post(
        url("monitoring-add", case),
        {"agency": people["police"].pk, **date_fields("on_date", today()), "note": "Fine."},
    )
    assert response.status_code == 302
    assert MonitoringEntry.objects.get().agency == people["police"]


def test_monitoring_is_404_for_the_reviewer_and_agency_leads(case, clients):
    for who in ("reviewer", "agency", "outsider"):
        assert clients[who].get(url("monitoring-add", case)).status_code == 404, who


# --------------------------------------------------------------------------- drafts


def test_reviewer_uploads_a_draft_and_it_can_be_downloaded(people, case, review, clients):
    before = Document.objects.count()
    response = clients["reviewer"].post(
        url("draft-add", case),
        {
            "file": pdf_upload("draft-2.pdf"),
            "label": "Draft 2",
            **date_fields("received_on", today()),
            "notes": "Adds the family's view",
        },
    )
    assert response.status_code == 302
    draft = DraftVersion.objects.get(local_review=review)
    assert Document.objects.count() == before + 1
    assert draft.document.owner_id == str(draft.pk)
    assert draft.uploaded_by == people["reviewer"]

    download = reverse("core:document-download", args=[draft.document.pk])
    page = clients["bu"].get(url("local-review", case)).content.decode()
    assert download in page
    for who in ("bu", "reviewer", "partner"):
        response = clients[who].get(download)
        assert response.status_code == 200, who
        assert b"".join(response.streaming_content).startswith(b"%PDF")
    for who in ("agency", "outsider"):
        assert clients[who].get(download).status_code == 404, who


def test_drafts_are_listed_by_received_date_for_comparison(people, case, review, clients):
    bu = people["bu"]
    services_local.draft_add(
        review=review, by=bu, label="Second draft", received_on=today(), uploaded_file=pdf_upload()
    )
    services_local.draft_add(
        review=review,
        by=bu,
        label="First draft",
        received_on=today() - timedelta(days=14),
        uploaded_file=pdf_upload(),
    )
    page = text(clients["bu"].get(url("local-review", case)))
    assert page.index("First draft") < page.index("Second draft")
    assert "14 days later" in page


def test_a_bad_upload_shows_the_error_on_the_file_field(case, review, clients):
    response = clients["reviewer"].post(
        url("draft-add", case),
        {"file": html_as_pdf(), "label": "Draft 1", **date_fields("received_on", today())},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-file-upload--error" in html
    assert 'href="#id_file"' in html
    assert "The selected file" in text(response)
    assert not DraftVersion.objects.exists()


def test_a_spreadsheet_is_not_a_draft(case, clients):
    upload = SimpleUploadedFile("draft.xlsx", b"PK\x03\x04", content_type="application/zip")
    response = clients["bu"].post(
        url("draft-add", case),
        {"file": upload, "label": "Draft 1", **date_fields("received_on", today())},
    )
    assert "The selected file must be a PDF or Word document" in text(response)


def test_draft_upload_is_read_only_for_partner_and_agency_leads(case, clients):
    for who in ("partner", "agency", "outsider"):
        assert clients[who].get(url("draft-add", case)).status_code == 404, who
        response = clients[who].post(
            url("draft-add", case),
            {"file": pdf_upload(), "label": "Mine", **date_fields("received_on", today())},
        )
        assert response.status_code == 404, who
    assert not DraftVersion.objects.exists()


# --------------------------------------------------------------------------- the reviewer's access


def test_reviewer_access_ends_on_the_end_date(people, case, review, clients, monkeypatch):
    member = case.members.get(user=people["reviewer"])
    assert clients["reviewer"].get(url("local-review", case)).status_code == 200
    monkeypatch.setattr(
        "sightline.reviews.access.today", lambda: member.access_ends_on + timedelta(days=1)
    )
    for name in ("local-review", "local-review-edit", "engagement-add", "draft-add", "learning"):
        assert clients["reviewer"].get(url(name, case)).status_code == 404, name


# --------------------------------------------------------------------------- workflow


def test_status_page_lists_what_is_missing(people, case, review, clients):
    move(review, people["bu"], "confirm_reviewer")
    response = clients["bu"].get(url("local-review-status", case, "agree_tor"))
    assert response.status_code == 200
    page = text(response)
    assert "terms of reference" in page.lower()
    assert "methodology" in page.lower()
    refused = clients["bu"].post(
        url("local-review-status", case, "agree_tor"), {"version": reload(review).version}
    )
    assert refused.status_code == 200
    assert "Enter the terms of reference" in text(refused)
    assert reload(review).status == LocalReview.Status.REVIEWER_APPOINTED


def test_business_unit_moves_the_review_on(people, case, review, clients):
    response = clients["bu"].post(
        url("local-review-status", case, "confirm_reviewer"), {"version": review.version}
    )
    assert response.status_code == 302
    assert reload(review).status == LocalReview.Status.REVIEWER_APPOINTED


def test_transitions_not_available_to_the_user_are_404(people, case, review, clients):
    assert (
        clients["reviewer"].get(url("local-review-status", case, "confirm_reviewer")).status_code
        == 404
    )
    assert (
        clients["partner"].get(url("local-review-status", case, "confirm_reviewer")).status_code
        == 404
    )
    assert clients["bu"].get(url("local-review-status", case, "agree_final")).status_code == 404
    assert clients["bu"].get(url("local-review-status", case, "no_such_thing")).status_code == 404


def test_partner_lead_is_offered_quality_assurance_sign_off(people, case, review, clients):
    to_partner_qa(people, review)
    sign_off = url("sign-off", case, PartnerSignOff.Stage.FINAL_REPORT)
    assert sign_off in clients["partner"].get(url("local-review", case)).content.decode()
    assert sign_off not in clients["agency"].get(url("local-review", case)).content.decode()


def test_close_is_refused_while_an_action_is_open_then_allowed_once_signed_off(
    people, case, review, clients
):
    bu = people["bu"]
    action = add_action(people, case)
    to_ready_for_publication(people, review)
    assert Case.objects.get(pk=case.pk).stage == CaseStage.READY_FOR_PUBLICATION
    close = url("local-review-status", case, "close")

    refused = clients["bu"].post(close, {"version": reload(review).version})
    assert refused.status_code == 200
    assert action.reference in text(refused)
    assert reload(review).status == LocalReview.Status.READY_FOR_PUBLICATION

    action_services.action_transition(
        action=action,
        by=bu,
        name="complete",
        expected_version=action.version,
        impact_statement="Protocol in use; audit shows follow-up.",
    )
    action_services.action_transition(
        action=action, by=bu, name="sign_off", expected_version=action.version
    )
    allowed = clients["bu"].post(close, {"version": reload(review).version})
    assert allowed.status_code == 302
    assert reload(review).status == LocalReview.Status.CLOSED
    assert Case.objects.get(pk=case.pk).stage == CaseStage.CLOSED


def test_close_is_allowed_once_the_action_is_carried_into_another_plan(
    people, case, review, clients
):
    bu = people["bu"]
    action = add_action(people, case)
    to_ready_for_publication(people, review)
    other = action_services.action_plan_create(
        by=bu, title="Neglect strategy", source=ActionPlan.Source.PRIORITY
    )
    action_services.action_transition(
        action=action,
        by=bu,
        name="carry_forward",
        expected_version=action.version,
        carried_to=other,
        note="Picked up by the neglect strategy",
    )
    response = clients["bu"].post(
        url("local-review-status", case, "close"), {"version": reload(review).version}
    )
    assert response.status_code == 302
    assert reload(review).status == LocalReview.Status.CLOSED


# --------------------------------------------------------------------------- learning


def test_learning_shows_recommendations_with_their_actions(people, case, clients):
    services_local.lesson_add(case=case, by=people["bu"], text="Missed appointments matter.")
    action = add_action(people, case)
    response = clients["bu"].get(url("learning", case))
    assert response.status_code == 200
    page = text(response)
    assert "Missed appointments matter." in page
    assert "Recommendation 1" in page
    assert "0 of 1 action complete" in page
    assert govuk_date(action.due_date) in page
    assert "Not started" in page
    assert reverse("actions:detail", args=[action.reference]) in response.content.decode()
    assert "cannot close yet" in page
    assert action.reference in page


def test_progress_counts_finished_actions(people, case, clients):
    action = add_action(people, case)
    Action.objects.filter(pk=action.pk).update(status=ActionStatus.COMPLETE)
    page = text(clients["bu"].get(url("learning", case)))
    assert "1 of 1 action complete" in page
    assert "can close" in page


def test_agency_lead_reads_learning_but_cannot_add(people, case, clients):
    add_action(people, case)
    response = clients["agency"].get(url("learning", case))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Recommendation 1" in html
    assert url("lesson-add", case) not in html
    assert url("recommendation-add", case) not in html
    assert url("recommendation-action", case, 1) not in html
    # The action belongs to the police, so the school's lead sees it without a link.
    assert reverse("actions:detail", args=[Action.objects.get().reference]) not in html
    for name, args in (
        ("lesson-add", ()),
        ("recommendation-add", ()),
        ("recommendation-action", (1,)),
    ):
        assert clients["agency"].get(url(name, case, *args)).status_code == 404, name
        assert clients["agency"].post(url(name, case, *args), {"text": "x"}).status_code == 404


def test_uninvolved_agency_gets_404_everywhere(people, case, review, clients):
    proceeding = services_local.proceeding_add(
        review=review, by=people["bu"], kind=ParallelProceeding.Kind.SAR, status="Open"
    )
    pages = [
        url(n, case)
        for n in (
            "local-review",
            "local-review-edit",
            "engagement-add",
            "proceeding-add",
            "monitoring-add",
            "draft-add",
            "learning",
            "lesson-add",
            "recommendation-add",
        )
    ]
    pages += [
        url("proceeding-edit", case, proceeding.pk),
        url("local-review-status", case, "confirm_reviewer"),
        url("recommendation-action", case, 1),
        url("rapid-review-export", case) + "?format=pdf",
    ]
    for page in pages:
        assert clients["outsider"].get(page).status_code == 404, page


def test_reviewer_adds_lessons_and_recommendations(people, case, clients):
    response = clients["reviewer"].post(
        url("lesson-add", case), {"text": "Health and school did not share concerns."}
    )
    assert response.status_code == 302
    lesson = case.lessons.get()
    response = clients["reviewer"].post(
        url("recommendation-add", case),
        {"text": "Agree a protocol for sharing concerns.", "lesson": lesson.pk},
    )
    assert response.status_code == 302
    rec = case.recommendations.get()
    assert rec.number == 1
    assert rec.lesson == lesson


def test_empty_lesson_and_recommendation_show_errors(case, clients):
    assert "Enter the lesson" in text(clients["bu"].post(url("lesson-add", case), {"text": ""}))
    assert "Enter the recommendation" in text(
        clients["bu"].post(url("recommendation-add", case), {"text": ""})
    )


def test_business_unit_turns_a_recommendation_into_an_action(people, case, clients):
    rec = services_local.recommendation_add(case=case, by=people["bu"], text="Train staff.")
    page = url("recommendation-action", case, rec.number)
    assert clients["bu"].get(page).status_code == 200
    response = clients["bu"].post(
        page,
        {
            "description": "Deliver training on unexplained injuries",
            "expected_change": "Injuries are referred the same day",
            "owner_agency": people["school"].pk,
            **date_fields("due_date", today() + timedelta(30)),
        },
    )
    assert response.status_code == 302
    action = rec.actions.get()
    assert action.owner_agency == people["school"]
    assert action.plan.source == ActionPlan.Source.REVIEW
    # The school's lead now sees it, with a link to the action.
    html = clients["agency"].get(url("learning", case)).content.decode()
    assert reverse("actions:detail", args=[action.reference]) in html


def test_only_the_business_unit_creates_actions(people, case, clients):
    rec = services_local.recommendation_add(case=case, by=people["bu"], text="Train staff.")
    page = url("recommendation-action", case, rec.number)
    for who in ("reviewer", "partner", "agency"):
        assert clients[who].get(page).status_code == 404, who
    assert clients["bu"].get(url("recommendation-action", case, 9)).status_code == 404


def test_action_owner_must_work_for_the_owner_agency(people, case, clients):
    rec = services_local.recommendation_add(case=case, by=people["bu"], text="Train staff.")
    response = clients["bu"].post(
        url("recommendation-action", case, rec.number),
        {
            "description": "Train",
            "expected_change": "Better",
            "owner_agency": people["police"].pk,
            "owner": people["school_lead"].pk,
            **date_fields("due_date", today() + timedelta(30)),
        },
    )
    assert response.status_code == 200
    assert "The owner must work for the owner agency" in text(response)


# --------------------------------------------------------------------------- rapid review export


def test_rapid_review_exports_as_word_without_the_real_name(case, clients):
    response = clients["bu"].get(url("rapid-review-export", case), {"format": "docx"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert "no-store" in response["Cache-Control"]
    document = docx.Document(io.BytesIO(response.content))
    paragraphs = "\n".join(p.text for p in document.paragraphs)
    assert PSEUDONYM in paragraphs
    assert "Recommendation" in paragraphs
    assert "CSPRP-2026-041" in paragraphs
    assert "Northvale Police" in paragraphs
    assert "Yes" in paragraphs
    assert CHILD_NAME not in paragraphs
    assert CHILD_NAME.encode() not in response.content
    event = Event.objects.filter(action="rapid_review.export").get()
    assert event.kind == Event.Kind.READ
    assert event.changes == {"format": [None, "docx"]}


def test_rapid_review_exports_as_pdf_without_the_real_name(case, clients):
    response = clients["partner"].get(url("rapid-review-export", case), {"format": "pdf"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf_text = "\n".join(
        page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages
    )
    assert PSEUDONYM in pdf_text
    assert "Safeguarding partner sign-off" in pdf_text
    assert CHILD_NAME not in pdf_text
    assert Event.objects.filter(
        action="rapid_review.export", changes__format=[None, "pdf"]
    ).exists()


def test_rapid_review_export_before_a_local_review(rapid_case, clients):
    response = clients["bu"].get(url("rapid-review-export", rapid_case), {"format": "docx"})
    assert response.status_code == 200


def test_unknown_export_format_is_404(case, clients):
    for fmt in ("csv", "xlsx", "html", ""):
        response = clients["bu"].get(url("rapid-review-export", case), {"format": fmt})
        assert response.status_code == 404, fmt


def test_agency_lead_exports_only_once_the_pack_is_shared(people, case, clients):
    export = url("rapid-review-export", case) + "?format=docx"
    assert clients["agency"].get(export).status_code == 404
    services.rapid_review_share_pack(rr=case.rapid_review, by=people["bu"])
    assert clients["agency"].get(export).status_code == 200
