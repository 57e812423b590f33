"""The action page with its history, progress updates and evidence, and the status pages."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sightline.actions import services
from sightline.actions.models import Action, ActionStatus, ActionUpdate
from sightline.actions.tests.conftest import png_bytes, text
from sightline.core.models import Document

pytestmark = pytest.mark.django_db


# --------------------------------------------------------------------------- the action page


def test_action_detail_shows_the_record_and_its_history(signed_in_client, lead, make_action):
    action = make_action()
    services.action_transition(action=action, by=lead, name="start", expected_version=1)
    services.action_progress_add(action=action, by=lead, note="Sessions booked for June")

    response = signed_in_client(lead).get(reverse("actions:detail", args=[action.reference]))

    html = text(response)
    assert response.status_code == 200
    assert f"Action {action.reference}" in html
    assert "Sessions booked for June" in html
    history = html[html.index(">History<") :]
    assert "Added the action" in history
    assert "Marked the action as on track" in history
    assert "From Not started to On track" in history
    assert "Added a progress update" in history
    assert reverse("actions:history", args=[action.reference]) in history
    assert "Add a progress update" in html
    assert reverse("actions:status", args=[action.reference, "complete"]) in html
    assert "Edit action" not in html  # only the business unit edits


def test_progress_with_evidence_and_download(signed_in_client, lead, away_lead, make_action):
    action = make_action()
    client = signed_in_client(lead)
    url = reverse("actions:progress", args=[action.reference])
    assert client.get(url).status_code == 200

    response = client.post(
        url,
        {
            "note": "Training delivered to 40 staff",
            "evidence": SimpleUploadedFile("register.png", png_bytes(), content_type="image/png"),
        },
    )

    assert response.status_code == 302
    update = ActionUpdate.objects.get(action=action)
    document = update.evidence.get()
    detail = text(client.get(reverse("actions:detail", args=[action.reference])))
    download_url = reverse("core:document-download", args=[document.pk])
    assert f'href="{download_url}"' in detail
    assert "register.png" in detail

    download = client.get(download_url)
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert "register.png" in download["Content-Disposition"]
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Type"] == "image/png"
    assert b"".join(download.streaming_content).startswith(b"\x89PNG")

    assert signed_in_client(away_lead).get(download_url).status_code == 404


def test_progress_with_a_disguised_file_shows_an_error_and_saves_nothing(lead_client, make_action):
    action = make_action()
    documents = Document.objects.count()

    response = lead_client.post(
        reverse("actions:progress", args=[action.reference]),
        {
            "note": "See attached",
            "evidence": SimpleUploadedFile(
                "report.pdf", b"<html><script>x</script></html>", content_type="application/pdf"
            ),
        },
    )

    assert response.status_code == 200
    html = text(response)
    assert "govuk-error-summary" in html
    assert "The selected file must be a PDF, Word document" in html
    assert "See attached" in html
    assert not ActionUpdate.objects.exists()
    assert Document.objects.count() == documents


def test_progress_needs_a_note(lead_client, make_action):
    action = make_action()
    response = lead_client.post(reverse("actions:progress", args=[action.reference]), {"note": ""})
    assert response.status_code == 200
    assert "Enter the progress update" in text(response)


def test_evidence_of_an_archived_action_is_not_served(signed_in_client, bu, lead, make_action):
    action = make_action()
    update = services.action_progress_add(
        action=action,
        by=lead,
        note="Evidence",
        files=[SimpleUploadedFile("register.png", png_bytes(), content_type="image/png")],
    )
    url = reverse("core:document-download", args=[update.evidence.get().pk])
    assert signed_in_client(lead).get(url).status_code == 200

    services.action_archive(action=action, by=bu, reason="Entered twice")

    assert signed_in_client(lead).get(url).status_code == 404
    assert signed_in_client(bu).get(url).status_code == 404
    assert (
        signed_in_client(lead).get(reverse("actions:detail", args=[action.reference])).status_code
        == 404
    )


# --------------------------------------------------------------------------- status pages


def test_status_page_marks_an_action_on_track(lead_client, make_action):
    action = make_action()
    url = reverse("actions:status", args=[action.reference, "start"])
    page = lead_client.get(url)
    assert page.status_code == 200
    assert "Mark as on track" in text(page)

    response = lead_client.post(url, {"version": 1, "transition": "start", "note": ""})

    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == ActionStatus.ON_TRACK


def test_status_page_complete_asks_for_the_impact_statement(lead_client, make_action):
    action = make_action()
    url = reverse("actions:status", args=[action.reference, "complete"])
    assert 'name="impact_statement"' in text(lead_client.get(url))

    refused = lead_client.post(url, {"version": 1, "transition": "complete", "note": "Done"})
    assert refused.status_code == 200
    assert "govuk-error-summary" in text(refused)
    assert '<a href="#id_impact_statement">Enter the impact statement</a>' in text(refused)
    action.refresh_from_db()
    assert action.status == ActionStatus.NOT_STARTED

    done = lead_client.post(
        url, {"version": 1, "transition": "complete", "impact_statement": "Referrals doubled"}
    )
    assert done.status_code == 302
    action.refresh_from_db()
    assert action.status == ActionStatus.COMPLETE
    assert action.impact_statement == "Referrals doubled"


def test_status_page_at_risk_needs_a_note(lead_client, make_action):
    action = make_action()
    url = reverse("actions:status", args=[action.reference, "flag_at_risk"])
    response = lead_client.post(url, {"version": 1, "transition": "flag_at_risk"})
    assert response.status_code == 200
    assert "Enter a note explaining the change" in text(response)


def test_status_page_sign_off_and_return(bu_client, bu, make_action):
    signed = make_action(status="complete")
    returned = make_action(status="complete")

    response = bu_client.post(
        reverse("actions:status", args=[signed.reference, "sign_off"]),
        {
            "version": signed.version,
            "transition": "sign_off",
            "impact_statement": signed.impact_statement,
        },
    )
    assert response.status_code == 302
    signed.refresh_from_db()
    assert signed.status == ActionStatus.SIGNED_OFF
    assert signed.signed_off_by == bu

    url = reverse("actions:status", args=[returned.reference, "reopen"])
    refused = bu_client.post(url, {"version": returned.version, "transition": "reopen"})
    assert "Enter a note explaining the change" in text(refused)
    back = bu_client.post(
        url, {"version": returned.version, "transition": "reopen", "note": "No evidence yet"}
    )
    assert back.status_code == 302
    returned.refresh_from_db()
    assert returned.status == ActionStatus.ON_TRACK


def test_status_page_carry_forward_lists_other_plans(bu_client, bu, plan, make_action):
    action = make_action()
    next_plan = services.action_plan_create(by=bu, title="Next year", source="priority")
    url = reverse("actions:status", args=[action.reference, "carry_forward"])
    page = text(bu_client.get(url))
    assert f'<option value="{next_plan.pk}">' in page
    assert f'<option value="{plan.pk}">' not in page

    response = bu_client.post(
        url,
        {
            "version": 1,
            "transition": "carry_forward",
            "carried_to": next_plan.pk,
            "note": "Into next year",
        },
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == ActionStatus.CARRIED_FORWARD
    assert action.carried_to == next_plan


def test_status_page_for_a_move_not_available_now_is_not_found(bu_client, make_action):
    action = make_action()
    for name in ("sign_off", "reopen", "no-such-move"):
        url = reverse("actions:status", args=[action.reference, name])
        assert bu_client.get(url).status_code == 404, name


def test_status_page_stale_is_refused(signed_in_client, lead, owner, make_action):
    action = make_action(owner=owner)
    url = reverse("actions:status", args=[action.reference, "start"])
    services.action_transition(
        action=Action.objects.get(pk=action.pk),
        by=owner,
        name="flag_at_risk",
        expected_version=1,
        note="Trainer left",
    )

    response = signed_in_client(lead).post(url, {"version": 1, "transition": "start"})

    assert response.status_code == 200
    assert "Your changes have not been saved" in text(response)
    action.refresh_from_db()
    assert action.status == ActionStatus.AT_RISK
    assert action.version == 2
