"""Helpers shared by the local review page tests (no tests here).

people, bu, council_lead, rapid_case, review, case, clients (fixtures, in conftest.py)
    people: the council, icb and police (safeguarding partners), an academy, a housing
    association with no part in the case and the reviewers' organisation, with bu,
    partners[agency], school_lead, outsider and reviewer. rapid_case: a case whose rapid
    review is signed off; review: its local review, commissioned by the decision, with
    the reviewer appointed; case: that review's case; clients: signed-in clients for
    "bu", "reviewer", "partner", "agency" and "outsider".
raise_case, notify, rapid_review_to_sign_off, decide_local_review, appoint_reviewer, move,
to_partner_qa, to_ready_for_publication, add_action: bring a case to its stage through
    the services, as the system itself would
url(name, case, *args), text(response), reload(review), date_fields(prefix, day),
pdf_upload(name), html_as_pdf()
CHILD_NAME, PSEUDONYM     the invented identity put in the restricted record"""

from __future__ import annotations

import io
import re
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfWriter

from sightline.actions.models import Action
from sightline.core.clocks import today
from sightline.reviews import services, services_local
from sightline.reviews.models import AgeBand, Case, LocalReview, PartnerSignOff, RapidReview

CHILD_NAME = "Jasper Quillfeather"
PSEUDONYM = "Child Q"


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
        raised_aware_date=day - timedelta(days=68),
        summary="Admitted to hospital with injuries that were not explained.",
        involved_agencies=[people["police"]],
        subject={"child_name": CHILD_NAME, "ethnicity": "White British"},
        subject_reason="So the local authority can check its records",
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
            "la_aware_date": day - timedelta(days=68),
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
    services.rapid_review_share_pack(rr=rr, by=bu)
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
