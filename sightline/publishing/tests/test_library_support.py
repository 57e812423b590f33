"""Helpers for the library, search, API, feed and subscription tests (no tests here).

make_item(**fields) -> LibraryItem      a public item, indexed
import_sample()                         the sample back catalogue (tests/data), indexed
attach_document(item, name, content)    a stored document for an item
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from sightline.core.models import Document, Theme
from sightline.publishing import search
from sightline.publishing.library import import_catalogue
from sightline.publishing.models import LibraryItem

DATA = Path(__file__).resolve().parent / "data"
SAMPLE = DATA / "library_sample.jsonl"
QUERIES = DATA / "library_sample_queries.jsonl"
# Where the shared samples live beside the repository (a copy in CI); the tests use DATA.
SHARED_SAMPLES = Path(__file__).resolve().parents[3].parent / "shared" / "samples"

_numbers = itertools.count(1)


def theme(name: str) -> Theme:
    from sightline.core.services import theme_slug

    found = Theme.objects.filter(name=name).first()
    return found or Theme.objects.create(name=name, slug=theme_slug(name))


def make_item(*, themes=(), index=True, **fields) -> LibraryItem:
    number = next(_numbers)
    values = {
        "slug": f"test-item-{number}",
        "kind": LibraryItem.Kind.REVIEW,
        "title": f"Test item {number}",
        "summary": "A summary.",
        "text": "",
        "year": 2024,
    }
    values.update(fields)
    item = LibraryItem.objects.create(**values)
    if themes:
        item.themes.set([theme(name) for name in themes])
    if index:
        search.index_item(item)
    return item


def import_sample():
    with SAMPLE.open(encoding="utf-8") as handle:
        return import_catalogue(handle)


def sample_queries() -> list[dict]:
    with QUERIES.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def attach_document(item: LibraryItem, name="report.pdf", content=b"%PDF-1.4 test", text=""):
    storage_name = default_storage.save(f"test-{next(_numbers)}.pdf", ContentFile(content))
    document = Document.objects.create(
        original_name=name,
        content_type="application/pdf",
        kind="pdf",
        size=len(content),
        sha256="0" * 64,
        storage_name=storage_name,
        extracted_text=text,
    )
    item.document = document
    item.save(update_fields=["document"])
    search.index_item(item)
    return document
