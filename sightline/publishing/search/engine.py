"""Indexing and searching the public learning library.

Only items that are public and not removed are ever written to the index; `index_item()` of an
item that is not (or no longer) visible takes it out. Every page of results is checked against
`LibraryItem` again before it is shown, so a stale index row can never reveal an item.

How a search runs (`search()`):

1. The query becomes concepts (`query.parse`: stop words, synonyms both ways, phrases).
2. The engine finds the items matching each concept. A concept that matches nothing and is a
   plain word is corrected against the index vocabulary (difflib similarity and at most one
   edit for short words, two for long ones; same first letter).
3. AND with OR fallback: the items matching every concept, if there are at least
   `AND_MINIMUM`; otherwise those matching any concept.
4. The engine ranks them (bm25 with column weights / ts_rank_cd with A-B-C weights) and
   returns the best `CANDIDATES` (or enough for the page asked for).
5. Blending: each candidate's text score is the share of concepts it matches times its engine
   score relative to the best (0.5 + 0.5 × relative). With the embedding model, the cosine
   similarity between the query and the item, rescaled from the range where unrelated texts
   sit (below `COSINE_FLOOR`) to clearly related ones, is blended in with weight
   `SEMANTIC_WEIGHT`; items the text search missed join the results only when their
   similarity is at least `SEMANTIC_ADMIT`. Scores run from 0 to 1.
6. Only the page's items get snippets (the engine's own highlighter on a bounded passage).
7. Facet counts come from an in-memory copy of the index's facet fields, reloaded whenever
   the index changes; each facet is counted with the other facets' filters applied.

Indexing is in engine_index.py and the in-memory copies (facet fields, vectors, vocabulary,
synonyms) in engine_state.py; this module re-exports their public functions, so
`sightline.publishing.search` and `engine.<name>` keep offering them.
"""

from __future__ import annotations

import html
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain

from django.db import connection
from django.utils.safestring import SafeString, mark_safe

from sightline.publishing.models import LibraryItem
from sightline.publishing.search import semantic
from sightline.publishing.search.backends import MARK_END, MARK_START, Filters, backend, clean_text
from sightline.publishing.search.engine_index import (
    index_item,
    index_items,
    rebuild_index,
    remove_item,
)
from sightline.publishing.search.engine_state import (
    _current,
    _Meta,
    _State,
    clear_caches,
    forget_synonyms,
)
from sightline.publishing.search.query import ParsedQuery, correct_word, parse

__all__ = [
    "AND_MINIMUM",
    "CANDIDATES",
    "COSINE_FLOOR",
    "COSINE_SPAN",
    "SEMANTIC_ADMIT",
    "SEMANTIC_POOL",
    "SEMANTIC_WEIGHT",
    "SUMMARY_SNIPPET",
    "Hit",
    "SearchPage",
    "clear_caches",
    "forget_synonyms",
    "index_item",
    "index_items",
    "make_filters",
    "raw_engine_query",
    "raw_expression",
    "rebuild_index",
    "remove_item",
    "search",
]

AND_MINIMUM = 3  # fewer items than this matching every concept: fall back to any concept
CANDIDATES = 60  # items ranked and blended per search (more when a later page is asked for)
SEMANTIC_WEIGHT = 0.3
COSINE_FLOOR = 0.15  # typical similarity of unrelated texts with this model
COSINE_SPAN = 0.5  # from the floor to "clearly about the same thing"
SEMANTIC_ADMIT = 0.40  # similarity at which an item joins the results without a text match
SEMANTIC_POOL = 20  # most items the embedding alone may add
SUMMARY_SNIPPET = 280


@dataclass
class Hit:
    item: LibraryItem
    score: float
    snippet_html: SafeString
    matched: bool = True  # False: found by meaning only


