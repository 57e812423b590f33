"""The local review pages: the review, its details, engagement and parallel proceedings,
monitoring, drafts, the reviewer's access and the workflow. Lessons and recommendations are
tested in test_views_learning.py and the rapid review export in test_views_rapid_export.py.

Each case is brought to its stage through the services, as the system itself would: a concern
is raised, notified, rapid-reviewed, signed off by the three partners and decided, which
commissions the local review."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sightline.actions import services as action_services
from sightline.actions.models import ActionPlan
from sightline.core.clocks import ClockBook, today
from sightline.core.models import Document, Event
from sightline.core.templatetags.govuk import govuk_date
from sightline.reviews import services_local
from sightline.reviews.models import (
    Case,
    CaseStage,
    DraftVersion,
    EngagementEntry,
    LocalReview,
    MonitoringEntry,
    ParallelProceeding,
    PartnerSignOff,
)
from sightline.reviews.tests.test_views_local_support import (
    CHILD_NAME,
    add_action,
    date_fields,
    html_as_pdf,
    move,
    pdf_upload,
    reload,
    text,
    to_partner_qa,
    to_ready_for_publication,
    url,
)

pytestmark = pytest.mark.django_db


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
