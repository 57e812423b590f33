"""Browser journey through an action plan: the business unit sets an action for an agency, the
agency's safeguarding lead reports progress with evidence and completes it, and the business
unit signs it off, filters the list and exports it.

Two people work side by side, each in their own browser context (their own cookies), so each
signs in once. Every page reached through a `Journey` is checked with axe-core.
"""

import csv
import datetime
import io
import re

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from PIL import Image
from playwright.sync_api import expect

from conftest import TEST_PASSWORD
from sightline.accounts.models import Role
from sightline.actions.models import Action, ActionStatus
from tests.e2e.conftest import TIMEOUT_MS, BrowserProblems, Journey


@pytest.fixture
def second_journey(browser, live_server, page):
    """A second person's browser context on the live server, built as the harness builds `page`."""
    context = browser.new_context(
        base_url=live_server.url,
        bypass_csp=True,  # lets axe-core be injected
        locale="en-GB",
        timezone_id="Europe/London",
    )
    context.set_default_timeout(TIMEOUT_MS)
    problems = BrowserProblems()
    other = context.new_page()
    other.on("dialog", problems.on_dialog)
    other.on("pageerror", problems.on_page_error)
    yield Journey(other, problems)
    context.close()
    problems.raise_if_any("the last page of the second person's journey")


@pytest.fixture
def people(make_user, agency_factory):
    """A business unit member and an agency lead, each with a confirmed authenticator."""
    bu = make_user(
        Role.BUSINESS_UNIT,
        agency=agency_factory("Safeguarding Partnership Business Unit"),
        email="bu.actions@example.org",
        full_name="Bea Unit",
    )
    agency = agency_factory("Westbrook Children's Services")
    lead = make_user(
        Role.AGENCY_LEAD, agency=agency, email="lee.lead@example.org", full_name="Lee Lead"
    )
    devices = {
        user.pk: TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
        for user in (bu, lead)
    }
    return {"bu": bu, "lead": lead, "agency": agency, "devices": devices}


def banner(page):
    return page.locator(".govuk-notification-banner")


def error_summary(page):
    return page.locator(".govuk-error-summary")


def heading(page):
    return page.get_by_role("heading", level=1)


def evidence_png(path):
    Image.new("RGB", (40, 30), (29, 112, 184)).save(path, format="PNG")
    return path


