"""Browser journeys through accounts and settings: an invitation taken up from the e-mail to the
signed-in home, failed and ended sign-ins, and the business unit's reference data.

Every page reached through `journey` is checked with axe-core by the harness.
"""

import datetime
import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from conftest import TEST_PASSWORD
from sightline.accounts.models import Role, User
from tests.e2e.conftest import totp_code

NEW_PASSWORD = "harbour lantern 42 quietly"


@pytest.fixture
def business_unit(make_user, agency_factory):
    """A business unit member with a confirmed authenticator, ready to sign in once."""
    user = make_user(
        Role.BUSINESS_UNIT,
        agency=agency_factory("Safeguarding Partnership Business Unit"),
        email="bu.manager@example.org",
        full_name="Bea Unit",
    )
    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    return user, device


def error_summary(page):
    return page.locator(".govuk-error-summary")


def invitation_path():
    """The path of the set-password link in the one invitation e-mail sent."""
    invitations = [m for m in mail.outbox if "invited" in m.subject]
    assert len(invitations) == 1, [m.subject for m in mail.outbox]
    match = re.search(r"https?://\S+/app/invitation/\S+/", invitations[0].body)
    assert match, invitations[0].body
    return invitations[0], urlsplit(match.group(0)).path


def test_invited_agency_lead_sets_password_and_enrols_two_factor(
    journey, business_unit, agency_factory
):
    bu, device = business_unit
    agency = agency_factory("Northfield Community Health")
    page = journey.page

    # The business unit invites the new agency lead.
    journey.sign_in(bu.email, TEST_PASSWORD, device)
    expect(page.get_by_role("heading", level=1)).to_have_text("What to do next")
    journey.visit(reverse("settings:user-list"))
    journey.submit("Invite a user")  # a link styled as a button
    journey.fill("Full name", "Priya Lead")
    journey.fill("Email address", "Priya.Lead@Example.org")
    page.get_by_label("Agency", exact=True).select_option(label=agency.name)
    page.get_by_label("Agency safeguarding lead", exact=True).check()
    journey.submit("Send invitation")
    expect(page.get_by_role("heading", level=1)).to_have_text("Priya Lead")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Invitation sent to priya.lead@example.org"
    )
    expect(page.get_by_text("Invitation not yet accepted")).to_be_visible()

    message, path = invitation_path()
    assert message.to == ["priya.lead@example.org"]
    invited = User.objects.get(email="priya.lead@example.org")
    assert not invited.has_usable_password()

    # The invited person, in a fresh session, follows the link in the e-mail.
    page.context.clear_cookies()
    journey.visit(path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Set your password")
    expect(page.get_by_text("priya.lead@example.org")).to_be_visible()

    # A password that is too short: the error summary, and the page still works.
    journey.fill("New password", "short")
    journey.fill("Confirm new password", "short")
    journey.submit("Save password")
    expect(page).to_have_title(re.compile(r"^Error: Set your password"))
    expect(error_summary(page)).to_contain_text("There is a problem")
    expect(error_summary(page)).to_contain_text("too short")
    summary_link = error_summary(page).get_by_role("link").first
    summary_link.click()
    expect(page.get_by_label("New password", exact=True)).to_be_focused()
    expect(page.get_by_label("New password", exact=True)).to_have_value("")

    journey.fill("New password", NEW_PASSWORD)
    journey.fill("Confirm new password", NEW_PASSWORD)
    journey.submit("Save password")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Your password has been set")

    # The link works once.
    journey.visit(path, status=404)
    expect(page.get_by_role("heading", level=1)).to_contain_text("has already been used")

    # Sign in, then enrol an authenticator from the setup key on the page.
    journey.sign_in("priya.lead@example.org", NEW_PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor authentication")
    expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    page.get_by_text("I cannot scan the QR code").click()
    secret = page.get_by_test_id("totp-secret").inner_text()
    assert re.fullmatch(r"[A-Z2-7]{4}( [A-Z2-7]{1,4})+", secret), secret

    # A wrong code first: the error is shown and the same key is offered again.
    wrong = f"{(int(totp_code(secret)) + 1) % 1_000_000:06d}"
    journey.fill("Code from your authenticator app", wrong)
    journey.submit("Continue")
    expect(error_summary(page)).to_contain_text("The code is not correct")
    assert page.get_by_test_id("totp-secret").text_content() == secret
    # django-otp throttles the device for a second after a wrong code (doubling each time);
    # a person retyping takes longer than that.
    page.wait_for_timeout(1_200)

    journey.fill("Code from your authenticator app", totp_code(secret))
    journey.submit("Continue")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    codes = page.get_by_test_id("recovery-codes").locator("li")
    expect(codes).to_have_count(10)

    journey.click_link("I have saved my codes")
    expect(page.get_by_role("heading", level=1)).to_have_text("What to do next")
    expect(page.locator(".govuk-caption-l")).to_have_text("Priya Lead")
    assert TOTPDevice.objects.filter(user=invited, confirmed=True).count() == 1

    # The recovery codes are shown once only.
    journey.visit(reverse("accounts:recovery-codes"))
    expect(page.get_by_role("heading", level=1)).to_have_text("What to do next")

    journey.visit(reverse("accounts:account"))
    expect(
        page.get_by_text("Agency safeguarding lead, Northfield Community Health")
    ).to_be_visible()
    expect(page.get_by_text("Authenticator app set up; 10 recovery codes left")).to_be_visible()


def test_wrong_password_shows_error_summary_and_keeps_email(journey, make_user):
    user = make_user(Role.PRACTITIONER, email="pat.practitioner@example.org")
    page = journey.page

    journey.visit(reverse("accounts:sign-in"))
    journey.fill("Email address", user.email)
    journey.fill("Password", "not the password at all")
    journey.submit("Sign in")

    expect(page).to_have_title(re.compile(r"^Error: Sign in"))
    expect(error_summary(page)).to_contain_text("There is a problem")
    expect(error_summary(page)).to_contain_text("Enter a correct email address and password")
    expect(page.get_by_label("Email address", exact=True)).to_have_value(user.email)
    expect(page.get_by_label("Password", exact=True)).to_have_value("")
    assert "/sign-in/" in page.url

    # Nothing typed: each field's own message, linked from the summary.
    page.get_by_label("Email address", exact=True).fill("")
    journey.submit("Sign in")
    expect(error_summary(page).get_by_role("link", name="Enter your email address")).to_be_visible()
    expect(error_summary(page).get_by_role("link", name="Enter your password")).to_be_visible()
    error_summary(page).get_by_role("link", name="Enter your email address").click()
    expect(page.get_by_label("Email address", exact=True)).to_be_focused()


def test_sign_out_ends_the_session(journey, make_user):
    user = make_user(Role.PARTNER_LEAD, email="paula.partner@example.org")
    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    page = journey.page

    journey.sign_in(user.email, TEST_PASSWORD, device)
    expect(page.get_by_role("heading", level=1)).to_have_text("What to do next")

    journey.submit("Sign out")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("You have signed out")

    journey.visit(reverse("core:home"))
    assert urlsplit(page.url).path == reverse("accounts:sign-in")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)

    # Nor does any other signed-in page open.
    journey.visit(reverse("settings:index"))
    assert urlsplit(page.url).path == reverse("accounts:sign-in")


def _next_weekday(after: datetime.date, days_ahead: int) -> datetime.date:
    day = after + datetime.timedelta(days=days_ahead)
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return day


def test_business_unit_manages_reference_data(journey, business_unit):
    bu, device = business_unit
    page = journey.page
    journey.sign_in(bu.email, TEST_PASSWORD, device)

    journey.visit(reverse("settings:index"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Settings")

    # An agency.
    journey.click_link("Agencies")
    journey.submit("Add an agency")  # a link styled as a button
    journey.submit("Save")
    expect(error_summary(page)).to_contain_text("Enter the agency name")
    journey.fill("Agency name", "Riverside Academy Trust")
    journey.fill("Short name (optional)", "RAT")
    page.get_by_label("Relevant agency", exact=True).check()
    journey.submit("Save")
    expect(page.get_by_role("heading", level=1)).to_have_text("Agencies")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Riverside Academy Trust has been added"
    )
    expect(page.get_by_role("link", name="Riverside Academy Trust")).to_be_visible()

    # A theme.
    journey.visit(reverse("settings:theme-list"))
    journey.submit("Add a theme")  # a link styled as a button
    journey.fill("Theme name", "Professional curiosity about fathers")
    page.get_by_label("Practice issue", exact=True).check()
    journey.fill("Description (optional)", "Whether practitioners engaged fathers and partners")
    journey.submit("Save")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "The theme Professional curiosity about fathers has been added"
    )
    row = page.get_by_role("row").filter(has_text="Professional curiosity about fathers")
    expect(row).to_contain_text("In use")

    # A closed day beside the bank holidays.
    closed = _next_weekday(datetime.date.today(), 40)
    journey.visit(reverse("settings:calendar-list"))
    expect(page.get_by_role("heading", name="Bank holidays in the next 12 months")).to_be_visible()
    journey.submit("Add an override")  # a link styled as a button
    journey.fill("Day", str(closed.day))
    journey.fill("Month", str(closed.month))
    journey.submit("Save")
    expect(error_summary(page)).to_contain_text("Date must include a year")
    expect(page.get_by_label("Day", exact=True)).to_have_value(str(closed.day))
    journey.fill("Year", str(closed.year))
    page.get_by_label("Not a working day", exact=True).check()
    journey.fill("Description", "Partnership away day")
    journey.submit("Save")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "The override for Partnership away day has been added"
    )
    row = page.get_by_role("row").filter(has_text="Partnership away day")
    expect(row).to_contain_text(f"{closed.day} {closed:%B} {closed.year}")
    expect(row).to_contain_text("Not a working day")

    # A clock's due-soon warning.
    journey.visit(reverse("settings:clock-list"))
    journey.click_link("Rapid review sent to the Panel")
    due_soon = page.get_by_label("Show as due soon from", exact=True)
    expect(due_soon).to_have_value("5")
    due_soon.fill("many")
    journey.submit("Save")
    expect(error_summary(page)).to_contain_text("Enter a whole number of working days")
    page.get_by_label("Show as due soon from", exact=True).fill("8")
    journey.submit("Save")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "The deadline Rapid review sent to the Panel has been updated"
    )
    row = page.get_by_role("row").filter(has_text="Rapid review sent to the Panel")
    expect(row).to_contain_text("8 working days before")
