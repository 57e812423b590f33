"""Browser journey through a record's history and the reminders sent, with the demo partnership.

The business unit opens the restricted record of a case, reads the case's full history (every
event of the case and its parts, in words, in order), turns it newest first and downloads it;
the scrutineer reads the same history and sees that the record was opened, but not why. The
daily briefing reminders run, and the dissemination page and the reach dashboard show each
agency still to acknowledge, who was reminded and when, and the next reminder."""

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from sightline.accounts.models import User
from sightline.core.demo import DEMO_PASSWORD
from sightline.core.models import Event
from sightline.core.templatetags.govuk import govuk_date
from sightline.learning.models import Briefing
from sightline.learning.services import briefing_send_reminders
from sightline.reviews.models import Case
from tests.e2e.conftest import TIMEOUT_MS, BrowserProblems, Journey

REASON = "Checking the family's school before the Panel meeting"


@pytest.fixture
def demo(demo_partnership):
    return {
        user.email: (user, TOTPDevice.objects.create(user=user, name="App", confirmed=True))
        for user in User.objects.filter(
            email__in=["business.unit@northvale.example", "scrutineer@northvale.example"]
        )
    }


@pytest.fixture
def scrutineer_journey(browser, live_server, page):
    context = browser.new_context(
        base_url=live_server.url, bypass_csp=True, locale="en-GB", timezone_id="Europe/London"
    )
    context.set_default_timeout(TIMEOUT_MS)
    problems = BrowserProblems()
    other = context.new_page()
    other.on("dialog", problems.on_dialog)
    other.on("pageerror", problems.on_page_error)
    yield Journey(other, problems)
    context.close()
    problems.raise_if_any("the scrutineer's last page")


def test_a_case_history_and_the_reminders_sent(journey, scrutineer_journey, demo, tmp_path):
    bu, bu_device = demo["business.unit@northvale.example"]
    case = Case.objects.get(pseudonym="Child H")
    page = journey.page
    journey.sign_in(bu.email, DEMO_PASSWORD, bu_device)

    # --- The business unit opens the restricted record, with a reason ----------------------
    journey.visit(reverse("reviews:identity", args=[case.reference]))
    journey.fill("Why do you need to see the child's and family's details?", REASON)
    journey.submit("Open the restricted record")

    # --- The case page shows the latest changes and links to every change ------------------
    journey.visit(reverse("reviews:case", args=[case.reference]))
    latest = page.get_by_role("table", name="The latest changes to this case, newest first")
    expect(latest.locator("tbody tr").first).to_contain_text("Opened the restricted record")
    expect(latest).to_contain_text(REASON)
    journey.click_link("See the full history", exact=False)
    expect(page.get_by_role("heading", level=1)).to_have_text("History")
    history = page.get_by_role("table", name="Every change to this case")
    rows = history.locator("tbody tr")
    expect(rows.first).to_contain_text("Raised the concern")
    expect(history).to_contain_text("Recorded the notification to the Panel")
    expect(history).to_contain_text("Northvale Police partner lead signed off the rapid review")
    expect(history).to_contain_text("Ch Supt Alan Reeves")
    expect(history).not_to_contain_text("None to")

    # Newest first, through the sortable "When" column.
    journey.click_link("When", exact=False)
    expect(rows.first).to_contain_text("Opened the restricted record")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download as CSV").click()
    saved = tmp_path / "history.csv"
    download.value.save_as(saved)
    exported = list(csv.reader(io.StringIO(saved.read_text(encoding="utf-8-sig"))))
    assert exported[0][:3] == ["When", "Who", "What happened"]
    assert any(REASON in row for row in exported)
    # The download is in the event log, like every list's.
    assert Event.objects.filter(
        action="export.list", object_id=reverse("reviews:history", args=[case.reference])
    ).exists()

    # --- The scrutineer sees that the record was opened, not why ----------------------------
    scrutineer, device = demo["scrutineer@northvale.example"]
    scrutineer_journey.sign_in(scrutineer.email, DEMO_PASSWORD, device)
    scrutineer_journey.visit(reverse("reviews:history", args=[case.reference]) + "?sort=-at")
    theirs = scrutineer_journey.page.get_by_role("table", name="Every change to this case")
    expect(theirs).to_contain_text("Opened the restricted record (reason recorded)")
    expect(theirs).not_to_contain_text(REASON)

    # --- The daily reminders run; the dissemination pages show them -------------------------
    briefing = Briefing.objects.get(title="Bruising in babies who are not yet mobile")
    assert briefing_send_reminders() > 0
    today = govuk_date(timezone.localdate())
    journey.visit(reverse("learning:dissemination", args=[briefing.reference]))
    agencies = page.get_by_role("table", name="Each agency’s acknowledgement")
    expect(agencies).to_contain_text(f"Reminded {today}")
    expect(agencies).to_contain_text("next reminder")
    journey.visit(reverse("learning:dashboard"))
    reach = page.get_by_role("table", name="Each briefing")
    expect(reach).to_contain_text(f"Reminded {today}")
