"""Public pages, the health check, error pages, security headers, CSRF, and sign-in being
required for every URL under /app/ bar a written allow-list."""

from __future__ import annotations

import re
import uuid

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse

from conftest import TEST_PASSWORD
from sightline.accounts.models import Role
from sightline.core import selectors
from sightline.core.models import Notification
from sightline.core.notifications import notify

pytestmark = pytest.mark.django_db

SIGN_IN = reverse("accounts:sign-in")
HOME = reverse("core:home")
LEAKS = ("Traceback", 'File "/', "django.", "SELECT ", "SECRET_KEY", "site-packages", "/work/")


@pytest.fixture
def member(make_user):
    return make_user(Role.PRACTITIONER)


# --- Public pages and the health check -----------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/accessibility/", "/privacy/"])
def test_public_pages_render_with_exactly_one_main_heading(client, path):
    response = client.get(path)

    assert response.status_code == 200
    assert len(re.findall(r"<h1[\s>]", response.content.decode())) == 1


def test_the_health_check_reports_the_database_and_the_worker(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["database"] == "ok"
    assert isinstance(body["worker"], dict)
    assert body["worker"]["status"] in {"ok", "behind", "unknown"}


# --- Error pages ---------------------------------------------------------------------------


def assert_generic_error_page(response, status: int) -> None:
    html = response.content.decode()
    assert response.status_code == status
    assert re.search(r"Reference: <span[^>]*>[0-9a-f]{12}</span>", html)
    for leak in LEAKS:
        assert leak not in html


@pytest.mark.parametrize("path", ["/no-such-page/", "/app/no-such-page/", "/.git/HEAD"])
def test_an_unknown_address_gets_the_generic_not_found_page_with_a_reference(client, path):
    response = client.get(path)

    assert_generic_error_page(response, 404)
    assert "Page not found" in response.content.decode()


def test_a_bad_host_gets_the_generic_bad_request_page(client):
    assert_generic_error_page(client.get("/", HTTP_HOST="evil.example"), 400)


def test_a_server_error_gets_the_generic_page_without_details(
    member, signed_in_client, monkeypatch
):
    def broken(user):
        raise RuntimeError("boom: SELECT secret FROM somewhere")

    monkeypatch.setattr(selectors, "notifications_for", broken)
    client = signed_in_client(member)
    client.raise_request_exception = False

    response = client.get(reverse("core:notifications"))

    assert_generic_error_page(response, 500)
    assert "boom" not in response.content.decode()


def test_a_csrf_failure_gets_the_generic_forbidden_page_with_a_reference():
    response = Client(enforce_csrf_checks=True).post(SIGN_IN, {"email": "a@example.org"})

    assert_generic_error_page(response, 403)


# --- Headers -------------------------------------------------------------------------------


def csp_directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def responses_of_every_kind(member, signed_in_client):
    anonymous = Client()
    signed_in = signed_in_client(member)
    failing_csrf = Client(enforce_csrf_checks=True)
    return {
        "public page": anonymous.get("/"),
        "not found": anonymous.get("/no-such-page/"),
        "redirect to sign-in": anonymous.get(HOME),
        "health check": anonymous.get("/healthz"),
        "sign-in form": anonymous.get(SIGN_IN),
        "trace": anonymous.generic("TRACE", "/"),
        "csrf failure": failing_csrf.post(SIGN_IN, {"email": "a@example.org", "password": "x"}),
        "signed-in home": signed_in.get(HOME),
        "signed-in public page": signed_in.get("/privacy/"),
    }


def test_every_kind_of_response_carries_the_security_headers(member, signed_in_client):
    for kind, response in responses_of_every_kind(member, signed_in_client).items():
        directives = csp_directives(response)
        assert directives["frame-ancestors"] == ["'none'"], kind
        script_src = directives.get("script-src", directives["default-src"])
        assert "'unsafe-inline'" not in script_src, kind
        assert "'unsafe-eval'" not in script_src, kind
        assert directives["object-src"] == ["'none'"], kind
        assert response["X-Content-Type-Options"] == "nosniff", kind
        assert response["Referrer-Policy"] == "same-origin", kind
        assert response["Cross-Origin-Opener-Policy"] == "same-origin", kind
        assert response["X-Frame-Options"] == "DENY", kind
        assert "Server" not in response, kind


def test_signed_in_responses_are_never_stored(member, signed_in_client):
    client = signed_in_client(member)

    for path in [HOME, reverse("core:notifications"), "/", "/privacy/", "/no-such-page/"]:
        assert "no-store" in client.get(path)["Cache-Control"], path


def test_app_pages_are_never_stored_even_for_anonymous_visitors(client):
    assert "no-store" in client.get(SIGN_IN)["Cache-Control"]
    assert "no-store" in client.get(HOME)["Cache-Control"]


@pytest.mark.parametrize("path", ["/", "/healthz", SIGN_IN, HOME, "/no-such-page/"])
def test_a_trace_request_is_refused(client, path):
    response = client.generic("TRACE", path, "probe")

    assert response.status_code == 405
    assert b"probe" not in response.content


# --- Sign-in is required under /app/ -------------------------------------------------------

# URL name -> what an anonymous GET gets. Everything else under /app/ must send them to sign-in.
ANONYMOUS_ALLOWED = {
    "accounts:sign-in": 200,
    "accounts:sign-out": 405,  # POST only; a POST signs nobody out and goes to sign-in
    "accounts:invitation": 404,  # the "link expired" page for a made-up token
    "accounts:password-reset": 200,
    "accounts:password-reset-confirm": 404,
}
# Views that may answer an anonymous visitor with a plain 404 instead of the sign-in redirect
# (placeholders that answer 404 to everyone until their pages exist).
MAY_NOT_FIND_FOR_ANONYMOUS = {
    "reviews:dashboard",
    "reviews:summary",
    "reviews:raise",
    "reviews:case",
    "reviews:rapid-review",
    "reviews:return",
    "reviews:local-review",
}
DUMMY = {
    "int": "1",
    "str": "dummy",
    "slug": "dummy",
    "path": "dummy/path",
    "uuid": str(uuid.UUID(int=1)),
}


def app_urls() -> list[tuple[str, str]]:
    """(name, path) for every URL pattern under /app/, with dummy values for its arguments."""
    found = []

    def walk(patterns, prefix: str, namespace: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                inner = ":".join(filter(None, [namespace, pattern.namespace]))
                walk(pattern.url_patterns, route, inner)
            elif route.startswith("app/"):
                path = re.sub(r"<(?:(\w+):)?\w+>", lambda m: DUMMY[m.group(1) or "str"], route)
                assert "<" not in path, route
                assert "^" not in path, route
                found.append(
                    (f"{namespace}:{pattern.name}" if namespace else pattern.name, "/" + path)
                )

    walk(get_resolver().url_patterns, "", "")
    return found


APP_URLS = app_urls()


def test_the_walk_finds_the_known_app_urls():
    names = {name for name, _ in APP_URLS}

    assert {"core:home", "core:notifications", "settings:user-list", "actions:detail"} <= names
    assert set(ANONYMOUS_ALLOWED) <= names


@pytest.mark.parametrize(("name", "path"), APP_URLS, ids=[name for name, _ in APP_URLS])
def test_every_app_url_sends_an_anonymous_visitor_to_sign_in(client, name, path):
    got = client.get(path)
    posted = client.post(path, {"status": "published", "is_staff": "1"})

    if name in ANONYMOUS_ALLOWED:
        assert got.status_code == ANONYMOUS_ALLOWED[name]
        assert posted.status_code in {200, 302, 404, 405}
        return
    allowed = {302, 404} if name in MAY_NOT_FIND_FOR_ANONYMOUS else {302}
    assert got.status_code in allowed, got.status_code
    assert posted.status_code in allowed | {405}, posted.status_code
    for response in (got, posted):
        if response.status_code == 302:
            assert response["Location"].split("?")[0] == SIGN_IN, response["Location"]


# --- CSRF ----------------------------------------------------------------------------------


def csrf_token(client) -> str:
    client.get(SIGN_IN)
    return client.cookies[settings.CSRF_COOKIE_NAME].value


def test_signing_in_without_a_csrf_token_is_refused(make_user):
    admin = make_user(Role.SYSTEM_ADMIN)
    client = Client(enforce_csrf_checks=True)
    form = {"email": admin.email, "password": TEST_PASSWORD}

    assert client.post(SIGN_IN, form).status_code == 403
    assert client.get(HOME).status_code == 302
    ok = client.post(SIGN_IN, form | {"csrfmiddlewaretoken": csrf_token(client)})
    assert ok["Location"] == reverse("accounts:two-factor-setup")  # the password was accepted


def test_another_sessions_token_or_a_foreign_origin_is_refused(make_user):
    admin = make_user(Role.SYSTEM_ADMIN)
    form = {"email": admin.email, "password": TEST_PASSWORD}
    attacker, victim = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    stolen = csrf_token(attacker)
    csrf_token(victim)

    assert victim.post(SIGN_IN, form | {"csrfmiddlewaretoken": stolen}).status_code == 403
    own = form | {"csrfmiddlewaretoken": victim.cookies[settings.CSRF_COOKIE_NAME].value}
    assert victim.post(SIGN_IN, own, HTTP_ORIGIN="https://evil.example").status_code == 403
    assert victim.get(HOME).status_code == 302


def test_a_signed_in_post_without_a_csrf_token_changes_nothing(member, signed_in_client):
    notify(users=[member], subject="Unread")
    client = signed_in_client(member)
    client.handler.enforce_csrf_checks = True

    response = client.post(reverse("core:notifications-read"))

    assert response.status_code == 403
    assert Notification.objects.filter(user=member, read_at__isnull=True).count() == 1