def test_action_from_plan_to_sign_off(journey, second_journey, people, tmp_path):
    bu_journey, lead_journey = journey, second_journey
    bu_page, lead_page = bu_journey.page, lead_journey.page
    bu, lead, agency = people["bu"], people["lead"], people["agency"]
    due = datetime.date.today() + datetime.timedelta(days=60)

    # --- The business unit creates a plan and an action -------------------------------------
    bu_journey.sign_in(bu.email, TEST_PASSWORD, people["devices"][bu.pk])
    expect(heading(bu_page)).to_have_text("What to do next")
    bu_journey.visit(reverse("actions:plans"))
    bu_journey.click_link("Create an action plan")
    bu_journey.fill("Title", "Learning from the Harbour Street rapid review")
    bu_page.get_by_label("Rapid review", exact=True).check()
    bu_journey.fill("Summary (optional)", "Actions agreed at the rapid review meeting.")
    bu_journey.submit("Save")
    expect(heading(bu_page)).to_have_text("Learning from the Harbour Street rapid review")
    expect(banner(bu_page)).to_contain_text("Now add its actions")

    bu_journey.click_link("Add an action")
    lesson = "Fathers were not seen during home visits."
    description = "Brief all health visitors on engaging fathers and male carers."
    bu_journey.fill("Lesson or finding", lesson)
    bu_journey.fill("Action", description)
    bu_journey.fill("What is expected to change", "Fathers are seen and recorded at visits.")
    bu_page.get_by_label("Owner agency", exact=True).select_option(label=agency.name)
    bu_journey.submit("Save action")

    # The due date is missing: the error summary links to it and the answers are kept.
    expect(bu_page).to_have_title(re.compile(r"^Error: Add an action"))
    expect(error_summary(bu_page)).to_contain_text("There is a problem")
    expect(error_summary(bu_page).get_by_role("link", name="Enter the due date")).to_be_visible()
    expect(bu_page.get_by_label("Lesson or finding", exact=True)).to_have_value(lesson)
    expect(bu_page.get_by_label("Action", exact=True)).to_have_value(description)
    expect(bu_page.get_by_label("Owner agency", exact=True).locator("option:checked")).to_have_text(
        agency.name
    )
    error_summary(bu_page).get_by_role("link", name="Enter the due date").click()
    expect(bu_page.get_by_label("Day", exact=True)).to_be_focused()

    bu_journey.fill("Day", str(due.day))
    bu_journey.fill("Month", str(due.month))
    bu_journey.fill("Year", str(due.year))
    bu_journey.submit("Save action")
    action = Action.objects.get(description=description)
    reference = action.reference
    expect(banner(bu_page)).to_contain_text(f"Action {reference} added")
    assert action.status == ActionStatus.NOT_STARTED
    expect(bu_page.get_by_role("link", name=reference)).to_be_visible()

    # --- The agency lead sees it and reports progress ---------------------------------------
    lead_journey.sign_in(lead.email, TEST_PASSWORD, people["devices"][lead.pk])
    expect(heading(lead_page)).to_have_text("What to do next")
    expect(lead_page.get_by_role("link", name=f"Update action {reference}")).to_be_visible()
    expect(lead_page.get_by_role("link", name="1 unread notification")).to_be_visible()

    lead_journey.click_link("1 unread notification")
    expect(heading(lead_page)).to_have_text("Notifications")
    expect(
        lead_page.get_by_role("link", name=re.compile(f"New action {reference}"))
    ).to_be_visible()
    lead_journey.submit("Mark all as read")
    expect(lead_page.get_by_role("link", name="1 unread notification")).to_have_count(0)

    lead_journey.visit(reverse("actions:mine"))
    expect(heading(lead_page)).to_have_text("My agency's actions")
    row = lead_page.get_by_role("row").filter(has_text=reference)
    expect(row).to_contain_text(agency.name)
    expect(row).to_contain_text("Not started")
    lead_journey.click_link(reference)
    expect(heading(lead_page)).to_have_text(f"Action {reference}")

    lead_journey.click_link("Add a progress update")
    lead_journey.fill("Progress update", "Briefing held for 24 health visitors.")
    lead_page.get_by_label("Evidence file (optional)", exact=True).set_input_files(
        evidence_png(tmp_path / "briefing-attendance.png")
    )
    lead_journey.submit("Add update")
    expect(banner(lead_page)).to_contain_text("Progress update added")
    expect(lead_page.get_by_text("Briefing held for 24 health visitors.")).to_be_visible()
    evidence = lead_page.get_by_role("link", name="briefing-attendance.png")
    expect(evidence).to_be_visible()
    download = lead_page.request.get(evidence.get_attribute("href"))
    assert download.status == 200
    assert download.body().startswith(b"\x89PNG\r\n\x1a\n")

    lead_journey.click_link("Mark as at risk")
    lead_journey.submit("Mark as at risk")
    expect(error_summary(lead_page)).to_contain_text("Enter a note explaining the change")
    lead_journey.fill("Note", "Two teams have not yet had the briefing.")
    lead_journey.submit("Mark as at risk")
    expect(banner(lead_page)).to_contain_text("mark as at risk done")
    expect(lead_page.locator("main p.govuk-body").first).to_contain_text("At risk")

    lead_journey.click_link("Mark as complete")
    lead_journey.submit("Mark as complete")
    expect(error_summary(lead_page)).to_contain_text("Enter the impact statement")
    lead_journey.fill("Impact statement", "Audit shows fathers recorded at 9 in 10 visits.")
    lead_journey.submit("Mark as complete")
    expect(banner(lead_page)).to_contain_text("mark as complete done")
    expect(lead_page.get_by_role("link", name="Mark as complete")).to_have_count(0)
    expect(lead_page.get_by_role("link", name="Sign off")).to_have_count(0)

    # --- The business unit signs it off ----------------------------------------------------
    bu_journey.visit(reverse("core:home"))
    bu_journey.click_link(f"Sign off action {reference}")
    expect(heading(bu_page)).to_have_text(f"Action {reference}")
    bu_journey.click_link("Sign off")
    expect(bu_page.get_by_label("Impact statement", exact=True)).to_have_value(
        "Audit shows fathers recorded at 9 in 10 visits."
    )
    bu_journey.submit("Sign off")
    expect(banner(bu_page)).to_contain_text("sign off done")
    expect(bu_page.locator("main p.govuk-body").first).to_contain_text("Signed off")
    signed_off = bu_page.locator(".govuk-summary-list__row").filter(has_text="Signed off")
    expect(signed_off).to_contain_text("Bea Unit")

    # The action page shows the latest changes, newest first, and links to the full history,
    # which shows every step in order: added, progress, at risk, complete, signed off.
    latest = bu_page.get_by_role("table", name="The latest changes to this action, newest first")
    expect(latest.locator("tbody tr").first).to_contain_text("Signed off the action")
    bu_journey.click_link("See the full history: 5 changes")
    expect(heading(bu_page)).to_have_text("History")
    history = bu_page.get_by_role("table", name="Every change to this action")
    steps = history.locator("tbody tr")
    expect(steps).to_have_count(5)
    expect(steps.nth(2)).to_contain_text(re.compile(r"at.risk", re.IGNORECASE))
    expect(steps.nth(2)).to_contain_text("Two teams have not yet had the briefing.")
    expect(steps.nth(3)).to_contain_text(re.compile(r"at.risk\W+(→|to)\W+complete", re.I))
    expect(steps.nth(4)).to_contain_text(re.compile(r"complete\W+(→|to)\W+signed.off", re.I))
    for index, who in enumerate(["bu.actions", "lee.lead", "lee.lead", "lee.lead", "bu.actions"]):
        person = "Bea Unit" if who == "bu.actions" else "Lee Lead"
        expect(steps.nth(index).locator("td").nth(1)).to_contain_text(
            re.compile(f"{who}@example.org|{person}")
        )

    # --- All actions: filter and export ----------------------------------------------------
    bu_journey.visit(reverse("actions:all"))
    expect(heading(bu_page)).to_have_text("All actions")
    bu_page.get_by_label("Status", exact=True).select_option(label="Open")
    bu_journey.submit("Apply filters")
    expect(bu_page.get_by_role("link", name=reference)).to_have_count(0)
    expect(bu_page.get_by_text("No actions match.")).to_be_visible()
    bu_page.get_by_label("Status", exact=True).select_option(label="Signed off")
    bu_journey.submit("Apply filters")
    expect(bu_page.get_by_role("link", name=reference)).to_be_visible()
    assert "status=signed_off" in bu_page.url
    expect(bu_page.get_by_label("Status", exact=True).locator("option:checked")).to_have_text(
        "Signed off"
    )

    with bu_page.expect_download() as download_info:
        bu_page.get_by_role("link", name="Download as CSV").click()
    download = download_info.value
    assert download.suggested_filename == "actions.csv"
    path = download.path()
    with open(path, encoding="utf-8-sig", newline="") as handle:
        text = handle.read()
    assert reference in text
    rows = list(csv.reader(io.StringIO(text)))
    matching = [row for row in rows if reference in row]
    assert len(matching) == 1
    assert "Signed off" in matching[0]
    assert agency.name in matching[0]

    # --- Notifications ---------------------------------------------------------------------
    bu_journey.visit(reverse("core:notifications"))
    expect(heading(bu_page)).to_have_text("Notifications")
    lead_journey.visit(reverse("core:notifications"))
    expect(heading(lead_page)).to_have_text("Notifications")


