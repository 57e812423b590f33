"""Browser journey through 7-minute briefings: the business unit writes, previews, publishes and
sends a briefing; an agency lead acknowledges it. Every page reached is checked with axe-core
(the harness in tests/e2e/conftest.py). Runs with the browser journeys (`-m e2e`)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from conftest import TEST_PASSWORD
from sightline.accounts.models import Role
from sightline.learning import services
from sightline.learning.models import Briefing, Dissemination
from sightline.learning.tests.conftest import full_content, move

pytestmark = pytest.mark.e2e


def _with_device(user):
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def test_a_briefing_from_draft_to_acknowledgement(journey, make_user, agency_factory):
    partnership = agency_factory("Partnership business unit")
    hospital = agency_factory("Northvale Hospitals NHS Foundation Trust")
    bu = make_user(Role.BUSINESS_UNIT, agency=partnership, email="bu@example.org")
    partner = make_user(Role.PARTNER_LEAD, agency=partnership, email="partner@example.org")
    lead = make_user(Role.AGENCY_LEAD, agency=hospital, email="lead@example.org")
    screen = journey.page

    # The business unit writes a draft with only a title.
    journey.sign_in(bu.email, TEST_PASSWORD, _with_device(bu))
    journey.visit(reverse("learning:list"))
    journey.click_link("Write a briefing")
    journey.submit("Save draft")
    expect(screen.locator(".govuk-error-summary")).to_contain_text("Enter a title for the briefing")
    journey.check()
    journey.fill("Title", "Bruising in babies who are not yet mobile")
    journey.submit("Save draft")
    briefing = Briefing.objects.get()
    expect(screen.locator("#missing")).to_contain_text("Background (tile 1)")

    # The content is filled in (as if typed), sent for review and approved by a partner lead.
    services.briefing_update(
        briefing=briefing,
        by=bu,
        expected_version=briefing.version,
        **{k: v for k, v in full_content().items() if k != "title"},
    )
    journey.visit(reverse("learning:detail", args=[briefing.reference]))
    journey.click_link("Send for review")
    journey.submit("Send for review")
    move(briefing, "approve", partner)

    # Preview, publish and send.
    journey.visit(reverse("learning:preview", args=[briefing.reference]))
    expect(screen.get_by_role("heading", level=1)).to_have_text(briefing.title)
    journey.visit(reverse("learning:status", args=[briefing.reference, "publish"]))
    journey.submit("Publish")
    journey.click_link("Send to agencies")
    screen.get_by_label(hospital.name, exact=True).check()
    journey.submit("Send briefing")
    expect(screen.get_by_role("heading", level=1)).to_contain_text("Dissemination")
    journey.visit(reverse("learning:dashboard"))

    # The agency lead acknowledges it.
    screen.context.clear_cookies()
    journey.sign_in(lead.email, TEST_PASSWORD, _with_device(lead))
    d = Dissemination.objects.get()
    journey.visit(reverse("learning:acknowledge", args=[briefing.reference, d.pk]))
    journey.fill("Teams it was shared with", "Emergency department nursing")
    journey.fill("Day", str(d.sent_at.day))
    journey.fill("Month", str(d.sent_at.month))
    journey.fill("Year", str(d.sent_at.year))
    journey.fill("Number of staff it reached", "42")
    journey.fill("What your teams will do differently", "Refer every bruise the same day")
    journey.submit("Save acknowledgement")
    d.refresh_from_db()
    assert d.staff_reached == 42
    assert d.acknowledged_by == lead
