"""Fixtures shared by every app's tests: agencies, users with a role, and signed-in clients.

    agency_factory(name=None, **fields) -> Agency
    make_user(role=None, agency=None, email=None, duties=(), *, full_name=None,
              password=TEST_PASSWORD) -> User
    signed_in_client(user) -> django.test.Client   (signed in and two-factor verified)

All data is synthetic and made through the services, as the system itself would make it.
"""

from __future__ import annotations

import itertools

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

TEST_PASSWORD = "a long test password 4 Sightline"


@pytest.fixture
def agency_factory(db):
    """Make an agency through `agency_create`; names are unique unless you give one."""
    from sightline.accounts.services import agency_create

    numbers = itertools.count(1)

    def make(name: str | None = None, **fields):
        number = next(numbers)
        return agency_create(
            by=fields.pop("by", None), name=name or f"Test agency {number}", **fields
        )

    return make


@pytest.fixture
def make_user(db, agency_factory):
    """Make a user, with a membership in `agency` (a new agency if not given) holding `role`.

    With no role the user has no memberships. Duties are granted on the membership."""
    from sightline.accounts.models import User
    from sightline.accounts.services import membership_add

    numbers = itertools.count(1)

    def make(
        role=None, agency=None, email=None, duties=(), *, full_name=None, password=TEST_PASSWORD
    ):
        number = next(numbers)
        user = User.objects.create_user(
            email or f"test.user{number}@example.org",
            password,
            full_name=full_name or f"Test User {number}",
        )
        if role:
            membership_add(
                user=user,
                by=None,
                agency=agency or agency_factory(),
                role=role,
                duties=list(duties),
            )
        return user

    return make


@pytest.fixture
def signed_in_client(db):
    """A new test client signed in as `user`, verified with a confirmed authenticator, as if
    they had entered a code. Each call gives a separate client (a separate session)."""

    from django_otp.plugins.otp_totp.models import TOTPDevice

    def make(user) -> Client:
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="Test authenticator", confirmed=True)
        client = Client()
        client.force_login(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        return client

    return make
