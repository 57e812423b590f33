"""The lockout and the address throttle: attempts during a lockout do not extend it, a browser
that has signed in before (its device cookie) keeps working while its account or address is
under attack, a pause django-otp asks for is not a failure, and enrolment is throttled like the
code step."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from sightline.accounts import device_cookie, services
from sightline.accounts.models import Role, SignInDevice, SignInFailure
from sightline.accounts.tests.test_sign_in_support import (
    CODE_REFUSED_TEXT,
    HOME,
    LOCKED_TEXT,
    SET_UP,
    SIGN_IN,
    SIGN_IN_CODE,
    SIGN_OUT,
    WRONG_PASSWORD_TEXT,
    authenticator,
    current_code,
    enter_code,
    enter_password,
    sign_in_fully,
    wrong_code,
)
from sightline.core.models import Event

pytestmark = pytest.mark.django_db


class Now:
    """django.utils.timezone.now, moved by hand."""

    def __init__(self, real):
        self.real = real
        self.offset = timedelta()

    def __call__(self):
        return self.real() + self.offset

    def advance(self, **delta) -> None:
        self.offset += timedelta(**delta)


@pytest.fixture
def now(monkeypatch):
    moved = Now(timezone.now)
    monkeypatch.setattr(timezone, "now", moved)
    return moved


@pytest.fixture
def person(make_user):
    user = make_user(Role.PARTNER_LEAD, email="paula.partner@example.org")
    return user, authenticator(user)


def known_browser(user, device, **extra) -> Client:
    """A browser that has signed in to `user` once, and signed out again."""
    browser = Client(**extra)
    assert sign_in_fully(browser, user, device)["Location"] == HOME
    browser.post(SIGN_OUT)
    return browser


def lock_out_unknown_browsers(email: str, times: int = 5, **extra) -> None:
    for _ in range(times):
        attacker = Client()
        response = enter_password(attacker, email, "a guess", **extra)
        assert WRONG_PASSWORD_TEXT in response.content.decode()


# --- A lockout ends on time ----------------------------------------------------------------


def test_a_lockout_ends_on_time_however_many_attempts_are_made_during_it(person, now):
    user, device = person
    lock_out_unknown_browsers(user.email)
    assert SignInFailure.objects.count() == 5

    # Someone keeps trying, right password and wrong, all through the lockout.
    for _ in range(7):
        now.advance(minutes=2)
        for password in ("another guess", "a long test password 4 Sightline"):
            response = enter_password(Client(), user.email, password)
            assert LOCKED_TEXT in response.content.decode()

    assert SignInFailure.objects.count() == 5
    assert Event.objects.filter(action="auth.throttled").count() == 14
    now.advance(minutes=1, seconds=1)  # 15 minutes and a second after the failures

    response = enter_password(Client(), user.email)
    assert response["Location"] == SIGN_IN_CODE


def test_throttled_code_attempts_are_not_counted_either(person, now):
    user, device = person
    browser = Client()
    enter_password(browser, user.email)
    for _ in range(5):
        enter_code(browser, wrong_code(device))
    for _ in range(3):
        again = Client()
        enter_password(again, user.email)
    assert SignInFailure.objects.filter(stage="code").count() == 5
    assert SignInFailure.objects.count() == 5
    now.advance(minutes=15, seconds=1)

    assert sign_in_fully(Client(), user, device)["Location"] == HOME


# --- A known browser keeps working ---------------------------------------------------------


def test_a_browser_that_signed_in_before_gets_in_while_the_account_is_locked_for_others(person):
    user, device = person
    mine = known_browser(user, device)
    lock_out_unknown_browsers(user.email)

    stranger = enter_password(Client(), user.email)
    assert LOCKED_TEXT in stranger.content.decode()

    assert sign_in_fully(mine, user, device)["Location"] == HOME
    assert mine.get(HOME).status_code == 200
    signed_in = Event.objects.filter(action="auth.signed_in", actor=user).last()
    assert signed_in.changes["known_browser"] is True
    # The attack is still throttled: a known browser signing in does not clear it.
    assert LOCKED_TEXT in enter_password(Client(), user.email).content.decode()


def test_a_known_browser_gets_in_while_its_address_is_throttled(person, make_user, settings):
    settings.SIGHTLINE_IP_THROTTLE_FAILURES = 3
    user, device = person
    office = {"REMOTE_ADDR": "192.0.2.10"}
    mine = known_browser(user, device, **office)
    for n in range(3):
        enter_password(Client(**office), f"guess{n}@example.org", "a guess")

    colleague = make_user(Role.AGENCY_LEAD, email="new.colleague@example.org")
    authenticator(colleague)
    assert LOCKED_TEXT in enter_password(Client(**office), colleague.email).content.decode()
    assert sign_in_fully(mine, user, device)["Location"] == HOME


def test_a_known_browsers_own_failures_lock_only_that_browser(person):
    user, device = person
    mine = known_browser(user, device)
    for _ in range(5):
        assert WRONG_PASSWORD_TEXT in enter_password(mine, user.email, "typo").content.decode()

    assert LOCKED_TEXT in enter_password(mine, user.email).content.decode()
    failures = SignInFailure.objects.filter(username=user.email)
    assert failures.count() == 5
    assert failures.filter(device__isnull=True).count() == 0
    # The account is not locked for anyone else.
    assert enter_password(Client(), user.email)["Location"] == SIGN_IN_CODE


def test_a_device_cookie_helps_only_the_account_it_was_issued_for(person, make_user):
    user, device = person
    mine = known_browser(user, device)
    other = make_user(Role.PRACTITIONER, email="someone.else@example.org")
    authenticator(other)
    lock_out_unknown_browsers(other.email)

    assert LOCKED_TEXT in enter_password(mine, other.email).content.decode()


def test_a_forged_or_tampered_device_cookie_counts_for_nothing(person):
    user, device = person
    mine = known_browser(user, device)
    name = device_cookie.cookie_name()
    value = mine.cookies[name].value
    lock_out_unknown_browsers(user.email)

    mine.cookies[name] = value[:-3] + ("AAA" if not value.endswith("AAA") else "BBB")
    assert LOCKED_TEXT in enter_password(mine, user.email).content.decode()


@pytest.mark.parametrize("revoke", ["password_changed", "two_factor_reset", "deactivated"])
def test_changing_the_password_resetting_two_factor_or_deactivating_revokes_device_cookies(
    person, make_user, revoke
):
    user, device = person
    mine = known_browser(user, device)
    assert SignInDevice.objects.filter(user=user).count() == 1
    if revoke == "password_changed":
        services.user_password_changed(user=user)
    elif revoke == "two_factor_reset":
        services.user_reset_two_factor(user=user, by=make_user(Role.SYSTEM_ADMIN))
        device = authenticator(user)
    else:
        admin = make_user(Role.SYSTEM_ADMIN)
        services.user_deactivate(user=user, by=admin, reason="Left")
        services.user_reactivate(user=user, by=admin)

    assert not SignInDevice.objects.filter(user=user).exists()
    lock_out_unknown_browsers(user.email)
    assert LOCKED_TEXT in enter_password(mine, user.email).content.decode()


def test_a_browser_that_has_not_signed_in_for_the_cookies_lifetime_is_unknown_again(person):
    user, device = person
    mine = known_browser(user, device)
    days = settings.SIGHTLINE_DEVICE_COOKIE_DAYS
    SignInDevice.objects.filter(user=user).update(
        last_used_at=timezone.now() - timedelta(days=days, minutes=1)
    )
    lock_out_unknown_browsers(user.email)

    assert LOCKED_TEXT in enter_password(mine, user.email).content.decode()


def test_the_device_cookie_is_long_lived_http_only_strict_and_holds_no_stored_secret(person):
    user, device = person
    browser = Client()

    response = sign_in_fully(browser, user, device)

    cookie = response.cookies[device_cookie.cookie_name()]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Strict"
    assert int(cookie["max-age"]) == settings.SIGHTLINE_DEVICE_COOKIE_DAYS * 24 * 3600
    stored = SignInDevice.objects.get(user=user)
    assert stored.token_hash not in cookie.value
    # A second sign-in from the same browser replaces the token: a copied cookie goes stale.
    copied = Client()
    copied.cookies[device_cookie.cookie_name()] = cookie.value
    browser.post(SIGN_OUT)
    sign_in_fully(browser, user, device)
    browser.post(SIGN_OUT)
    assert SignInDevice.objects.filter(user=user).count() == 1
    lock_out_unknown_browsers(user.email)
    assert LOCKED_TEXT in enter_password(copied, user.email).content.decode()
    assert enter_password(browser, user.email)["Location"] == SIGN_IN_CODE


def test_outside_the_demo_the_device_cookie_is_secure_with_the_host_prefix(person, settings):
    settings.SECURE_COOKIES = True
    user, device = person

    response = sign_in_fully(Client(), user, device, secure=True)

    cookie = response.cookies["__Host-sightline_device"]
    assert cookie["secure"]
    assert cookie["path"] == "/"


def test_one_browser_can_be_known_for_several_accounts(person, make_user):
    user, device = person
    other = make_user(Role.AGENCY_LEAD, email="shared.desk@example.org")
    other_device = authenticator(other)
    browser = known_browser(user, device)
    assert sign_in_fully(browser, other, other_device)["Location"] == HOME
    browser.post(SIGN_OUT)
    lock_out_unknown_browsers(user.email)
    lock_out_unknown_browsers(other.email)

    assert enter_password(browser, user.email)["Location"] == SIGN_IN_CODE
    assert enter_password(browser, other.email)["Location"] == SIGN_IN_CODE
    assert LOCKED_TEXT in enter_password(Client(), other.email).content.decode()


# --- Codes: the pause between attempts, and enrolment ---------------------------------------


def test_a_correct_code_straight_after_a_wrong_one_signs_in(person):
    user, device = person
    browser = Client()
    enter_password(browser, user.email)

    assert CODE_REFUSED_TEXT in enter_code(browser, wrong_code(device)).content.decode()
    response = enter_code(browser, current_code(device))

    assert response["Location"] == HOME
    assert browser.get(HOME).status_code == 200


def test_a_code_refused_only_because_of_a_pause_is_not_counted_as_a_failure(person, settings):
    # A deployment that switches django-otp's growing pause back on.
    settings.OTP_TOTP_THROTTLE_FACTOR = 1
    user, device = person
    browser = Client()
    enter_password(browser, user.email)
    enter_code(browser, wrong_code(device))
    assert SignInFailure.objects.count() == 1

    waited = enter_code(browser, current_code(device))

    assert waited.status_code == 200
    assert "Wait a few seconds, then enter the code again" in waited.content.decode()
    assert SignInFailure.objects.count() == 1
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - timedelta(seconds=5)
    )
    assert enter_code(browser, current_code(device))["Location"] == HOME


def test_guessing_the_enrolment_code_is_throttled_like_the_code_step(make_user):
    user = make_user(Role.PRACTITIONER, email="new.starter@example.org")
    browser = Client()
    assert enter_password(browser, user.email)["Location"] == SET_UP
    browser.get(SET_UP)
    device = TOTPDevice.objects.get(user=user)
    for _ in range(5):
        response = browser.post(SET_UP, {"code": wrong_code(device)})
        assert "The code is not correct" in response.content.decode()
    assert SignInFailure.objects.filter(stage="enrol").count() == 5

    response = browser.post(SET_UP, {"code": current_code(device)})

    assert response["Location"] == SIGN_IN
    device.refresh_from_db()
    assert not device.confirmed
    assert LOCKED_TEXT in browser.get(SIGN_IN).content.decode()
    assert browser.get(SET_UP)["Location"] == SIGN_IN
    assert LOCKED_TEXT in enter_password(Client(), user.email).content.decode()
    assert SignInFailure.objects.count() == 5
    assert Event.objects.filter(action="auth.throttled", changes__stage="enrol").count() == 1
