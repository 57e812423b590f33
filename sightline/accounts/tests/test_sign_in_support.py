"""Helpers for the sign-in tests (this module holds no tests)."""

from __future__ import annotations

import re

from django.conf import settings
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import TEST_PASSWORD

SIGN_IN = reverse("accounts:sign-in")
SIGN_IN_CODE = reverse("accounts:sign-in-code")
SET_UP = reverse("accounts:two-factor-setup")
SIGN_OUT = reverse("accounts:sign-out")
HOME = reverse("core:home")

WRONG_PASSWORD_TEXT = "Enter a correct email address and password"
LOCKED_TEXT = "There have been too many attempts to sign in"
CODE_REFUSED_TEXT = "The code is not correct or has already been used"
IDLE_TEXT = "You were signed out because you had not done anything for 30 minutes"
ABSOLUTE_TEXT = "You were signed out because you had been signed in for 10 hours"


def current_code(device: TOTPDevice) -> str:
    device.refresh_from_db()
    token = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
    return f"{token:0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    return f"{(int(current_code(device)) + 500_000) % 1_000_000:06d}"


def authenticator(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)


def enter_password(client, email, password=TEST_PASSWORD, **extra):
    return client.post(SIGN_IN, {"email": email, "password": password}, **extra)


def enter_code(client, code, **extra):
    return client.post(SIGN_IN_CODE, {"code": code}, **extra)


def session_key(client) -> str | None:
    cookie = client.cookies.get(settings.SESSION_COOKIE_NAME)
    return cookie.value if cookie else None


def normalised(response, *emails: str) -> str:
    """The page with what legitimately differs between two requests taken out: the per-request
    CSRF token and the e-mail address the person typed."""
    html = response.content.decode()
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", html)
    for email in emails:
        html = html.replace(email, "EMAIL")
    return html


def allow_code_again(device: TOTPDevice) -> None:
    """Let the current authenticator code be used once more (django-otp refuses a code from a
    time step already used), for tests that sign the same person in twice within 30 seconds.
    Replay protection itself is tested in test_sign_in.py."""
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)


def sign_in_fully(client, user, device: TOTPDevice, **extra):
    """Password and code from `client`; the response to the code step."""
    allow_code_again(device)
    enter_password(client, user.email, **extra)
    return enter_code(client, current_code(device), **extra)
