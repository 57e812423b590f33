"""The publication pages: list, create, the plan page with its guard table and approvals, the
forms for each move, and constant query counts."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sightline.core.clocks import get_calendar, today
from sightline.core.models import Event
from sightline.core.templatetags.govuk import govuk_datetime
from sightline.learning.models import Briefing
from sightline.publishing import guard, services
from sightline.publishing.models import LibraryItem, PublicationApproval, PublicationPlan
from sightline.publishing.tests.test_plans_support import (
    CHILD_NAME,
    CLEAN_BODY,
    advance_case,
    allowed_time,
    approve_by,
    confirm_removal,
    fresh,
    pdf_bytes,
    published_plan,
    ready_plan,
    submit,
)

pytestmark = pytest.mark.django_db
S = PublicationPlan.Status


def body(response) -> str:
    return response.content.decode()


def h1_count(response) -> int:
    return len(re.findall(r"<h1[ >]", body(response)))


def dates(prefix: str, day) -> dict:
    return {f"{prefix}_day": day.day, f"{prefix}_month": day.month, f"{prefix}_year": day.year}


def test_the_list_shows_plans_and_briefings_ready_for_the_library(world, signed_in_client):
    plan = ready_plan(world)
    Briefing.objects.create(
        reference="7MB-2026-0009",
        title="Safer sleep",
        status=Briefing.Status.PUBLISHED,
        is_public=True,
        author=world.bu,
        section_1="Babies sleep safest on their backs.",
    )
    response = signed_in_client(world.bu).get(reverse("publishing:list"))
    assert response.status_code == 200
    assert h1_count(response) == 1
    html = body(response)
    assert plan.reference in html
    assert "Prepare for the public library" in html
    assert reverse("publishing:from-briefing", args=["7MB-2026-0009"]) in html

    # Partner leads see plans but cannot prepare anything.
    html = body(signed_in_client(world.approvers["icb"]).get(reverse("publishing:list")))
    assert plan.reference in html
    assert "Prepare for the public library" not in html


def test_the_list_filters_by_status_and_kind_with_constant_queries(world, signed_in_client):
    client = signed_in_client(world.bu)
    first = ready_plan(world)
    client.get(reverse("publishing:list"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("publishing:list"))
    for n in range(3):
        services.plan_create(by=world.bu, kind="other", title=f"Digest {n}", summary="Learning.")
    with CaptureQueriesContext(connection) as four:
        response = client.get(reverse("publishing:list"))
    assert len(four) == len(one)
    assert "Digest 2" in body(response)
    filtered = body(client.get(reverse("publishing:list"), {"kind": "review"}))
    assert first.reference in filtered
    assert "Digest 2" not in filtered
    assert "Digest 2" not in body(client.get(reverse("publishing:list"), {"status": "published"}))


def test_creating_a_plan_for_a_ready_case(world, signed_in_client):
    case = advance_case(world.p, to="ready_for_publication")
    client = signed_in_client(world.bu)
    assert client.get(reverse("publishing:create")).status_code == 200
    response = client.post(
        reverse("publishing:create"),
        {
            "source": "review",
            "case": case.pk,
            "version_kind": "full_report",
            "title": "Child A: practice review",
            "summary": "Learning about bruising.",
        },
    )
    assert response.status_code == 302
    plan = PublicationPlan.objects.get()
    assert response["Location"] == reverse("publishing:detail", args=[plan.reference])
    assert plan.case == case
    assert plan.kind == "review"


def test_creating_needs_a_ready_case_for_a_full_report(world, signed_in_client):
    case = advance_case(world.p, to="draft")
    response = signed_in_client(world.bu).post(
        reverse("publishing:create"),
        {"source": "review", "case": case.pk, "version_kind": "full_report", "title": "T"},
    )
    assert response.status_code == 200
    html = body(response)
    assert "There is a problem" in html
    assert "ready for publication, or publish a summary" in html
    assert "Enter a summary" in html
    assert not PublicationPlan.objects.exists()


def test_the_plan_page_shows_the_guard_table_masked(world, signed_in_client):
    plan = ready_plan(world, body=f"{CLEAN_BODY} {CHILD_NAME} was seen at home.")
    client = signed_in_client(world.bu)
    response = client.post(reverse("publishing:guard", args=[plan.reference]))
    assert response.status_code == 302
    assert response["Location"].endswith("#guard")

    page = client.get(reverse("publishing:detail", args=[plan.reference]))
    html = body(page)
    assert page.status_code == 200
    assert h1_count(page) == 1
    assert "What the guard found" in html
    assert "Child&#x27;s name" in html or "Child's name" in html
    assert "██████ was seen at home" in html
    table = html[html.index("What the guard found") :]
    assert "Thornbury" not in table[: table.index("</table>")]
    assert "Run the publication guard" in html

    # The scrutineer and partner leads see where, never what: the draft is shown redacted.
    for reader in (world.p.scrutineer, world.approvers["icb"]):
        html = body(signed_in_client(reader).get(page.request["PATH_INFO"]))
        assert "What the guard found" in html
        assert "Thornbury" not in html
        assert "Parts of this draft that could identify the child or family are hidden" in html
        assert "Run the publication guard" not in html


def test_submitting_through_the_page_shows_where_the_guard_found_something(world, signed_in_client):
    plan = ready_plan(world, summary=f"About {CHILD_NAME}.")
    client = signed_in_client(world.bu)
    url = reverse("publishing:status", args=[plan.reference, "submit"])
    assert client.get(url).status_code == 200
    response = client.post(url, {"version": plan.version})
    assert response.status_code == 200
    assert "found 1 possible identifier in the summary" in body(response)
    assert fresh(plan).status == S.PREPARING


def test_an_approver_approves_through_the_page(world, signed_in_client):
    plan = submit(world, ready_plan(world))
    approver = world.approvers["council"]
    client = signed_in_client(approver)
    detail = body(client.get(reverse("publishing:detail", args=[plan.reference])))
    url = reverse("publishing:approve", args=[plan.reference])
    assert url in detail
    page = client.get(url)
    assert page.status_code == 200
    refused = client.post(url, {"fingerprint": guard.fingerprint(plan)})
    assert "Confirm that you have read it" in body(refused)
    done = client.post(url, {"fingerprint": guard.fingerprint(plan), "confirm": "on"})
    assert done.status_code == 302
    html = body(client.get(reverse("publishing:detail", args=[plan.reference])))
    assert approver.full_name in html
    assert "Northvale Council" in html
    assert url not in html, "no second approval"
    again = client.get(url)
    assert again.status_code == 403, "a reason, not Page not found"
    approved_at = PublicationApproval.objects.get(plan=plan).approved_at
    assert f"You approved this version on {govuk_datetime(approved_at)}." in body(again)


def test_a_second_approver_from_the_same_partner_is_told_why(world, signed_in_client):
    plan = approve_by(submit(world, ready_plan(world)), world.approvers["council"])
    client = signed_in_client(world.second_council_approver)
    url = reverse("publishing:approve", args=[plan.reference])
    reason = (
        "An approver from Northvale Council has already approved; the second approval must "
        "come from a different partner."
    )
    for response in (client.get(url), client.post(url, {"confirm": "on"})):
        assert response.status_code == 403
        assert reason in body(response)
    assert reason in body(client.get(reverse("publishing:detail", args=[plan.reference])))
    assert PublicationApproval.objects.filter(plan=plan).count() == 1
    refusal = Event.objects.filter(action="publication.approve.refused").last()
    assert refusal.actor == world.second_council_approver
    assert refusal.reason == reason


def test_someone_who_may_not_see_plans_still_gets_page_not_found(world, signed_in_client):
    plan = submit(world, ready_plan(world))
    url = reverse("publishing:approve", args=[plan.reference])
    for user in (world.p.agency_leads["trust"], world.admin):
        response = signed_in_client(user).get(url)
        assert response.status_code == 404
        assert "approved" not in body(response)


def test_the_business_unit_does_not_see_an_approve_button(world, signed_in_client):
    plan = submit(world, ready_plan(world))
    html = body(signed_in_client(world.bu).get(reverse("publishing:detail", args=[plan.reference])))
    assert reverse("publishing:approve", args=[plan.reference]) not in html


def test_scheduling_through_the_page_with_the_advance_copy_rule(world, signed_in_client):
    plan = approve_by(
        submit(world, ready_plan(world)), world.approvers["council"], world.approvers["icb"]
    )
    client = signed_in_client(world.bu)
    url = reverse("publishing:status", args=[plan.reference, "schedule"])
    page = client.get(url)
    earliest = get_calendar().add_working_days(today(), 7)
    assert f"{earliest.day} {earliest:%B %Y}" in body(page)
    too_soon = get_calendar().add_working_days(today(), 6)
    refused = client.post(url, {"version": plan.version, **dates("scheduled_date", too_soon)})
    assert refused.status_code == 200
    assert "cannot be scheduled before" in body(refused)
    done = client.post(
        url,
        {"version": plan.version, **dates("scheduled_date", earliest), "scheduled_time": "10am"},
    )
    assert done.status_code == 302
    plan = fresh(plan)
    assert plan.status == S.SCHEDULED
    assert timezone.localtime(plan.scheduled_for).hour == 10


def test_withholding_through_the_page(world, signed_in_client):
    plan = ready_plan(world)
    client = signed_in_client(world.bu)
    url = reverse("publishing:withhold", args=[plan.reference])
    empty = client.post(url, {"version": plan.version})
    assert "Enter the reasons for not publishing" in body(empty)
    done = client.post(
        url,
        {
            "version": plan.version,
            "withheld_reasons": "It would identify the sibling.",
            "withheld_decision_makers": "The three delegated safeguarding partners",
            **dates("withheld_date", today()),
        },
    )
    assert done.status_code == 302
    html = body(client.get(reverse("publishing:detail", args=[plan.reference])))
    assert "Decision not to publish" in html
    assert "It would identify the sibling." in html
    assert "Prepare information about improvements instead" in html


def test_uploading_a_file_and_downloading_it(world, signed_in_client):
    plan = ready_plan(world)
    client = signed_in_client(world.bu)
    url = reverse("publishing:upload", args=[plan.reference])
    response = client.post(
        url,
        {
            "version": plan.version,
            "file": SimpleUploadedFile("report.pdf", pdf_bytes(["Overview report"])),
        },
    )
    assert response.status_code == 302
    plan = fresh(plan)
    file_url = reverse("core:document-download", args=[plan.document_id])
    scrutineer = signed_in_client(world.p.scrutineer)
    assert client.get(file_url).status_code == 200
    assert scrutineer.get(file_url).status_code == 404, "not before the guard clears it"
    services.plan_run_guard(plan=plan, by=world.bu)
    assert scrutineer.get(file_url).status_code == 200
    assert signed_in_client(world.p.practitioner).get(file_url).status_code == 404


def test_a_bad_upload_is_refused_on_the_form(world, signed_in_client):
    plan = ready_plan(world)
    response = signed_in_client(world.bu).post(
        reverse("publishing:upload", args=[plan.reference]),
        {"version": plan.version, "file": SimpleUploadedFile("report.pdf", b"<html>no</html>")},
    )
    assert response.status_code == 200
    assert "must be a PDF" in body(response) or "does not match" in body(response)


def test_removing_through_the_page(world, signed_in_client):
    """Before the end of the minimum period the page asks the named partner lead to confirm;
    the item stays in the library until they do."""
    plan = published_plan(world)
    client = signed_in_client(world.bu)
    url = reverse("publishing:remove", args=[plan.reference])
    page = client.get(url)
    assert page.status_code == 200
    assert "minimum public period ends" in body(page)
    police = world.p.partner_leads["police"]
    refused = client.post(
        url,
        {
            "version": plan.version,
            "removal_kind": "period_ended",
            "removal_reason": "Tidy up.",
            "removal_approved_by": police.pk,
            "when": "now",
        },
    )
    assert refused.status_code == 200
    assert "court order, a risk to a child or a family request" in body(refused)
    done = client.post(
        url,
        {
            "version": plan.version,
            "removal_kind": "risk_to_child",
            "removal_reason": "The sibling could be identified from it.",
            "removal_approved_by": police.pk,
            "when": "now",
        },
    )
    assert done.status_code == 302
    assert LibraryItem.objects.get(plan=plan).removed_at is None, "not until it is confirmed"
    html = body(client.get(reverse("publishing:detail", args=[plan.reference])))
    assert "Its removal is waiting for Fiona Rees to confirm it" in html

    confirm_removal(plan, police)

    item = LibraryItem.objects.get(plan=plan)
    assert item.removed_at is not None
    assert "to protect a child" in item.removal_notice
    html = body(client.get(reverse("publishing:detail", args=[plan.reference])))
    assert item.removal_notice in html
    assert "Confirmed by" in html


def test_planning_a_removal_through_the_page(world, signed_in_client):
    plan = published_plan(world)
    client = signed_in_client(world.bu)
    when = plan.min_end_date + timedelta(days=3)
    done = client.post(
        reverse("publishing:remove", args=[plan.reference]),
        {
            "version": plan.version,
            "removal_kind": "period_ended",
            "removal_reason": "The period has ended.",
            "when": "later",
            **dates("planned_date", when),
            "planned_time": "9am",
        },
    )
    assert done.status_code == 302
    plan = fresh(plan)
    assert timezone.localdate(plan.removal_planned_for) == when
    assert plan.status == S.PUBLISHED
    html = body(client.get(reverse("publishing:detail", args=[plan.reference])))
    assert "Cancel the planned removal" in html


def test_recording_the_nspcc_submission(world, signed_in_client):
    plan = published_plan(world)
    response = signed_in_client(world.bu).post(
        reverse("publishing:nspcc", args=[plan.reference]),
        {"version": plan.version, **dates("submitted_on", today())},
    )
    assert response.status_code == 302
    assert fresh(plan).nspcc_submitted_date == today()


def test_the_home_page_lists_approvals_and_removal_reviews(world, signed_in_client):
    plan = submit(world, ready_plan(world))
    html = body(signed_in_client(world.approvers["police"]).get(reverse("core:home")))
    assert f"Approve publication {plan.reference}" in html
    bu_html = body(signed_in_client(world.bu).get(reverse("core:home")))
    assert f"Approve publication {plan.reference}" not in bu_html


def test_publishing_is_in_the_navigation_for_readers_only(world, signed_in_client):
    url = reverse("publishing:list")
    assert f'href="{url}"' in body(signed_in_client(world.bu).get(reverse("core:home")))
    assert f'href="{url}"' in body(signed_in_client(world.p.scrutineer).get(reverse("core:home")))
    assert f'href="{url}"' not in body(
        signed_in_client(world.p.practitioner).get(reverse("core:home"))
    )


def test_a_refused_look_at_a_plan_is_logged(world, signed_in_client):
    plan = ready_plan(world)
    response = signed_in_client(world.p.practitioner).get(
        reverse("publishing:detail", args=[plan.reference])
    )
    assert response.status_code == 404
    assert Event.objects.filter(
        kind=Event.Kind.DENIED, object_id=plan.reference, actor=world.p.practitioner
    ).exists()


def test_allowed_time_helper_is_in_the_future(world):
    plan = ready_plan(world)
    assert allowed_time(plan) > timezone.now()
