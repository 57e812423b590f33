"""Browser journeys through accounts and settings: an invitation taken up from the e-mail to the
signed-in home, a role that takes two people to grant, failed and ended sign-ins, and the
business unit's reference data.

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
from sightline.accounts.models import Membership, Role, RoleGrant, User
from sightline.core.models import Notification
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


@pytest.fixture
def system_admin(make_user, agency_factory):
    user = make_user(
        Role.SYSTEM_ADMIN,
        agency=agency_factory("Partnership IT"),
        email="it.admin@example.org",
        full_name="Ivo Admin",
    )
    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    return user, device


@pytest.fixture
def partner_lead(make_user, agency_factory):
    user = make_user(
        Role.PARTNER_LEAD,
        agency=agency_factory("Northvale Police"),
        email="paula.partner@example.org",
        full_name="Paula Partner",
    )
    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    return user, device


def banner(page):
    return page.locator(".govuk-notification-banner")


def sign_out(journey):
    journey.submit("Sign out")
    journey.page.context.clear_cookies()


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
    journey, business_unit, system_admin, agency_factory
):
    bu, bu_device = business_unit
    admin, admin_device = system_admin
    agency = agency_factory("Northfield Community Health")
    page = journey.page

    # A system administrator invites the new agency lead; the role waits for the business unit.
    journey.sign_in(admin.email, TEST_PASSWORD, admin_device)
    expect(page.get_by_role("heading", level=1)).to_have_text("What to do next")
    journey.visit(reverse("settings:user-list"))
    journey.submit("Invite a user")  # a link styled as a button
    journey.fill("Full name", "Priya Lead")
    journey.fill("Email address", "Priya.Lead@Example.org")
    page.get_by_label("Agency", exact=True).select_option(label=agency.name)
    page.get_by_label("Agency safeguarding lead", exact=True).check()
    journey.submit("Send invitation")
    expect(error_summary(page)).to_contain_text("Enter why they need this role")
    expect(page.get_by_label("Email address", exact=True)).to_have_value("Priya.Lead@Example.org")
    journey.fill("Why do they need this role?", "New safeguarding lead for community health")
    journey.submit("Send invitation")
    expect(page.get_by_role("heading", level=1)).to_have_text("Priya Lead")
    expect(banner(page)).to_contain_text("Invitation sent to priya.lead@example.org")
    expect(banner(page)).to_contain_text("takes effect when the business unit confirms it")
    expect(page.get_by_text("Invitation not yet accepted")).to_be_visible()
    pending = page.get_by_role("table", name=re.compile("not yet confirmed"))
    expect(pending).to_contain_text("Agency safeguarding lead, Northfield Community Health")

    message, path = invitation_path()
    assert message.to == ["priya.lead@example.org"]
    invited = User.objects.get(email="priya.lead@example.org")
    assert not invited.has_usable_password()
    assert not Membership.objects.filter(user=invited).exists()
    sign_out(journey)

    # The business unit confirms the role from its home page.
    journey.sign_in(bu.email, TEST_PASSWORD, bu_device)
    journey.click_link(
        "Confirm or refuse Agency safeguarding lead, Northfield Community Health for Priya Lead"
    )
    expect(page.get_by_text("New safeguarding lead for community health")).to_be_visible()
    journey.submit("Confirm role")
    expect(banner(page)).to_contain_text("You have confirmed Agency safeguarding lead")
    sign_out(journey)

    # The invited person, in a fresh session, follows the link in the e-mail.
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
    expect(banner(page)).to_contain_text("Your password has been set")

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

    # A wrong code first: the error is shown and the same key is offered again; the right code
    # straight after it works.
    wrong = f"{(int(totp_code(secret)) + 1) % 1_000_000:06d}"
    journey.fill("Code from your authenticator app", wrong)
    journey.submit("Continue")
    expect(error_summary(page)).to_contain_text("The code is not correct")
    assert page.get_by_test_id("totp-secret").text_content() == secret

    journey.fill("Code from your authenticator app", totp_code(secret))
    journey.submit("Continue")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    codes = page.get_by_test_id("recovery-codes").locator("li")
    expect(codes).to_have_count(10)
    shown = [c.strip() for c in codes.all_inner_texts()]

    journey.click_link("I have saved my codes")
    expect(page.get_by_role("heading", level=1)).to_have_text("What to do next")
    expect(page.locator(".govuk-caption-l")).to_have_text("Priya Lead")
    assert TOTPDevice.objects.filter(user=invited, confirmed=True).count() == 1

    # The recovery codes were shown once, in the answer to the enrolment: going back to the
    # enrolment page shows no codes.
    journey.visit(reverse("accounts:two-factor-setup"))
    expect(page.get_by_role("heading", level=1)).to_have_text("What to do next")
    assert not any(code in page.content() for code in shown)

    journey.visit(reverse("accounts:account"))
    expect(
        page.get_by_text("Agency safeguarding lead, Northfield Community Health")
    ).to_be_visible()
    expect(page.get_by_text("Authenticator app set up; 10 recovery codes left")).to_be_visible()


def _submit_form_anyway(journey, action: str, fields: dict):
    """Send a form the page does not offer, as someone handcrafting the request would."""
    page = journey.page
    token = page.locator("input[name=csrfmiddlewaretoken]").first.get_attribute("value")
    with page.expect_navigation():
        page.evaluate(
            """([action, fields]) => {
                const form = document.createElement('form');
                form.method = 'post';
                form.action = action;
                for (const [name, value] of Object.entries(fields)) {
                    const input = document.createElement('input');
                    input.type = 'hidden';
                    input.name = name;
                    input.value = value;
                    form.appendChild(input);
                }
                document.body.appendChild(form);
                form.submit();
            }""",
            [action, {**fields, "csrfmiddlewaretoken": token}],
        )
    journey.check()


def test_the_business_unit_role_takes_an_administrator_and_a_partner_lead(
    journey, system_admin, business_unit, partner_lead, make_user, agency_factory
):
    admin, admin_device = system_admin
    bu, bu_device = business_unit
    pl, pl_device = partner_lead
    unit = bu.memberships.get().agency
    newcomer = make_user(None, email="nia.new@example.org", full_name="Nia New")
    page = journey.page

    # The administrator proposes the business unit role for a newcomer.
    journey.sign_in(admin.email, TEST_PASSWORD, admin_device)
    journey.visit(reverse("settings:user-detail", args=[newcomer.pk]))
    page.get_by_label("Agency", exact=True).select_option(label=unit.name)
    page.get_by_label("Business unit", exact=True).check()
    journey.submit("Propose role")
    expect(error_summary(page)).to_contain_text("Enter why they need it")
    page.get_by_label("Business unit", exact=True).check()
    journey.fill("Why do they need it?", "Joins the business unit as its new manager")
    journey.submit("Propose role")
    expect(banner(page)).to_contain_text(
        "You have proposed Business unit, Safeguarding Partnership Business Unit for Nia New"
    )
    expect(banner(page)).to_contain_text("It takes effect when a partner lead confirms it")
    assert not Membership.objects.filter(user=newcomer).exists()

    # The administrator cannot confirm their own proposal: the page says why.
    journey.click_link("Business unit, Safeguarding Partnership Business Unit")
    expect(page.get_by_role("heading", level=1)).to_have_text("Business unit for Nia New")
    expect(page.get_by_test_id("why-not-confirm")).to_contain_text(
        "You proposed this, so someone else must confirm it"
    )
    expect(page.get_by_role("button", name="Confirm role")).to_have_count(0)
    grant = RoleGrant.objects.get(user=newcomer)
    _submit_form_anyway(journey, reverse("settings:grant-confirm", args=[grant.pk]), {})
    expect(error_summary(page)).to_contain_text(
        "You proposed this, so someone else must confirm it"
    )
    assert not Membership.objects.filter(user=newcomer).exists()

    # Nor can they give themselves anything: their own page says so, and a request made anyway
    # is refused with the reason.
    journey.visit(reverse("settings:user-detail", args=[admin.pk]))
    expect(page.get_by_text("You cannot propose a role or duty for yourself")).to_be_visible()
    expect(page.get_by_role("button", name="Propose role")).to_have_count(0)
    _submit_form_anyway(
        journey,
        reverse("settings:user-role-propose", args=[admin.pk]),
        {"agency": unit.pk, "role": Role.BUSINESS_UNIT, "reason": "To look at a case"},
    )
    expect(page).to_have_title(re.compile(r"^Error: Ivo Admin"))
    expect(error_summary(page)).to_contain_text(
        "You cannot propose a role or duty for yourself. Ask another administrator"
    )
    assert RoleGrant.objects.filter(user=admin).count() == 0
    sign_out(journey)

    # The business unit sees the proposal, but a partner lead confirms the business unit role.
    journey.sign_in(bu.email, TEST_PASSWORD, bu_device)
    journey.visit(reverse("settings:grant-list"))
    journey.click_link(re.compile("^Nia New"), exact=False)
    expect(page.get_by_test_id("why-not-confirm")).to_contain_text(
        "Only a partner lead can confirm the business unit role"
    )
    sign_out(journey)

    # The partner lead finds it on their home page and confirms it.
    journey.sign_in(pl.email, TEST_PASSWORD, pl_device)
    journey.click_link(
        "Confirm or refuse Business unit, Safeguarding Partnership Business Unit for Nia New"
    )
    expect(page.get_by_text("Joins the business unit as its new manager")).to_be_visible()
    expect(page.get_by_text("Ivo Admin on")).to_be_visible()
    journey.submit("Confirm role")
    expect(page.get_by_role("heading", level=1)).to_have_text("Roles waiting for confirmation")
    expect(banner(page)).to_contain_text(
        "You have confirmed Business unit, Safeguarding Partnership Business Unit for Nia New"
    )
    expect(page.get_by_text("No roles are waiting for confirmation")).to_be_visible()

    # The newcomer now has the role, and has been told.
    assert Membership.objects.filter(
        user=newcomer, agency=unit, role=Role.BUSINESS_UNIT, active=True
    ).exists()
    told = Notification.objects.get(user=newcomer)
    assert told.subject == (
        "You now have Business unit, Safeguarding Partnership Business Unit in Sightline"
    )


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