@dataclass
class SearchPage:
    results: list[Hit]
    total: int
    facets: dict[str, list[tuple]]
    page: int = 1
    per_page: int = 10
    query: str = ""
    corrected_query: str = ""
    mode: str = "browse"  # browse | and | or
    semantic: bool = False

    @property
    def num_pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page)) if self.per_page else 1


# --------------------------------------------------------------------------- searching


def _as_tuple(value) -> tuple:
    if value is None or value == "":
        return ()
    if isinstance(value, str | int):
        return (value,)
    return tuple(v for v in value if v not in (None, ""))


def make_filters(kind=None, theme=None, year=None, review_type=None) -> Filters:
    return Filters(
        kinds=tuple(str(v) for v in _as_tuple(kind)),
        themes=tuple(str(v) for v in _as_tuple(theme)),
        years=tuple(int(v) for v in _as_tuple(year)),
        review_types=tuple(str(v) for v in _as_tuple(review_type)),
    )


def _passes(meta: _Meta, filters: Filters) -> bool:
    return (
        (not filters.kinds or meta.kind in filters.kinds)
        and (not filters.themes or any(t in filters.themes for t in meta.themes))
        and (not filters.years or meta.year in filters.years)
        and (
            not filters.review_types or meta.review_key in {r.lower() for r in filters.review_types}
        )
    )


def _facets(ids: Iterable[int], state: _State, filters: Filters) -> tuple[dict, set[int]]:
    """Facet counts (each with the other facets' filters applied) and the filtered ids."""
    get = state.meta.get
    metas = [(pk, meta) for pk in ids if (meta := get(pk)) is not None]
    if not filters.active:
        kept = {pk for pk, _ in metas}
        per_facet = [[m for _, m in metas]] * 4
    else:
        review_filter = {r.lower() for r in filters.review_types}
        kept, per_facet = set(), [[], [], [], []]
        for pk, meta in metas:
            ok = (
                not filters.kinds or meta.kind in filters.kinds,
                not filters.themes or any(t in filters.themes for t in meta.themes),
                not filters.years or meta.year in filters.years,
                not review_filter or meta.review_key in review_filter,
            )
            for facet in range(4):
                if all(ok[:facet] + ok[facet + 1 :]):
                    per_facet[facet].append(meta)
            if all(ok):
                kept.add(pk)
    kinds = Counter(m.kind for m in per_facet[0])
    themes = Counter(chain.from_iterable(m.themes for m in per_facet[1]))
    years = Counter(m.year for m in per_facet[2] if m.year)
    review_types = Counter(m.review_key for m in per_facet[3] if m.review_key)
    names = state.theme_names
    labels = state.review_labels
    selected_reviews = {r.lower(): r for r in filters.review_types}
    facets = {
        "kind": [
            (value, label, kinds.get(value, 0))
            for value, label in LibraryItem.Kind.choices
            if kinds.get(value) or value in filters.kinds
        ],
        "theme": sorted(
            [(slug, names.get(slug, slug), n) for slug, n in themes.items()]
            + [(s, names.get(s, s), 0) for s in filters.themes if s not in themes],
            key=lambda f: (-f[2], f[1].lower()),
        ),
        "year": sorted(
            [(year, str(year), n) for year, n in years.items()]
            + [(y, str(y), 0) for y in filters.years if y not in years],
            reverse=True,
        ),
        "review_type": sorted(
            [(labels.get(key, key), labels.get(key, key), n) for key, n in review_types.items()]
            + [(r, r, 0) for key, r in selected_reviews.items() if key not in review_types],
            key=lambda f: (-f[2], f[1].lower()),
        ),
    }
    return facets, kept


def _safe_snippet(text: str) -> SafeString:
    """Escape item text; only our own <mark> elements survive."""
    text = re.sub(r"\s+", " ", text).strip()
    escaped = html.escape(text, quote=False)
    escaped = escaped.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")
    return mark_safe(escaped)  # noqa: S308 - escaped above; only our markers become tags


