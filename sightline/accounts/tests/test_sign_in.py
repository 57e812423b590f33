"""Sign-in through the real views: password, then a code from the authenticator app or a
recovery code; enrolment; lockout and throttling; session fixation, sign-out and timeouts."""

from __future__ import annotations

import re
import time

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import TEST_PASSWORD
from sightline.accounts import services
from sightline.accounts.models import RecoveryCode, Role
from sightline.accounts.tests.test_sign_in_support import (
    ABSOLUTE_TEXT,
    CODE_REFUSED_TEXT,
    HOME,
    IDLE_TEXT,
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
    normalised,
    session_key,
    wrong_code,
)
from sightline.core.models import Event

pytestmark = pytest.mark.django_db


@pytest.fixture
def practitioner(make_user):
    return make_user(Role.PRACTITIONER, email="pat.practitioner@example.org")


@pytest.fixture
def client():
    return Client()


# --- Password and code ---------------------------------------------------------------------


def test_password_then_authenticator_code_signs_in_and_lands_on_the_home_page(client, practitioner):
    device = authenticator(practitioner)

    response = enter_password(client, practitioner.email)
    assert response.status_code == 302
    assert response["Location"] == SIGN_IN_CODE
    assert client.get(HOME).status_code == 302  # not signed in between the steps

    response = enter_code(client, current_code(device))
    assert response.status_code == 302
    assert response["Location"] == HOME
    home = client.get(HOME)
    assert home.status_code == 200
    assert home.wsgi_request.user == practitioner
    assert home.wsgi_request.user.is_verified()
    assert Event.objects.filter(action="auth.signed_in", actor=practitioner).count() == 1


def test_a_wrong_code_is_refused_and_the_person_stays_signed_out(client, practitioner):
    device = authenticator(practitioner)
    enter_password(client, practitioner.email)

    response = enter_code(client, wrong_code(device))

    assert response.status_code == 200
    assert CODE_REFUSED_TEXT in response.content.decode()
    assert client.get(HOME).status_code == 302
    assert Event.objects.filter(action="auth.code_failed", actor_label=practitioner.email).exists()


def test_a_replayed_authenticator_code_is_refused_the_second_time(client, practitioner):
    device = authenticator(practitioner)
    code = current_code(device)
    enter_password(client, practitioner.email)
    assert enter_code(client, code)["Location"] == HOME
    client.post(SIGN_OUT)

    enter_password(client, practitioner.email)
    response = enter_code(client, code)

    assert response.status_code == 200
    assert CODE_REFUSED_TEXT in response.content.decode()
    assert client.get(HOME).status_code == 302


def test_a_recovery_code_signs_in_once_only(client, practitioner):
    authenticator(practitioner)
    code = services.recovery_codes_issue(user=practitioner)[0]

    enter_password(client, practitioner.email)
    assert enter_code(client, code)["Location"] == HOME
    assert RecoveryCode.objects.filter(device__user=practitioner).count() == 9
    client.post(SIGN_OUT)

    enter_password(client, practitioner.email)
    response = enter_code(client, code)
    assert response.status_code == 200
    assert CODE_REFUSED_TEXT in response.content.decode()
    assert client.get(HOME).status_code == 302


def test_a_recovery_code_typed_in_capitals_or_with_spaces_still_works(client, practitioner):
    authenticator(practitioner)
    code = services.recovery_codes_issue(user=practitioner)[3]
    enter_password(client, practitioner.email)

    response = enter_code(client, f"{code[:5].upper()} {code[5:]}")

    assert response["Location"] == HOME
    assert Event.objects.filter(
        action="auth.signed_in", actor=practitioner, changes__method="recovery code"
    ).exists()


def test_mistyped_authenticator_codes_do_not_hold_back_the_recovery_codes(client, practitioner):
    device = authenticator(practitioner)
    code = services.recovery_codes_issue(user=practitioner)[0]
    enter_password(client, practitioner.email)
    for _ in range(4):
        enter_code(client, wrong_code(device))

    assert enter_code(client, code)["Location"] == HOME


# --- Enrolment -----------------------------------------------------------------------------


def test_a_case_material_user_without_an_authenticator_enrols_gets_ten_codes_once_and_is_signed_in(
    client, practitioner
):
    response = enter_password(client, practitioner.email)
    assert response["Location"] == SET_UP

    page = client.get(SET_UP)
    assert page.status_code == 200
    assert 'src="data:image/svg+xml' in page.content.decode()
    device = TOTPDevice.objects.get(user=practitioner)
    assert not device.confirmed

    # The codes are in the answer to the enrolment itself, and nowhere else.
    response = client.post(SET_UP, {"code": current_code(device)})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store, private"
    device.refresh_from_db()
    assert device.confirmed
    shown = re.findall(r"<li><code>([a-z0-9]+)</code></li>", response.content.decode())
    assert len(shown) == 10
    assert len(set(shown)) == 10

    stored = list(
        RecoveryCode.objects.filter(device__user=practitioner).values_list("code_hash", flat=True)
    )
    assert len(stored) == 10
    assert not any(code in stored_hash for code in shown for stored_hash in stored)
    session_row = Session.objects.get(session_key=session_key(client))
    assert not any(code in session_row.session_data for code in shown)
    assert not any(code in repr(session_row.get_decoded()) for code in shown)
    assert client.get(HOME).status_code == 200


