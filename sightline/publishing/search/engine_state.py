"""Each process's in-memory copy of the search index's facet fields (for the facet counts
and the browse order), its vectors and spelling vocabulary (loaded when first needed), and the
synonym table. The copy is reloaded whenever the index's state token changes, and the synonym
table whenever the synonym rows change.

The search itself is in engine.py, which re-exports `clear_caches()` and `forget_synonyms()`."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import NamedTuple

from sightline.publishing.models import SearchSynonym
from sightline.publishing.search import semantic
from sightline.publishing.search.backends import Backend
from sightline.publishing.search.query import SynonymTable


class _Meta(NamedTuple):
    kind: str
    year: int | None
    review_key: str  # lower case
    themes: tuple[str, ...]
    published: str


@dataclass
class _State:
    token: str
    meta: dict[int, _Meta]
    browse: list[int]
    theme_names: dict[str, str]
    review_labels: dict[str, str]
    lock: threading.Lock = field(default_factory=threading.Lock)
    _vectors: tuple | None = None
    _vocabulary: dict | None = None

    def vectors(self, engine: Backend, cursor):
        if self._vectors is None:
            with self.lock:
                if self._vectors is None:
                    ids, matrix = semantic.matrix(engine.load_vectors(cursor))
                    positions = {int(item_id): n for n, item_id in enumerate(ids)}
                    self._vectors = (ids, matrix, positions)
        return self._vectors

    def vocabulary(self, engine: Backend, cursor) -> tuple[dict, set]:
        if self._vocabulary is None:
            with self.lock:
                if self._vocabulary is None:
                    by_letter: dict[str, list[tuple[str, int]]] = {}
                    words = set()
                    for term, df in engine.load_vocabulary(cursor):
                        by_letter.setdefault(term[:1], []).append((term, df))
                        words.add(term)
                    self._vocabulary = {"by_letter": by_letter, "words": words}
        return self._vocabulary["by_letter"], self._vocabulary["words"]


_cache_lock = threading.Lock()
_state_cache: _State | None = None
_synonym_cache: tuple[tuple, SynonymTable] | None = None


def _load_state(engine: Backend, cursor, token: str) -> _State:
    from sightline.core.models import Theme

    meta, review_labels = {}, {}
    for item_id, kind, year, review_type, slugs, published in engine.metadata(cursor):
        themes = tuple(s for s in (slugs or "").split("|") if s)
        review_key = (review_type or "").lower()
        if review_key:
            review_labels.setdefault(review_key, review_type)
        meta[item_id] = _Meta(kind, year, review_key, themes, published or "")
    browse = sorted(meta, key=lambda pk: (meta[pk].year or 0, meta[pk].published, pk), reverse=True)
    names = dict(Theme.objects.values_list("slug", "name"))
    return _State(token, meta, browse, names, review_labels)


def _current(engine: Backend, cursor) -> tuple[_State, SynonymTable]:
    global _state_cache, _synonym_cache
    cursor.execute(
        "SELECT (SELECT token FROM publishing_search_state WHERE id = 1), "
        "(SELECT COUNT(*) FROM publishing_searchsynonym), "
        "(SELECT SUM(version) FROM publishing_searchsynonym), "
        "(SELECT MAX(updated_at) FROM publishing_searchsynonym)"
    )
    token, synonym_count, synonym_versions, synonym_changed = cursor.fetchone()
    state = _state_cache
    if state is None or state.token != token:
        with _cache_lock:
            state = _state_cache
            if state is None or state.token != token:
                state = _state_cache = _load_state(engine, cursor, token)
    # Every saved change bumps a row's version, so the sum moves even when clocks disagree.
    key = (synonym_count, synonym_versions, str(synonym_changed))
    synonyms = _synonym_cache
    if synonyms is None or synonyms[0] != key:
        rows = SearchSynonym.objects.filter(archived_at__isnull=True)
        table = SynonymTable([[row.term, *row.expansion_list()] for row in rows])
        synonyms = _synonym_cache = (key, table)
    return state, synonyms[1]


def clear_caches() -> None:
    global _state_cache, _synonym_cache
    _state_cache = None
    _synonym_cache = None


def forget_synonyms() -> None:
    """Drop this process's copy of the synonym list, so the next search reads it again (the
    synonym services call this after every change; other processes see the change in the
    count, versions and latest change time of the rows)."""
    global _synonym_cache
    _synonym_cache = None