def _plain_summary(item: LibraryItem) -> SafeString:
    text = re.sub(r"\s+", " ", item.summary or "").strip()
    if len(text) > SUMMARY_SNIPPET:
        text = text[:SUMMARY_SNIPPET].rsplit(" ", 1)[0] + " …"
    return _safe_snippet(clean_text(text))


_PAGE_FIELDS = ("id", "slug", "external_id", "kind", "title", "child", "partnership",
                "review_type", "published", "year", "summary", "url", "is_public",
                "removed_at", "updated_at", "document_id", "plan_id")  # fmt: skip


def _materialise(ids: Sequence[int], state: _State) -> dict[int, LibraryItem]:
    """The page's items, checked again: public and not removed. Their themes come from the
    index (`item.theme_list`: [(slug, name)]), so the page costs one query."""
    items = (
        LibraryItem.objects.filter(pk__in=list(ids), is_public=True, removed_at__isnull=True)
        .only(*_PAGE_FIELDS)
        .order_by()
    )
    result = {}
    for item in items:
        meta = state.meta.get(item.pk)
        slugs = meta.themes if meta else ()
        item.theme_list = [(slug, state.theme_names.get(slug, slug)) for slug in slugs]
        result[item.pk] = item
    return result


def _empty(page: int, per_page: int, query: str, filters: Filters, state: _State) -> SearchPage:
    facets, _ = _facets([], state, filters)
    return SearchPage([], 0, facets, page, per_page, query=query, mode="none")


def search(
    query: str = "",
    *,
    kind=None,
    theme=None,
    year=None,
    review_type=None,
    page: int = 1,
    per_page: int = 10,
    semantic_blend: bool | None = None,
) -> SearchPage:
    """Search the public library (see the module docstring). Facet arguments take one value or
    a list of values (any of them matches); an empty query lists everything, newest first."""
    page, per_page = max(1, int(page)), max(1, int(per_page))
    filters = make_filters(kind, theme, year, review_type)
    engine = backend()
    with engine.session(), connection.cursor() as cursor:
        engine.prepare_session(cursor)
        state, synonyms = _current(engine, cursor)
        parsed = parse(query, synonyms)
        if parsed.is_empty:
            if (query or "").strip():
                return _empty(page, per_page, query, filters, state)
            return _browse(state, filters, page, per_page)
        return _text_search(engine, cursor, state, parsed, filters, page, per_page, semantic_blend)


def _browse(state: _State, filters: Filters, page: int, per_page: int) -> SearchPage:
    facets, kept = _facets(state.browse, state, filters)
    ordered = [pk for pk in state.browse if pk in kept]
    offset = (page - 1) * per_page
    page_ids = ordered[offset : offset + per_page]
    items = _materialise(page_ids, state)
    hits = [Hit(items[pk], 0.0, _plain_summary(items[pk])) for pk in page_ids if pk in items]
    return SearchPage(hits, len(ordered), facets, page, per_page)


def _correct(engine, cursor, state, parsed: ParsedQuery, expressions, sets) -> None:
    """Correct plain words that matched nothing, in place."""
    todo = [n for n, concept in enumerate(parsed.concepts) if not sets[n] and concept.correctable]
    if not todo:
        return
    by_letter, words = state.vocabulary(engine, cursor)
    changed = []
    for n in todo:
        concept = parsed.concepts[n]
        word = concept.alternatives[0]
        if word in words or semantic.is_common_word(word):
            continue
        replacement = correct_word(word, by_letter)
        if replacement:
            concept.corrected_from = concept.text
            concept.text = replacement
            concept.alternatives = [replacement]
            changed.append(n)
    if changed:
        new_expressions = engine.prepare(cursor, [parsed.concepts[n].alternatives for n in changed])
        new_sets = engine.concept_sets(cursor, new_expressions)
        for n, expression, found in zip(changed, new_expressions, new_sets, strict=True):
            expressions[n], sets[n] = expression, found


