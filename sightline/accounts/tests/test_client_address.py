"""The client address behind a reverse proxy: X-Forwarded-For is believed only from the proxies
in SIGHTLINE_TRUSTED_PROXIES, read from the right, and the address found is the one the sign-in
throttle counts and the event log records."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory

from sightline.accounts.models import Role, SignInFailure
from sightline.accounts.tests.test_sign_in_support import (
    LOCKED_TEXT,
    SIGN_IN_CODE,
    authenticator,
    enter_password,
)
from sightline.core.models import Event
from sightline.core.requestcontext import client_ip

PROXY = "10.0.0.5"


def address(remote: str, forwarded: str | None = None) -> str | None:
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_ip(RequestFactory().get("/", **extra))


@pytest.fixture
def behind_proxy(settings):
    settings.SIGHTLINE_TRUSTED_PROXIES = ["10.0.0.0/24", "2001:db8:ff::/48"]


def test_without_trusted_proxies_the_forwarded_header_is_never_read(settings):
    settings.SIGHTLINE_TRUSTED_PROXIES = []
    assert address("203.0.113.9", "198.51.100.1") == "203.0.113.9"


@pytest.mark.usefixtures("behind_proxy")
@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        # The proxy appends the client's address: that is the one.
        (PROXY, "198.51.100.7", "198.51.100.7"),
        # Whatever the client wrote on the left is ignored.
        (PROXY, "1.2.3.4, 198.51.100.7", "198.51.100.7"),
        (PROXY, "spoofed, 6.6.6.6, 198.51.100.7", "198.51.100.7"),
        # Two trusted proxies in a row: skip both.
        (PROXY, "1.2.3.4, 198.51.100.7, 10.0.0.9", "198.51.100.7"),
        # Ports and IPv6, as some proxies write them.
        (PROXY, "198.51.100.7:51234", "198.51.100.7"),
        (PROXY, "[2001:db8::7]:443", "2001:db8::7"),
        ("2001:db8:ff::1", "2001:db8::7", "2001:db8::7"),
        (f"::ffff:{PROXY}", "198.51.100.7", "198.51.100.7"),
        # A peer that is not a trusted proxy: its header is not believed.
        ("203.0.113.9", "198.51.100.7", "203.0.113.9"),
        # No header, or nothing usable where the client should be: the peer address.
        (PROXY, None, PROXY),
        (PROXY, "", PROXY),
        (PROXY, "not an address", PROXY),
        (PROXY, "198.51.100.7, garbage", PROXY),
        # Only proxies in the chain.
        (PROXY, "10.0.0.8", PROXY),
    ],
)
def test_the_client_is_the_right_most_address_that_is_not_a_trusted_proxy(
    remote, forwarded, expected
):
    assert address(remote, forwarded) == expected


@pytest.mark.django_db
@pytest.mark.usefixtures("behind_proxy")
def test_events_and_failures_record_the_real_client_behind_the_proxy(make_user):
    user = make_user(Role.PRACTITIONER, email="pat@example.org")
    via_proxy = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "9.9.9.9, 198.51.100.7"}

    enter_password(Client(), user.email, "a wrong guess", **via_proxy)

    assert SignInFailure.objects.get().ip_address == "198.51.100.7"
    event = Event.objects.get(action="auth.password_failed")
    assert event.ip_address == "198.51.100.7"


@pytest.mark.django_db
@pytest.mark.usefixtures("behind_proxy")
def test_behind_the_proxy_one_clients_failures_do_not_throttle_everyone(make_user, settings):
    settings.SIGHTLINE_IP_THROTTLE_FAILURES = 3
    user = make_user(Role.PRACTITIONER, email="pat@example.org")
    authenticator(user)
    attacker = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "198.51.100.66"}
    for n in range(3):
        enter_password(Client(), f"guess{n}@example.org", "a wrong guess", **attacker)

    # The attacker is throttled however they rotate what they put in the header ...
    rotated = {**attacker, "HTTP_X_FORWARDED_FOR": "1.2.3.4, 198.51.100.66"}
    assert LOCKED_TEXT in enter_password(Client(), user.email, **rotated).content.decode()
    # ... and a colleague behind the same proxy is not.
    colleague = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "198.51.100.20"}
    assert enter_password(Client(), user.email, **colleague)["Location"] == SIGN_IN_CODE
