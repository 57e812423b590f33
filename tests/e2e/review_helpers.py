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
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page
from pypdf import PdfWriter

from conftest import TEST_PASSWORD
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