@dataclass
class _Match:
    mode: str  # and | or
    matched: set[int]
    all_of: set[int]
    sets: list[set[int]]
    weights: list[float]
    expressions: list[str]

    @property
    def live(self) -> list[str]:
        return [e for e, s in zip(self.expressions, self.sets, strict=True) if s]

    def coverage(self, pk: int) -> float:
        """The share of the query's concepts the item matches, each weighted by its rarity."""
        total = sum(self.weights) or 1.0
        return sum(w for w, s in zip(self.weights, self.sets, strict=True) if pk in s) / total


def _match(engine, cursor, state, parsed, expressions) -> _Match:
    sets = engine.concept_sets(cursor, expressions)
    _correct(engine, cursor, state, parsed, expressions, sets)
    visible = state.meta.keys()
    sets = [s & visible for s in sets]
    size = max(len(visible), 1)
    weights = [math.log(1 + size / (len(s) + 0.5)) for s in sets]
    all_of = set.intersection(*sets) if sets else set()
    mode = "and" if len(all_of) >= AND_MINIMUM or len(sets) == 1 else "or"
    matched = all_of if mode == "and" else set().union(*sets)
    return _Match(mode, matched, all_of, sets, weights, expressions)


def _text_scores(engine, cursor, state, match: _Match, filters, limit) -> dict[int, float]:
    if not match.matched:
        return {}
    if match.mode == "and":
        expression = engine.combine(match.expressions, "AND")
    else:
        expression = engine.combine(match.live, "OR")
    if engine.preselects:
        ranked = engine.rank_ids(
            cursor, expression, _preselect(engine, cursor, state, match, filters, limit), limit
        )
    else:
        ranked = engine.ranked(cursor, expression, filters, limit, len(match.matched))
    text_score = dict(ranked)
    if match.mode == "or" and match.all_of:
        floor = min(text_score.values(), default=0.0)
        for pk in match.all_of:
            meta = state.meta.get(pk)
            if meta is not None and _passes(meta, filters):
                text_score.setdefault(pk, floor)
    return text_score


def _preselect(engine, cursor, state, match: _Match, filters, limit) -> list[int]:
    """The candidates worth ranking on their whole text: all matches if there are few, else
    those matching the most of the query (by weight), then those matching it in their title,
    summary or themes."""
    pool = [
        pk
        for pk in match.matched
        if (meta := state.meta.get(pk)) is not None and _passes(meta, filters)
    ]
    size = max(engine.FULL_RANK, limit)
    if len(pool) <= size:
        return pool
    weight: dict[int, float] = dict.fromkeys(pool, 0.0)
    for concept_weight, found in zip(match.weights, match.sets, strict=True):
        for pk in found:
            if pk in weight:
                weight[pk] += concept_weight
    heads = engine.head_matches(cursor, engine.combine(match.live, "OR"))
    pool.sort(key=lambda pk: (-weight[pk], pk not in heads, -pk))
    return pool[:size]


def _snippet(item: LibraryItem, found: tuple[str, str]) -> SafeString:
    body, summary = found
    if MARK_START in body:
        return _safe_snippet(body)
    if MARK_START in summary:
        return _safe_snippet(summary)
    return _plain_summary(item)


