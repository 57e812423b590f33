"""The Atom feed of new publications in the public library (/library/feed/)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from sightline.publishing import library
from sightline.publishing.models import LibraryItem

FEED_SIZE = 20
LONDON = ZoneInfo("Europe/London")


class LibraryFeed(Feed):
    """The newest published items; never anything unpublished or removed."""

    feed_type = Atom1Feed

    def title(self):
        return f"{settings.SIGHTLINE_PARTNERSHIP_NAME}: learning library"

    def subtitle(self):
        return "New practice reviews and 7-minute briefings published by the partnership."

    def link(self):
        return reverse("publishing-public:search")

    def feed_url(self):
        return reverse("publishing-public:feed")

    def author_name(self):
        return settings.SIGHTLINE_PARTNERSHIP_NAME

    def items(self):
        return library.public_items().prefetch_related("themes")[:FEED_SIZE]

    def item_title(self, item: LibraryItem) -> str:
        return item.title

    def item_description(self, item: LibraryItem) -> str:
        return item.summary

    def item_link(self, item: LibraryItem) -> str:
        return reverse("publishing-public:item", args=[item.slug])

    def item_pubdate(self, item: LibraryItem):
        if item.published:
            day = item.published
        elif item.year:
            day = dt.date(item.year, 1, 1)
        else:
            return item.updated_at
        return dt.datetime.combine(day, dt.time(9, 0), tzinfo=LONDON)

    def item_updateddate(self, item: LibraryItem):
        return item.updated_at

    def item_categories(self, item: LibraryItem):
        return [theme.name for theme in item.themes.all()]

    def __call__(self, request, *args, **kwargs):
        from sightline.publishing.views_public import public_cache

        return public_cache(super().__call__(request, *args, **kwargs), request)
