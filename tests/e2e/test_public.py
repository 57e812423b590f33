"""Smoke journey through the public pages anyone can reach without signing in."""

import pytest
from playwright.sync_api import expect


@pytest.mark.parametrize("path", ["/", "/accessibility/", "/privacy/"])
def test_public_page_has_one_heading(journey, path):
    journey.visit(path)
    expect(journey.page.locator("h1")).to_have_count(1)
    expect(journey.page.locator("h1")).not_to_be_empty()


def test_health_check_answers_json(page):
    response = page.request.get("/healthz")
    assert response.status == 200
    assert response.headers["content-type"].startswith("application/json")
    assert isinstance(response.json(), dict)
