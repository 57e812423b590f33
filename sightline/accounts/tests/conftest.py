"""Fixtures for the settings pages' tests: a business unit user, their client, and one of
everything the settings pages edit."""

from __future__ import annotations

from datetime import date

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from sightline.accounts.models import Role
from sightline.core import services as core_services
from sightline.core.models import CalendarOverride, ClockDefinition, Theme


class Clock:
    """The session policy's clock, moved by hand: `clock.advance(seconds)`."""

    def __init__(self, now: int):
        self.now = now

    def __call__(self) -> int:
        return self.now

    def advance(self, seconds: int) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    from sightline.accounts import middleware

    moved = Clock(middleware.clock())
    monkeypatch.setattr(middleware, "clock", moved)
    return moved


@pytest.fixture
def agency(agency_factory):
    return agency_factory("Northshire County Council", short_name="NCC")


@pytest.fixture
def admin(make_user, agency):
    return make_user(
        Role.BUSINESS_UNIT, agency=agency, full_name="Beth Unit", email="beth.unit@example.org"
    )


@pytest.fixture
def admin_client(signed_in_client, admin):
    return signed_in_client(admin)


@pytest.fixture
def records(make_user, agency, admin):
    """One of everything the settings pages edit."""
    target = make_user(
        Role.PRACTITIONER, agency=agency, full_name="Pat Practitioner", email="pat@example.org"
    )
    TOTPDevice.objects.create(user=target, name="Phone", confirmed=True)
    theme = core_services.theme_create(by=admin, name="Bullying", kind=Theme.Kind.PRACTICE)
    override = core_services.calendar_override_create(
        by=admin, date=date(2031, 12, 29), kind=CalendarOverride.Kind.CLOSED, name="Closure"
    )
    clock = ClockDefinition.objects.get(code="rapid-review")
    return {"agency": agency, "user": target, "theme": theme, "override": override, "clock": clock}
