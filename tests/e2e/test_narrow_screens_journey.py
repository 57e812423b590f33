"""Phones and 400% zoom: every signed-in list page, and a record page of each kind, read at
320 CSS pixels wide with the demo partnership's data, as the business unit, an agency's
safeguarding lead and the system administrator.

`Journey.check` (tests/e2e/conftest.py) measures each page at 320 pixels wide as well as at the
usual width: the page itself must not scroll sideways. Wide tables scroll inside their own
labelled container, which the keyboard can reach."""

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from sightline.accounts.models import User
from sightline.core.demo import DEMO_PASSWORD


@pytest.fixture
def demo(demo_partnership):
    return {
        user.email: (user, TOTPDevice.objects.create(user=user, name="App", confirmed=True))
        for user in User.objects.filter(
            email__in=[
                "business.unit@northvale.example",
                "health.lead@northvale.example",
                "admin@northvale.example",
            ]
        )
    }


def _records():
    from sightline.actions.models import Action, ActionPlan
    from sightline.learning.models import Briefing
    from sightline.publishing.models import PublicationPlan
    from sightline.reviews.models import Case, RapidReview

    case = Case.objects.filter(rapid_review__isnull=False).order_by("pk").first()
    briefing = Briefing.objects.filter(status=Briefing.Status.PUBLISHED).order_by("pk").first()
    plan = PublicationPlan.objects.order_by("pk").first()
    action = Action.objects.order_by("pk").first()
    assert RapidReview.objects.exists()
    assert None not in (case, briefing, plan, action)
    return [
        reverse("actions:detail", args=[action.reference]),
        reverse("actions:history", args=[action.reference]),
        reverse("actions:plan", args=[ActionPlan.objects.order_by("pk").first().reference]),
        reverse("reviews:case", args=[case.reference]),
        reverse("reviews:history", args=[case.reference]),
        reverse("reviews:rapid-review", args=[case.reference]),
        reverse("learning:detail", args=[briefing.reference]),
        reverse("learning:history", args=[briefing.reference]),
        reverse("learning:dissemination", args=[briefing.reference]),
        reverse("publishing:detail", args=[plan.reference]),
        reverse("publishing:history", args=[plan.reference]),
    ]


LIST_PAGES = [
    "core:home",
    "core:notifications",
    "accounts:account",
    "actions:mine",
    "actions:all",
    "actions:plans",
    "reviews:dashboard",
    "reviews:summary",
    "learning:list",
    "learning:dashboard",
    "publishing:list",
]
SETTINGS_PAGES = [
    "settings:index",
    "settings:agency-list",
    "settings:user-list",
    "settings:theme-list",
    "settings:calendar-list",
    "settings:clock-list",
    "settings:synonym-list",
]


def test_business_unit_pages_fit_a_phone(journey, demo):
    user, device = demo["business.unit@northvale.example"]
    journey.sign_in(user.email, DEMO_PASSWORD, device)
    for name in LIST_PAGES:
        journey.visit(reverse(name))
    for path in _records():
        journey.visit(path)

    # A wide table scrolls inside its own region, named by its caption, that the keyboard
    # can reach; the page itself does not move.
    journey.visit(reverse("actions:all"))
    page = journey.page
    page.set_viewport_size({"width": 320, "height": 800})
    region = page.get_by_role("region", name="Actions")
    expect(region).to_have_attribute("tabindex", "0")
    assert region.evaluate("(el) => el.scrollWidth > el.clientWidth")
    region.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("(el) => el.scrollLeft > 0", arg=region.element_handle())
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 320


def test_agency_lead_pages_fit_a_phone(journey, demo):
    user, device = demo["health.lead@northvale.example"]
    journey.sign_in(user.email, DEMO_PASSWORD, device)
    for name in ["core:home", "actions:mine", "learning:list", "reviews:dashboard"]:
        journey.visit(reverse(name))


def test_settings_pages_fit_a_phone(journey, demo):
    user, device = demo["admin@northvale.example"]
    journey.sign_in(user.email, DEMO_PASSWORD, device)
    for name in SETTINGS_PAGES:
        journey.visit(reverse(name))
