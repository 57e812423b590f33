"""Search quality on the sample catalogue: recall at 5 and nDCG at 10 over the sample queries.

The queries (tests/data/library_sample_queries.jsonl, a copy of shared/samples) list the items a
good search returns near the top, best first; the graded relevance of the item at position i of
n is n - i. A query with no relevant items must return nothing, or only weak matches.

The floors are what a sound search reaches on material like this, not the measured values: the
search's parameters were chosen by reasoning, not fitted to these queries (see
sightline/publishing/search/engine.py). Run with -s to see the measurements.
"""

from __future__ import annotations

import math

import pytest

from sightline.publishing import search
from sightline.publishing.tests.test_library_support import (
    QUERIES,
    SAMPLE,
    SHARED_SAMPLES,
    import_sample,
    sample_queries,
)

pytestmark = pytest.mark.django_db

RECALL_AT_5_FLOOR = 0.8
NDCG_AT_10_FLOOR = 0.7
# Without the embedding model, natural questions rely on words alone.
TEXT_ONLY_RECALL_FLOOR = 0.75
TEXT_ONLY_NDCG_FLOOR = 0.65
# "Weak": fewer than about half of what was asked matched, and nothing close in meaning.
WEAK_SCORE = 0.35


def recall_at(found: list[str], relevant: list[str], k: int) -> float:
    return len(set(found[:k]) & set(relevant)) / len(relevant)


def ndcg_at(found: list[str], relevant: list[str], k: int) -> float:
    grades = {item: len(relevant) - n for n, item in enumerate(relevant)}
    dcg = sum(grades.get(item, 0) / math.log2(n + 2) for n, item in enumerate(found[:k]))
    ideal = sum(g / math.log2(n + 2) for n, g in enumerate(sorted(grades.values(), reverse=True)))
    return dcg / ideal


def measure(semantic_blend: bool) -> dict:
    recalls, ndcgs, weak, misses = [], [], [], []
    for case in sample_queries():
        page = search.search(case["q"], per_page=10, semantic_blend=semantic_blend)
        found = [hit.item.external_id for hit in page.results]
        if not case["relevant"]:
            weak.append((case["q"], page.results[0].score if page.results else 0.0))
            continue
        recalls.append(recall_at(found, case["relevant"], 5))
        ndcgs.append(ndcg_at(found, case["relevant"], 10))
        if recalls[-1] < 1:
            misses.append((case["q"], case["relevant"], found[:5]))
    return {
        "recall@5": sum(recalls) / len(recalls),
        "ndcg@10": sum(ndcgs) / len(ndcgs),
        "weak": weak,
        "misses": misses,
    }


def test_the_copies_match_the_shared_samples():
    for copy in (SAMPLE, QUERIES):
        shared = SHARED_SAMPLES / copy.name
        if not shared.exists():
            pytest.skip("shared/samples is not beside the repository")
        assert copy.read_bytes() == shared.read_bytes(), f"{copy.name} differs from shared/"


@pytest.mark.parametrize("semantic_blend", [True, False], ids=["blended", "text-only"])
def test_search_quality_on_the_sample(semantic_blend):
    from django.db import connection

    from sightline.publishing.search import semantic

    if semantic_blend and not semantic.available():
        pytest.skip("the embedding model is not installed")
    import_sample()

    result = measure(semantic_blend)

    label = "blended" if semantic_blend else "text only"
    print(  # noqa: T201
        f"\n[{connection.vendor}, {label}] recall@5 {result['recall@5']:.3f}, "
        f"nDCG@10 {result['ndcg@10']:.3f}, weak top scores {result['weak']}, "
        f"misses {result['misses']}"
    )
    recall_floor = RECALL_AT_5_FLOOR if semantic_blend else TEXT_ONLY_RECALL_FLOOR
    ndcg_floor = NDCG_AT_10_FLOOR if semantic_blend else TEXT_ONLY_NDCG_FLOOR
    assert result["recall@5"] >= recall_floor
    assert result["ndcg@10"] >= ndcg_floor
    for query, top_score in result["weak"]:
        assert top_score < WEAK_SCORE, f"{query!r} should find nothing strong"


def test_the_practitioners_question_finds_the_review_about_male_carers():
    import_sample()

    top = [h.item.external_id for h in search.search("baby hurt by mum's new partner").results]

    assert top[0] == "smp-001"