def test_enrolment_with_a_wrong_code_is_refused_and_does_not_sign_in(client, practitioner):
    enter_password(client, practitioner.email)
    client.get(SET_UP)
    device = TOTPDevice.objects.get(user=practitioner)

    response = client.post(SET_UP, {"code": wrong_code(device)})

    assert response.status_code == 200
    device.refresh_from_db()
    assert not device.confirmed
    assert not RecoveryCode.objects.filter(device__user=practitioner).exists()
    assert client.get(HOME).status_code == 302


@pytest.mark.parametrize("role", [*sorted(r.value for r in Role), None])
def test_every_user_without_an_authenticator_is_sent_to_enrolment_whatever_their_role(
    client, make_user, role
):
    user = make_user(role)

    assert enter_password(client, user.email)["Location"] == SET_UP
    assert client.get(HOME).status_code == 302


def test_a_system_administrator_with_an_authenticator_is_asked_for_a_code(client, make_user):
    admin = make_user(Role.SYSTEM_ADMIN)
    device = authenticator(admin)

    assert enter_password(client, admin.email)["Location"] == SIGN_IN_CODE
    assert client.get(HOME).status_code == 302
    assert enter_code(client, current_code(device))["Location"] == HOME
    assert client.get(HOME).status_code == 200


# --- Enumeration, lockout and throttling ---------------------------------------------------


def test_unknown_email_and_wrong_password_get_the_same_response_and_are_both_logged(
    client, practitioner
):
    unknown = "nobody.here@example.org"

    wrong = enter_password(client, practitioner.email, "not the password at all")
    missing = enter_password(client, unknown, "not the password at all")

    assert wrong.status_code == missing.status_code == 200
    assert WRONG_PASSWORD_TEXT in wrong.content.decode()
    assert normalised(wrong, practitioner.email) == normalised(missing, unknown)
    logged = Event.objects.filter(action="auth.password_failed")
    assert logged.filter(actor_label=practitioner.email).count() == 1
    assert logged.filter(actor_label=unknown).count() == 1


def test_five_failures_lock_the_account_even_with_the_right_password_and_rotating_forwarded_for(
    client, practitioner
):
    authenticator(practitioner)
    assert settings.SIGHTLINE_LOCKOUT_FAILURES == 5
    for n in range(5):
        response = enter_password(
            client, practitioner.email, "a wrong guess", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}"
        )
        assert WRONG_PASSWORD_TEXT in response.content.decode()

    response = enter_password(client, practitioner.email, HTTP_X_FORWARDED_FOR="198.51.100.99")

    assert response.status_code == 200
    assert LOCKED_TEXT in response.content.decode()
    assert client.get(SIGN_IN_CODE)["Location"] == SIGN_IN


def test_a_lockout_for_an_unknown_email_looks_the_same_as_for_a_known_one(make_user):
    known = make_user(Role.PRACTITIONER, email="known.person@example.org")
    unknown = "unknown.person@example.org"
    first, second = Client(), Client()
    for _ in range(5):
        enter_password(first, known.email, "a wrong guess")
        enter_password(second, unknown, "a wrong guess")

    locked_known = enter_password(first, known.email)
    locked_unknown = enter_password(second, unknown)

    assert locked_known.status_code == locked_unknown.status_code == 200
    assert LOCKED_TEXT in locked_known.content.decode()
    assert normalised(locked_known, known.email) == normalised(locked_unknown, unknown)


def test_one_address_is_throttled_after_failures_across_many_emails_whatever_it_forwards(
    client, make_user, settings
):
    settings.SIGHTLINE_IP_THROTTLE_FAILURES = 3
    user = make_user(Role.PRACTITIONER)
    authenticator(user)
    for n in range(3):
        enter_password(
            client, f"guess{n}@example.org", "a wrong guess", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}"
        )

    throttled = enter_password(client, user.email, HTTP_X_FORWARDED_FOR="203.0.113.200")
    elsewhere = enter_password(Client(), user.email, REMOTE_ADDR="192.0.2.44")

    assert LOCKED_TEXT in throttled.content.decode()
    assert elsewhere["Location"] == SIGN_IN_CODE


