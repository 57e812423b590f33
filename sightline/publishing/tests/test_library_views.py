"""Public library pages: search, item pages, documents, the home page and caching."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from sightline.publishing.tests.test_library_support import (
    attach_document,
    import_sample,
    make_item,
)

pytestmark = pytest.mark.django_db

SEARCH = reverse("publishing-public:search")


def h1_count(response) -> int:
    return len(re.findall(r"<h1[\s>]", response.content.decode()))


def test_the_search_page_lists_everything_with_facets(client):
    import_sample()

    response = client.get(SEARCH)

    html = response.content.decode()
    assert response.status_code == 200
    assert h1_count(response) == 1
    assert "12 results" in html
    assert 'name="kind" type="checkbox" value="review"' in html
    assert "Practice review (8)" in html
    assert "Sign in" in html
    assert "no-store" not in response.get("Cache-Control", "")
    assert "public" in response["Cache-Control"]
    # Caches must revalidate, so a removal takes effect at once.
    assert "no-cache" in response["Cache-Control"]


def test_searching_shows_highlighted_snippets_and_filters(client):
    import_sample()

    response = client.get(SEARCH, {"q": "bruising", "kind": "briefing"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "7-minute briefing: Bruising in non-mobile babies" in html
    assert "Local Child Safeguarding Practice Review: Baby Ember" not in html
    assert "<mark>" in html
    assert 'value="briefing" checked' in html
    assert "Clear filters" in html


def test_no_results_offers_suggestions(client):
    import_sample()

    response = client.get(SEARCH, {"q": "fire safety in tower blocks"})

    html = response.content.decode()
    assert "No results" in html
    assert "checking your spelling" in html


def test_a_corrected_query_is_shown(client):
    import_sample()

    html = client.get(SEARCH, {"q": "neglekt"}).content.decode()

    assert "Showing results for <strong>neglect</strong>" in html


def test_bad_parameters_do_not_break_the_page(client):
    import_sample()

    response = client.get(SEARCH, {"q": "x" * 500, "year": "soon", "page": "-3", "kind": "zzz"})

    assert response.status_code == 200


def test_a_page_past_the_end_is_not_found(client):
    make_item(title="Neglect")

    assert client.get(SEARCH, {"q": "neglect", "page": "5"}).status_code == 404


def test_paging_links_keep_the_query(client):
    for n in range(25):
        make_item(title=f"Neglect number {n}")

    html = client.get(SEARCH, {"q": "neglect"}).content.decode()

    assert "Showing 1 to 20 of 25 results" in html
    assert "?q=neglect&amp;page=2" in html


def test_item_page_shows_summary_themes_and_text(client):
    import_sample()
    from sightline.publishing.models import LibraryItem

    item = LibraryItem.objects.get(external_id="smp-001")

    response = client.get(reverse("publishing-public:item", args=[item.slug]))

    html = response.content.decode()
    assert response.status_code == 200
    assert h1_count(response) == 1
    assert item.title in html
    assert "Fathers and male carers" in html
    assert "14 March 2024" in html
    assert "public" in response["Cache-Control"]


def test_unpublished_items_are_not_found(client):
    item = make_item(title="Draft", is_public=False)

    assert client.get(reverse("publishing-public:item", args=[item.slug])).status_code == 404
    assert client.get(reverse("publishing-public:document", args=[item.slug])).status_code == 404
    assert client.get(reverse("publishing-public:item", args=["no-such-item"])).status_code == 404


def test_a_removed_item_shows_the_notice_and_its_document_is_gone(client):
    item = make_item(title="Removed review", summary="Secret summary")
    attach_document(item)
    item.removed_at = timezone.now()
    item.removal_notice = "Removed after the public period ended."
    item.save()

    response = client.get(reverse("publishing-public:item", args=[item.slug]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "This publication was removed on" in html
    assert "Removed after the public period ended." in html
    assert "Secret summary" not in html
    assert client.get(reverse("publishing-public:document", args=[item.slug])).status_code == 404


def test_the_document_downloads_as_an_attachment(client):
    item = make_item(title="With a report")
    attach_document(item, name="report.pdf", content=b"%PDF-1.4 report")

    response = client.get(reverse("publishing-public:document", args=[item.slug]))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == b"%PDF-1.4 report"


def test_an_item_without_a_document_has_no_download(client):
    item = make_item(title="No report")

    assert client.get(reverse("publishing-public:document", args=[item.slug])).status_code == 404


def test_the_home_page_lists_the_latest_publications(client):
    make_item(title="The newest briefing", year=2025)
    make_item(title="A hidden one", year=2026, is_public=False)

    html = client.get("/").content.decode()

    assert "The newest briefing" in html
    assert "A hidden one" not in html


def test_signed_in_visitors_get_no_store(client, make_user, signed_in_client):
    from sightline.accounts.models import Role

    make_item(title="Neglect")
    member = signed_in_client(make_user(Role.PRACTITIONER))

    response = member.get(SEARCH)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_review_pages_show_linked_briefings_and_action_progress(client, monkeypatch):
    from sightline.publishing import library

    review = make_item(title="A review with actions")
    briefing = make_item(title="Its briefing", kind="briefing")
    monkeypatch.setattr(library, "linked_briefings", lambda item: [briefing])
    monkeypatch.setattr(
        library,
        "action_progress",
        lambda item: library.ActionProgress(
            rows=[("On track", 2), ("Complete", 1)], total=3, done=1
        ),
    )

    html = client.get(reverse("publishing-public:item", args=[review.slug])).content.decode()

    assert "Briefings from this review" in html
    assert "Its briefing" in html
    assert "1 of 3 actions complete" in html
    assert "On track" in html
