"""Session rules: the idle timeout counts from the last request to the second without writing
the session on every request, limits that would lock everyone out are refused at start-up, and
recovery codes are kept only as hashes."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from sightline.accounts.middleware import seen_cookie_name
from sightline.accounts.models import RecoveryCode, RecoveryCodeDevice, Role
from sightline.accounts.tests.test_sign_in_support import (
    HOME,
    SIGN_IN,
    authenticator,
    enter_code,
    enter_password,
)

ROOT = Path(__file__).resolve().parents[3]
IDLE = settings.SIGHTLINE_SESSION_IDLE_MINUTES * 60


@pytest.fixture
def browser(make_user, signed_in_client, clock):
    client = signed_in_client(make_user(Role.PRACTITIONER))
    assert client.get(HOME).status_code == 200
    return client


def is_session_write(sql: str) -> bool:
    return "django_session" in sql and sql.lstrip().upper().startswith(("UPDATE", "INSERT"))


def signed_out(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(SIGN_IN)


# --- The idle timeout ----------------------------------------------------------------------


@pytest.mark.django_db
def test_nobody_is_signed_out_before_their_idle_time_since_the_last_request(browser, clock):
    clock.advance(50)  # a request the session does not record (less than a minute later)
    assert browser.get(HOME).status_code == 200
    clock.advance(IDLE)  # exactly the idle time since that request

    assert browser.get(HOME).status_code == 200


@pytest.mark.django_db
def test_the_idle_cut_off_is_exact_to_the_second(browser, clock):
    clock.advance(50)
    assert browser.get(HOME).status_code == 200
    clock.advance(IDLE + 1)

    response = browser.get(HOME)

    assert signed_out(response)
    assert response["Location"].endswith("?timed_out=idle")


@pytest.mark.django_db
def test_activity_within_the_minute_does_not_write_the_session(browser, clock):
    clock.advance(20)
    with CaptureQueriesContext(connection) as queries:
        assert browser.get(HOME).status_code == 200
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if "django_session" in q["sql"]
        and q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))
    ]
    assert writes == []
    clock.advance(60)
    with CaptureQueriesContext(connection) as queries:
        assert browser.get(HOME).status_code == 200
    assert any(is_session_write(q["sql"]) for q in queries.captured_queries)


@pytest.mark.django_db
def test_without_the_last_request_cookie_the_session_record_is_read_in_the_users_favour(
    browser, clock
):
    # The session recorded the first request; one up to 59 seconds later may not be recorded.
    del browser.cookies[seen_cookie_name()]
    clock.advance(IDLE + 59)
    assert browser.get(HOME).status_code == 200

    del browser.cookies[seen_cookie_name()]
    clock.advance(IDLE + 60)
    assert signed_out(browser.get(HOME))


@pytest.mark.django_db
@pytest.mark.parametrize("cookie", ["tampered", "from_another_session"])
def test_a_last_request_cookie_that_is_not_this_sessions_own_cannot_keep_it_alive(
    browser, clock, cookie, make_user, signed_in_client
):
    name = seen_cookie_name()
    clock.advance(IDLE + 120)
    if cookie == "tampered":
        signature = browser.cookies[name].value.split(":", 1)[1]
        browser.cookies[name] = f"{clock.now - 10}:{signature}"
    else:
        other = signed_in_client(make_user(Role.PRACTITIONER))
        assert other.get(HOME).status_code == 200  # a request just now, in another session
        browser.cookies[name] = other.cookies[name].value

    assert signed_out(browser.get(HOME))


@pytest.mark.django_db
def test_signing_out_leaves_no_last_request_time_that_a_new_session_could_use(browser, clock):
    browser.post(reverse("accounts:sign-out"))
    assert signed_out(browser.get(HOME))


# --- Settings refused at start-up ----------------------------------------------------------


def start_with(**env) -> subprocess.CompletedProcess:
    """Import the settings module in a fresh interpreter with these variables set."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("SIGHTLINE_")}
    base.update({"SIGHTLINE_DEMO": "true", "SIGHTLINE_VAR_DIR": tempfile.gettempdir()})
    base.pop("DJANGO_SETTINGS_MODULE", None)
    base.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import config.settings as s; print(s.SIGHTLINE_LOCKOUT_FAILURES)"],
        cwd=ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    "name",
    [
        "SIGHTLINE_SESSION_ABSOLUTE_HOURS",
        "SIGHTLINE_SESSION_IDLE_MINUTES",
        "SIGHTLINE_LOCKOUT_FAILURES",
        "SIGHTLINE_LOCKOUT_MINUTES",
        "SIGHTLINE_IP_THROTTLE_FAILURES",
        "SIGHTLINE_DEVICE_COOKIE_DAYS",
    ],
)
@pytest.mark.parametrize("value", ["0", "-3", "ten", ""])
def test_a_session_or_lockout_limit_that_is_not_a_positive_whole_number_stops_start_up(name, value):
    started = start_with(**{name: value})

    assert started.returncode != 0
    assert "ImproperlyConfigured" in started.stderr
    assert f"{name} must be a whole number greater than 0" in started.stderr


def test_a_positive_limit_is_accepted():
    started = start_with(SIGHTLINE_LOCKOUT_FAILURES="8")
    assert started.returncode == 0, started.stderr
    assert started.stdout.strip() == "8"


def test_an_untrusted_proxy_setting_that_is_not_an_address_stops_start_up():
    started = start_with(SIGHTLINE_TRUSTED_PROXIES="10.0.0.5, proxy.internal")

    assert started.returncode != 0
    assert "SIGHTLINE_TRUSTED_PROXIES must list IP addresses or networks" in started.stderr
    assert "'proxy.internal'" in started.stderr
    assert start_with(SIGHTLINE_TRUSTED_PROXIES="10.0.0.5, 10.1.0.0/16").returncode == 0


# --- Recovery codes are kept only as hashes ------------------------------------------------


@pytest.mark.django_db
def test_recovery_codes_kept_in_clear_are_moved_to_hashes_and_still_work(make_user):
    user = make_user(Role.PRACTITIONER, email="old.codes@example.org")
    authenticator(user)
    static = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    for token in ("abcd2345", "efgh6723"):
        static.token_set.create(token=token)
    migration = importlib.import_module(
        "sightline.accounts.migrations.0003_hash_existing_recovery_codes"
    )

    migration.hash_static_tokens(apps, None)

    assert not StaticToken.objects.exists()
    assert not StaticDevice.objects.exists()
    device = RecoveryCodeDevice.objects.get(user=user)
    hashes = list(RecoveryCode.objects.filter(device=device).values_list("code_hash", flat=True))
    assert len(hashes) == 2
    assert not any("abcd2345" in h or "efgh6723" in h for h in hashes)
    client = Client()
    enter_password(client, user.email)
    assert enter_code(client, "abcd2345")["Location"] == HOME


@pytest.mark.django_db
def test_the_account_page_counts_the_recovery_codes_left(make_user, signed_in_client):
    from sightline.accounts import services

    user = make_user(Role.PRACTITIONER)
    services.recovery_codes_issue(user=user)
    RecoveryCode.objects.filter(device__user=user).first().delete()

    page = signed_in_client(user).get(reverse("accounts:account")).content.decode()

    assert "9 recovery codes left" in page
