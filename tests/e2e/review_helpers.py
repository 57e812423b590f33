"""Helpers for the case review journey: one browser context per person, GOV.UK form filling by
label, and the statutory clocks worked out from the working-day calendar.

    People(browser, base_url)      opens a signed-in browser context for each person, once
        .open(name, user) -> Journey   (a TOTPDevice is made for the user; they sign in once)
        .close()
    label(text) -> re.Pattern       matches a label with or without " (optional)"
    fill_date(page, legend, day)    the day, month and year of a GOV.UK date input
    choose(page, legend, option)    a radio or checkbox inside the fieldset `legend`
    banner(page)                    the notification banner locator
    long_date(day)                  "5 March 2026", as the pages write dates
    pdf_file(directory) -> Path     a real one-page PDF made with pypdf
    Story                           the case as the journey goes along: the partnership, the
        people, the dates they use, `as_(who)` for a person's journey, `case_path(name)` and
        `expect_clock(page, title, due)` for the clock strip on every case page
    heading(page), error_summary(page)   the page's h1 and its GOV.UK error summary
    TRUST, POLICE, SCHOOL, COUNCIL, PARTNER_KEYS, REVIEWER_EMAIL   names in the partnership
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect
from pypdf import PdfWriter

from conftest import TEST_PASSWORD
from sightline.core.clocks import get_calendar
from tests.e2e.conftest import TIMEOUT_MS, BrowserProblems, Journey, sign_in

MONTHS = (
    "January February March April May June July August September October November December"
).split()


def long_date(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def label(text: str) -> re.Pattern:
    """A field's label as rendered: optional fields end in " (optional)"."""
    return re.compile(rf"^{re.escape(text)}( \(optional\))?$")


def group(page: Page, legend: str):
    """The fieldset whose legend is `legend` (radios, checkboxes or a date input)."""
    return page.get_by_role("group", name=label(legend))


def fill_date(scope, legend: str, day: date) -> None:
    """Type a date into the GOV.UK date input whose legend is `legend`."""
    fieldset = scope.get_by_role("group", name=label(legend))
    fieldset.get_by_label("Day", exact=True).fill(str(day.day))
    fieldset.get_by_label("Month", exact=True).fill(str(day.month))
    fieldset.get_by_label("Year", exact=True).fill(str(day.year))


def choose(scope, legend: str, option: str) -> None:
    """Select the radio or tick the checkbox labelled `option` in the fieldset `legend`."""
    scope.get_by_role("group", name=label(legend)).get_by_label(option, exact=True).check()


def banner(page: Page):
    return page.locator(".govuk-notification-banner")


def pdf_file(directory: Path, name: str = "draft-report.pdf") -> Path:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": "Child A: draft overview report"})
    path = directory / name
    with path.open("wb") as handle:
        writer.write(handle)
    return path


class People:
    """A browser context per person, signed in once with their own authenticator."""

    def __init__(self, browser, base_url: str):
        self.browser = browser
        self.base_url = base_url
        self.contexts = []
        self.journeys: dict[str, Journey] = {}

    def open(self, name: str, user) -> Journey:
        if name in self.journeys:
            return self.journeys[name]
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
        context = self.browser.new_context(
            base_url=self.base_url,
            bypass_csp=True,  # lets axe-core be injected, as in the harness's page fixture
            locale="en-GB",
            timezone_id="Europe/London",
        )
        context.set_default_timeout(TIMEOUT_MS)
        self.contexts.append(context)
        problems = BrowserProblems()
        page = context.new_page()
        page.on("dialog", problems.on_dialog)
        page.on("pageerror", problems.on_page_error)
        journey = Journey(page, problems)
        sign_in(journey, user.email, TEST_PASSWORD, device)
        self.journeys[name] = journey
        return journey

    def close(self) -> None:
        for context in self.contexts:
            context.close()
        for name, journey in self.journeys.items():
            journey.problems.raise_if_any(f"the last page {name} saw")


TRUST = "Northvale Hospitals NHS Foundation Trust"
POLICE = "Northvale Police"
SCHOOL = "Larkspur Primary School"
COUNCIL = "Northvale Council"
PARTNER_KEYS = ("council", "icb", "police")
REVIEWER_EMAIL = "helen.marsh@reviews.example.org"


@dataclass
class Story:
    """The case as it goes along, and the dates the people in the journey use."""

    p: object  # the `partnership` fixture
    people: People
    day: date  # today
    aware: date
    sent: date
    reviewer: object  # the independent reviewer's existing account
    reference: str = ""
    action: str = ""

    @property
    def calendar(self):
        return get_calendar()

    def case_path(self, name: str = "reviews:case", *args) -> str:
        return reverse(name, args=[self.reference, *args])

    def as_(self, who: str):
        """The journey of the person `who` (signed in the first time they are needed)."""
        users = {
            "reviewer": self.reviewer,
            "trust": self.p.agency_leads["trust"],
            "police": self.p.agency_leads["police"],
            "school": self.p.agency_leads["school"],
            "notifier": self.p.notifier,
            "bu": self.p.bu,
            "scrutineer": self.p.scrutineer,
            **{f"partner:{key}": self.p.partner_leads[key] for key in PARTNER_KEYS},
        }
        return self.people.open(who, users[who])

    def expect_clock(self, page, title: str, due: date) -> None:
        """The clock strip on every case page: its due date and the working days left."""
        left = self.calendar.working_days_between(self.day, due)
        assert left > 0, "the journey's dates should keep every clock running"
        clock = page.locator("#case-clock")
        expect(clock).to_contain_text(f"{title} due {long_date(due)}")
        expect(clock).to_contain_text(f"{left} working day{'s' if left != 1 else ''} left")


def heading(page):
    return page.get_by_role("heading", level=1)


def error_summary(page):
    return page.locator(".govuk-error-summary")
