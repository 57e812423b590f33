"""The API's documentation page, and a search sent from it."""

import json

from django.urls import reverse

from sightline.publishing.tests.test_library_support import make_item


def test_the_api_documentation_sends_a_real_search(journey):
    make_item(title="Neglect in our area", slug="neglect-in-our-area", themes=["Neglect"])

    journey.visit(reverse("api:docs"))
    journey.fill("q", "neglect")
    journey.page.get_by_label("kind", exact=True).select_option("review")
    with journey.page.expect_navigation():
        journey.page.get_by_role("button", name="Send the request").click()

    body = json.loads(journey.page.locator("body").inner_text())
    assert [r["title"] for r in body["results"]] == ["Neglect in our area"]
