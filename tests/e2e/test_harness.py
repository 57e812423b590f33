"""The browser harness itself, against small pages served by the live server.

These pages are served from this module (it doubles as the URLconf), so the harness is known
to work whatever state the application's own pages are in.
"""

import base64

import pytest
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.urls import path
from django.utils.html import escape
from django.views.decorators.csrf import csrf_exempt
from django_otp.oath import totp
from playwright.sync_api import expect

from tests.e2e.conftest import check_a11y, totp_code


def _html(title, body):
    return HttpResponse(
        "<!DOCTYPE html>"
        f'<html lang="en-GB"><head><meta charset="utf-8"><title>{title}</title></head>'
        f"<body><main>{body}</main></body></html>"
    )


def start_page(request):
    return _html("Start", '<h1>Start</h1><p><a href="/form/">Tell us your name</a></p>')


def form_page(request):
    return _html(
        "Your name",
        '<h1>Your name</h1><form method="post" action="/done/">'
        '<label for="name">Full name</label><input id="name" name="name" type="text">'
        "<button>Continue</button></form>",
    )


@csrf_exempt
def done_page(request):
    name = escape(request.POST.get("name", ""))
    return _html("Done", f'<h1 style="overflow-wrap: anywhere">Thank you, {name}</h1>')


def inaccessible_page(request):
    return _html("Bad", '<h1>Bad</h1><img src="/nothing.png"><input type="text" name="q">')


def wide_page(request):
    return _html(
        "Wide",
        '<h1>Wide</h1><p style="width: 600px">A paragraph wider than a phone</p>',
    )


def wide_table_page(request):
    rows = "".join(f"<td>Column {i} with a long heading</td>" for i in range(12))
    return _html(
        "Wide table",
        '<h1>Wide table</h1><div role="region" aria-label="Figures" tabindex="0" '
        'style="overflow-x: auto"><table><caption>Figures</caption>'
        f"<tr>{rows}</tr></table></div>",
    )


def escaping_table_page(request):
    """Hidden text positioned absolutely escapes a scroll container that is not positioned."""
    cells = "".join(f"<td>Column {i} with a long heading</td>" for i in range(12))
    hidden = (
        '<span style="position: absolute; width: 1px; height: 1px; overflow: hidden">'
        "Sorted ascending</span>"
    )
    return _html(
        "Escaping",
        '<h1>Escaping</h1><div role="region" aria-label="Figures" tabindex="0" '
        'style="overflow-x: auto"><table><caption>Figures</caption>'
        f"<tr>{cells}<td>Last{hidden}</td></tr></table></div>",
    )


def dialog_page(request):
    return _html("Dialog", "<h1>Dialog</h1><script>alert('injected')</script>")


def script_error_page(request):
    return _html("Error", "<h1>Error</h1><script>throw new Error('boom')</script>")


urlpatterns = [
    path("start/", start_page),
    path("form/", form_page),
    path("done/", done_page),
    path("bad/", inaccessible_page),
    path("wide/", wide_page),
    path("wide-table/", wide_table_page),
    path("escaping/", escaping_table_page),
    path("dialog/", dialog_page),
    path("script-error/", script_error_page),
]


@pytest.fixture(autouse=True)
def _harness_urls(settings):
    settings.ROOT_URLCONF = __name__


def test_journey_follows_links_and_forms(journey):
    journey.visit("/start/")
    journey.click_link("Tell us your name")
    journey.fill("Full name", "Ada <b>Lovelace</b>")
    journey.submit("Continue")
    expect(journey.page.locator("h1")).to_have_text("Thank you, Ada <b>Lovelace</b>")


def test_accessibility_violations_fail_with_their_rules(journey):
    with pytest.raises(pytest.fail.Exception) as failure:
        journey.visit("/bad/")
    message = str(failure.value)
    assert "image-alt" in message
    assert "label" in message
    assert "/bad/" in message


def test_axe_fixture_checks_any_page(page, axe):
    page.goto("/start/")
    axe(page)
    page.goto("/bad/")
    with pytest.raises(pytest.fail.Exception):
        check_a11y(page)


def test_a_page_wider_than_a_phone_fails_and_names_what_sticks_out(journey):
    with pytest.raises(pytest.fail.Exception) as failure:
        journey.visit("/wide/")
    message = str(failure.value)
    assert "scrolls sideways at 320px wide" in message
    assert "A paragraph wider than a phone" in message
    assert journey.page.viewport_size == {"width": 1280, "height": 720}  # put back


def test_a_wide_table_scrolling_in_its_own_region_passes(journey):
    journey.visit("/wide-table/")
    page = journey.page
    page.set_viewport_size({"width": 320, "height": 800})
    region = page.get_by_role("region", name="Figures")
    assert region.evaluate("(el) => el.scrollWidth > el.clientWidth")


def test_text_escaping_a_scroll_container_is_found(journey):
    with pytest.raises(pytest.fail.Exception) as failure:
        journey.visit("/escaping/")
    assert "Sorted ascending" in str(failure.value)


def test_javascript_dialog_fails_the_journey(journey):
    with pytest.raises(pytest.fail.Exception, match="alert dialog: 'injected'"):
        journey.visit("/dialog/")


def test_script_error_fails_the_journey(journey):
    with pytest.raises(pytest.fail.Exception, match="boom"):
        journey.visit("/script-error/")


def test_live_server_serves_built_static_files(page):
    assert finders.find("sightline.css"), "frontend/dist is not built: run `make assets`"
    response = page.request.get("/static/sightline.css")
    assert response.status == 200
    assert "govuk" in response.text()


def test_totp_code_matches_django_otp_for_hex_and_base32_keys():
    key = bytes(range(20))
    before = f"{totp(key):06d}"
    codes = {totp_code(key.hex()), totp_code(base64.b32encode(key).decode())}
    after = f"{totp(key):06d}"
    assert codes <= {before, after}  # the 30-second step may turn over in between
