"""Writing the public learning library's search index: the text, facet fields, vectors and
spelling vocabulary of each item that is public and not removed. `index_item()` of an item
that is not (or no longer) visible takes it out. Every write changes the index's state token,
so each process's in-memory copy (engine_state.py) knows to reload.

The search itself is in engine.py, which re-exports these functions."""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections import Counter
from collections.abc import Iterable

from django.db import connection, transaction

from sightline.publishing.models import LibraryItem
from sightline.publishing.search import semantic
from sightline.publishing.search.backends import BODY_LIMIT, IndexDoc, backend, clean_text

INDEX_BATCH = 200

_WORD = re.compile(r"[a-z]{3,24}")


def _words(text: str) -> set[str]:
    """Distinct plain words of a text (for the spelling vocabulary)."""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return set(_WORD.findall(text.lower()))


def _visible(item: LibraryItem) -> bool:
    return item.is_public and item.removed_at is None


def _doc(item: LibraryItem) -> IndexDoc:
    themes = list(item.themes.all())
    body = item.text or ""
    document = item.document
    extracted = document.extracted_text.strip() if document is not None else ""
    if extracted and extracted[:500] not in body:  # published items may carry it already
        body = f"{body}\n\n{extracted}" if body else extracted
    meta = "; ".join(
        [t.name for t in themes] + [v for v in (item.review_type, item.partnership) if v]
    )
    return IndexDoc(
        item_id=item.pk,
        title=clean_text(item.title),
        summary=clean_text(item.summary),
        themes=clean_text(meta),
        body=clean_text(body[:BODY_LIMIT]),
        kind=item.kind,
        year=item.year or (item.published.year if item.published else None),
        review_type=(item.review_type or "").strip(),
        theme_slugs=sorted(t.slug for t in themes),
        published=item.published.isoformat() if item.published else "",
    )


def index_items(items: Iterable[LibraryItem | int]) -> int:
    """Bring the index up to date for these items (instances or ids): visible ones are
    (re)written with their vectors and vocabulary, others are taken out. Returns how many were
    written. Call inside or outside a transaction; it is atomic either way."""
    ids = sorted({item if isinstance(item, int) else item.pk for item in items})
    written = 0
    for start in range(0, len(ids), INDEX_BATCH):
        written += _index_batch(ids[start : start + INDEX_BATCH])
    return written


def _index_batch(ids: list[int]) -> int:
    engine = backend()
    current = {
        item.pk: item
        for item in LibraryItem.objects.filter(pk__in=ids)
        .select_related("document")
        .prefetch_related("themes")
    }
    docs = [_doc(item) for item in current.values() if _visible(item)]
    shown = {doc.item_id for doc in docs}
    hidden = [pk for pk in ids if pk not in shown]
    vectors = semantic.embed(
        [semantic.item_text(d.title, d.summary, d.themes, d.body) for d in docs]
    )
    with transaction.atomic(), connection.cursor() as cursor:
        old = engine.old_texts(cursor, ids)
        delta: Counter = Counter()
        for doc in docs:
            before = _words(old[doc.item_id]) if doc.item_id in old else set()
            after = _words(doc.full_text())
            delta.update(after - before)
            delta.subtract(before - after)
        for pk in hidden:
            if pk in old:
                delta.subtract(_words(old[pk]))
        if hidden:
            engine.delete(cursor, hidden)
            engine.delete_common(cursor, hidden)
        if docs:
            engine.write(cursor, docs)
        if vectors is not None:
            engine.write_vectors(
                cursor,
                [(d.item_id, semantic.to_bytes(v)) for d, v in zip(docs, vectors, strict=True)],
            )
        engine.apply_vocabulary(cursor, delta)
        engine.bump_state(cursor, uuid.uuid4().hex)
    return len(docs)


def index_item(item: LibraryItem) -> bool:
    """Index one item after it was published or changed; takes it out if it is not public or
    was removed. Returns whether it is in the index now."""
    return index_items([item]) == 1


def remove_item(item: LibraryItem | int) -> None:
    """Take an item out of the index (unpublished, removed or deleted)."""
    pk = item if isinstance(item, int) else item.pk
    engine = backend()
    with transaction.atomic(), connection.cursor() as cursor:
        old = engine.old_texts(cursor, [pk])
        if pk in old:
            engine.apply_vocabulary(cursor, {w: -1 for w in _words(old[pk])})
        engine.delete(cursor, [pk])
        engine.delete_common(cursor, [pk])
        engine.bump_state(cursor, uuid.uuid4().hex)


def rebuild_index() -> int:
    """Empty the index and index every visible item again."""
    engine = backend()
    with transaction.atomic(), connection.cursor() as cursor:
        ids = [row[0] for row in engine.metadata(cursor)]
        if ids:
            engine.delete(cursor, ids)
            engine.delete_common(cursor, ids)
        cursor.execute("DELETE FROM publishing_library_vector")
        cursor.execute("DELETE FROM publishing_search_term")
        engine.bump_state(cursor, uuid.uuid4().hex)
    visible = LibraryItem.objects.filter(is_public=True, removed_at__isnull=True)
    return index_items(list(visible.values_list("pk", flat=True)))