def test_five_wrong_authenticator_codes_lock_the_account(client, practitioner):
    device = authenticator(practitioner)
    enter_password(client, practitioner.email)
    for _ in range(5):
        assert enter_code(client, wrong_code(device)).status_code == 200

    response = enter_code(client, current_code(device))

    assert response["Location"] == SIGN_IN
    assert client.get(HOME).status_code == 302
    again = enter_password(Client(), practitioner.email)
    assert LOCKED_TEXT in again.content.decode()


# --- Sessions ------------------------------------------------------------------------------


def test_signing_in_replaces_a_planted_session_and_the_planted_one_is_dead(client, practitioner):
    device = authenticator(practitioner)
    planted = SessionStore()
    planted["planted"] = True
    planted.create()
    client.cookies[settings.SESSION_COOKIE_NAME] = planted.session_key

    enter_password(client, practitioner.email)
    enter_code(client, current_code(device))

    assert client.get(HOME).status_code == 200
    assert session_key(client) != planted.session_key
    assert not Session.objects.filter(session_key=planted.session_key).exists()


def test_sign_out_is_post_only_and_ends_the_session_on_the_server(signed_in_client, practitioner):
    client = signed_in_client(practitioner)
    assert client.get(SIGN_OUT).status_code == 405
    assert client.get(HOME).status_code == 200
    old_key = session_key(client)

    response = client.post(SIGN_OUT)

    assert response["Location"] == SIGN_IN
    assert not Session.objects.filter(session_key=old_key).exists()
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = old_key
    replayed = replay.get(HOME)
    assert replayed.status_code == 302
    assert replayed["Location"].startswith(SIGN_IN)
    assert Event.objects.filter(action="auth.signed_out", actor=practitioner).exists()


def test_an_idle_session_is_sent_to_sign_in_saying_it_was_idle(
    signed_in_client, practitioner, clock
):
    client = signed_in_client(practitioner)
    assert client.get(HOME).status_code == 200
    old_key = session_key(client)
    clock.advance(settings.SIGHTLINE_SESSION_IDLE_MINUTES * 60 + 1)

    response = client.get(HOME)

    assert response.status_code == 302
    assert response["Location"] == f"{SIGN_IN}?timed_out=idle"
    assert not Session.objects.filter(session_key=old_key).exists()
    page = client.get(response["Location"]).content.decode()
    assert IDLE_TEXT in page
    assert ABSOLUTE_TEXT not in page
    assert client.get(HOME).status_code == 302


def test_a_session_past_its_absolute_limit_says_so_not_that_it_was_idle(
    signed_in_client, practitioner, clock
):
    client = signed_in_client(practitioner)
    assert client.get(HOME).status_code == 200
    old_key = session_key(client)
    # Busy all day: a request every 20 minutes, never idle, until the absolute limit passes.
    for _ in range(settings.SIGHTLINE_SESSION_ABSOLUTE_HOURS * 3):
        clock.advance(20 * 60)
        assert client.get(HOME).status_code == 200
    clock.advance(20 * 60)

    response = client.get(HOME)

    assert response.status_code == 302
    assert response["Location"] == f"{SIGN_IN}?timed_out=absolute"
    assert not Session.objects.filter(session_key=old_key).exists()
    page = client.get(response["Location"]).content.decode()
    assert ABSOLUTE_TEXT in page
    assert IDLE_TEXT not in page


def test_a_session_just_inside_the_idle_limit_is_kept(signed_in_client, practitioner):
    client = signed_in_client(practitioner)
    client.get(HOME)
    session = client.session
    session["auth_seen"] = int(time.time()) - settings.SIGHTLINE_SESSION_IDLE_MINUTES * 60 + 30
    session.save()

    assert client.get(HOME).status_code == 200


@pytest.mark.parametrize("role", [Role.PRACTITIONER, Role.SYSTEM_ADMIN])
def test_a_session_without_a_verified_second_factor_is_signed_out(make_user, role):
    user = make_user(role)
    client = Client()
    client.force_login(user)
    key = session_key(client)

    response = client.get(HOME)

    assert response.status_code == 302
    assert response["Location"].startswith(SIGN_IN)
    assert not Session.objects.filter(session_key=key).exists()


# --- Where sign-in goes next ---------------------------------------------------------------


def test_next_sends_the_person_on_to_a_path_on_this_site(client, practitioner):
    device = authenticator(practitioner)
    target = reverse("core:notifications")
    client.post(SIGN_IN, {"email": practitioner.email, "password": TEST_PASSWORD, "next": target})

    assert enter_code(client, current_code(device))["Location"] == target


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/app/", "//evil.example/app/", "/\\evil.example", "javascript:alert(1)"],
)
def test_next_pointing_off_the_site_is_ignored(client, practitioner, target):
    device = authenticator(practitioner)
    client.post(
        f"{SIGN_IN}?next={target}",
        {"email": practitioner.email, "password": TEST_PASSWORD, "next": target},
    )

    response = enter_code(client, current_code(device))

    assert response.status_code == 302
    assert response["Location"] == HOME