def _text_search(engine, cursor, state, parsed, filters, page, per_page, semantic_blend):
    expressions = engine.prepare(cursor, [c.alternatives for c in parsed.concepts])
    keep = [n for n, e in enumerate(expressions) if e]
    parsed.concepts = [parsed.concepts[n] for n in keep]
    if not keep:
        return _empty(page, per_page, parsed.text, filters, state)
    match = _match(engine, cursor, state, parsed, [expressions[n] for n in keep])
    offset = (page - 1) * per_page
    text_score = _text_scores(
        engine, cursor, state, match, filters, max(CANDIDATES, offset + per_page)
    )
    best = max(text_score.values(), default=0.0) or 1.0
    similarity: dict[int, float] = {}
    admitted: set[int] = set()
    use_semantic = semantic.enabled() if semantic_blend is None else semantic_blend
    use_semantic = use_semantic and semantic.available()
    if use_semantic:
        similarity, admitted = _semantic(engine, cursor, state, parsed, filters, text_score)

    def score(pk: int) -> float:
        text = 0.0
        if pk in text_score:
            text = match.coverage(pk) * (0.5 + 0.5 * max(text_score[pk], 0.0) / best)
        if not use_semantic:
            return text
        rescaled = (similarity.get(pk, 0.0) - COSINE_FLOOR) / COSINE_SPAN
        return (1 - SEMANTIC_WEIGHT) * text + SEMANTIC_WEIGHT * min(1.0, max(0.0, rescaled))

    scores = {pk: score(pk) for pk in set(text_score) | admitted}
    facets, kept = _facets(match.matched | admitted, state, filters)
    ordered = sorted(
        (pk for pk in scores if pk in kept),
        key=lambda pk: (-scores[pk], -text_score.get(pk, 0.0), -pk),
    )
    page_ids = ordered[offset : offset + per_page]
    items = _materialise(page_ids, state)
    with_text = [pk for pk in page_ids if pk in items and pk in text_score]
    snippets = {}
    if with_text and match.live:
        expression = engine.combine(match.live, "OR")
        snippets = engine.snippets(cursor, expression, with_text, parsed.alternatives())
    hits = [
        Hit(items[pk], round(scores[pk], 4), _snippet(items[pk], snippets.get(pk, ("", ""))),
            matched=pk in text_score)
        for pk in page_ids
        if pk in items
    ]  # fmt: skip
    return SearchPage(
        hits,
        len(kept),
        facets,
        page,
        per_page,
        query=parsed.text,
        corrected_query=parsed.corrected_text(),
        mode=match.mode,
        semantic=use_semantic,
    )


def _semantic(engine, cursor, state, parsed, filters, text_score):
    """Cosine similarity for the text candidates, and the items admitted on meaning alone."""
    import numpy as np

    query_vector = semantic.embed([parsed.embedding_text()])
    ids, matrix, positions = state.vectors(engine, cursor)
    if query_vector is None or not len(ids):
        return {}, set()
    # einsum, not BLAS: a BLAS call here competes with the tokenizer's threads (measured
    # 5-8 ms instead of 0.15 ms on two cores).
    similarities = np.einsum("ij,j->i", matrix, query_vector[0])
    similarities = np.nan_to_num(similarities)
    result = {pk: float(similarities[positions[pk]]) for pk in text_score if pk in positions}
    admitted = set()
    pool = min(len(ids), SEMANTIC_POOL * 4)
    top = np.argpartition(-similarities, pool - 1)[:pool]
    for n in top[np.argsort(-similarities[top])]:
        value = float(similarities[n])
        if value < SEMANTIC_ADMIT or len(admitted) >= SEMANTIC_POOL:
            break
        pk = int(ids[n])
        meta = state.meta.get(pk)
        if meta is None or not _passes(meta, filters):
            continue
        result[pk] = value
        admitted.add(pk)
    return result, admitted


def raw_expression(query: str) -> str:
    """The engine expression a query becomes (concepts OR-ed), for the benchmark's baseline."""
    engine = backend()
    with connection.cursor() as cursor:
        _, synonyms = _current(engine, cursor)
        parsed = parse(query, synonyms)
        concepts = [c.alternatives for c in parsed.concepts]
        expressions = [e for e in engine.prepare(cursor, concepts) if e]
        return engine.combine(expressions, "OR") if expressions else ""


def raw_engine_query(expression: str, limit: int = 10) -> list[tuple[int, float]]:
    """The bare engine query: match, rank, limit; nothing else."""
    engine = backend()
    with engine.session(), connection.cursor() as cursor:
        engine.prepare_session(cursor)
        return engine.raw(cursor, expression, limit) if expression else []