def test_business_unit_carries_an_overdue_action_into_a_new_plan(journey, people):
    """The fields a status change needs are asked for without "(optional)", and the error
    summary links to each; an overdue action shows as overdue until it is carried forward."""
    from sightline.actions import services

    bu, agency, page = people["bu"], people["agency"], journey.page
    old_plan = services.action_plan_create(by=bu, title="Neglect strategy 2025", source="priority")
    new_plan = services.action_plan_create(by=bu, title="Neglect strategy 2026", source="priority")
    action = services.action_create(
        by=bu,
        plan=old_plan,
        lesson="Neglect tool used inconsistently.",
        description="Relaunch the graded care profile.",
        expected_change="Every neglect referral has a completed profile.",
        owner_agency=agency,
        due_date=datetime.date.today() - datetime.timedelta(days=10),
    )

    journey.sign_in(bu.email, TEST_PASSWORD, people["devices"][bu.pk])
    journey.visit(reverse("actions:all"))
    page.get_by_label("Status", exact=True).select_option(label="Overdue")
    journey.submit("Apply filters")
    row = page.get_by_role("row").filter(has_text=action.reference)
    expect(row.locator(".govuk-tag--red")).to_have_text("Overdue")
    journey.click_link(action.reference)
    expect(page.locator("main .govuk-tag--red")).to_have_text("Overdue")

    journey.click_link("Carry into another plan")
    expect(page.get_by_label("Plan it is carried into", exact=True)).to_be_visible()
    expect(page.get_by_label("Note", exact=True)).to_be_visible()
    expect(page.get_by_text("(optional)")).to_have_count(0)
    journey.submit("Carry into another plan")
    summary = error_summary(page)
    expect(summary.get_by_role("link", name="Select the plan it is carried into")).to_be_visible()
    expect(summary.get_by_role("link", name="Enter a note explaining the change")).to_be_visible()
    summary.get_by_role("link", name="Select the plan it is carried into").click()
    expect(page.get_by_label("Plan it is carried into", exact=True)).to_be_focused()

    page.get_by_label("Plan it is carried into", exact=True).select_option(label=str(new_plan))
    journey.fill("Note", "Agreed at the March partnership meeting.")
    journey.submit("Carry into another plan")
    expect(banner(page)).to_contain_text("carry into another plan done")
    expect(page.locator("main p.govuk-body").first).to_contain_text("Carried into another plan")
    expect(page.locator("main .govuk-tag--red")).to_have_count(0)
    action.refresh_from_db()
    assert action.carried_to == new_plan
