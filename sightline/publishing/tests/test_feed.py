"""The Atom feed of new publications."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from sightline.publishing.tests.test_library_support import make_item

pytestmark = pytest.mark.django_db

FEED = reverse("publishing-public:feed")


def test_the_feed_is_atom_with_the_newest_public_items(client):
    make_item(title="Older review", published=dt.date(2023, 1, 5), year=2023)
    make_item(title="Newest briefing", kind="briefing", published=dt.date(2025, 2, 1), year=2025)

    response = client.get(FEED)

    body = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    assert body.index("Newest briefing") < body.index("Older review")
    assert "<feed" in body
    assert "<entry>" in body
    assert "public" in response["Cache-Control"]


def test_the_feed_never_shows_unpublished_or_removed_items(client):
    make_item(title="Public one")
    make_item(title="Not public", is_public=False)
    make_item(title="Removed one", removed_at=timezone.now())

    body = client.get(FEED).content.decode()

    assert "Public one" in body
    assert "Not public" not in body
    assert "Removed one" not in body


def test_the_feed_holds_at_most_twenty_entries(client):
    for n in range(25):
        make_item(title=f"Item {n}", index=False)

    assert client.get(FEED).content.decode().count("<entry>") == 20
