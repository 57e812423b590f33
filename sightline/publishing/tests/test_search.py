"""The library search interface (`sightline.publishing.search`), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from django.utils import timezone

from sightline.publishing import search
from sightline.publishing.models import LibraryItem, SearchSynonym
from sightline.publishing.search import query as query_module
from sightline.publishing.tests.test_library_support import make_item

pytestmark = pytest.mark.django_db


def ids(page) -> list[int]:
    return [hit.item.pk for hit in page.results]


def test_stemming_finds_plural_and_other_forms():
    item = make_item(title="Head injury in a baby", summary="An injury nobody explained.")

    assert ids(search.search("injuries")) == [item.pk]
    assert ids(search.search("injured")) == [item.pk]


def test_abbreviations_match_their_expansions_and_back():
    sudi = make_item(title="Sudden unexpected death in infancy in Eastmoor")
    abbreviation = make_item(title="A thematic review", summary="Learning from SUDI cases.")

    assert set(ids(search.search("SUDI"))) == {sudi.pk, abbreviation.pk}
    assert set(ids(search.search("sudden unexpected death in infancy"))) == {
        sudi.pk,
        abbreviation.pk,
    }


def test_the_synonym_list_is_editable():
    item = make_item(title="Learning about honour-based abuse")
    assert search.search("HBA").total == 0

    SearchSynonym.objects.create(term="HBA", expansions="honour-based abuse")

    assert ids(search.search("HBA")) == [item.pk]


def test_a_misspelt_word_is_corrected_against_the_library():
    item = make_item(title="Chronic neglect of four siblings")

    page = search.search("neglekt")

    assert ids(page) == [item.pk]
    assert page.corrected_query == "neglect"


def test_common_words_are_not_corrected_into_other_words():
    make_item(title="Five reviews of safe sleep")

    page = search.search("fire")

    assert page.total == 0
    assert page.corrected_query == ""


def test_a_natural_question_falls_back_to_any_word():
    item = make_item(title="Bruising in a baby", summary="The father's new partner was not known.")

    page = search.search("baby hurt by mum's new partner")

    assert page.mode == "or"
    assert ids(page)[0] == item.pk


def test_all_words_rank_above_some_words():
    both = make_item(title="Exploitation", summary="Criminal exploitation and county lines.")
    make_item(title="County hall", summary="A county report.")
    make_item(title="Lines of enquiry", summary="Police lines.")

    page = search.search("county lines exploitation")

    assert ids(page)[0] == both.pk


def test_quoted_text_is_a_phrase():
    phrase = make_item(title="Poor home conditions", summary="Cold and dirty.")
    make_item(title="Conditions of a plan", summary="Seen at home.")

    # Text matching only: the embedding may still find the other item similar in meaning.
    assert ids(search.search('"home conditions"', semantic_blend=False)) == [phrase.pk]
    assert len(ids(search.search("home conditions", semantic_blend=False))) == 2


def test_unpublished_and_removed_items_are_never_found():
    public = make_item(title="Neglect review one")
    hidden = make_item(title="Neglect review two", is_public=False)
    removed = make_item(title="Neglect review three", removed_at=timezone.now())

    page = search.search("neglect")

    assert ids(page) == [public.pk]
    assert page.total == 1
    assert hidden.pk not in ids(search.search(""))
    assert removed.pk not in ids(search.search(""))


def test_an_item_taken_down_after_indexing_disappears():
    item = make_item(title="Neglect in a large family")
    assert ids(search.search("neglect")) == [item.pk]

    item.removed_at = timezone.now()
    item.save()
    search.index_item(item)

    assert search.search("neglect").total == 0


def test_a_stale_index_never_shows_a_hidden_item():
    item = make_item(title="Neglect and housing")

    LibraryItem.objects.filter(pk=item.pk).update(is_public=False)  # no reindex

    assert ids(search.search("neglect")) == []


def test_remove_item_takes_it_out_of_the_index():
    item = make_item(title="Neglect and poverty")

    search.remove_item(item)

    assert search.search("neglect").total == 0


def test_snippets_highlight_matches_and_escape_item_text():
    make_item(
        title="Injury review",
        summary="Summary",
        text="Before <script>alert('x')</script> the injury & bruising were seen.",
    )

    snippet = str(search.search("injury").results[0].snippet_html)

    assert "<script>" not in snippet
    # SQLite keeps the text and it is escaped; PostgreSQL's highlighter drops tags.
    assert "&lt;script&gt;" in snippet or "script" not in snippet
    assert "&amp;" in snippet
    assert "<mark>injury</mark>" in snippet
    assert snippet.replace("<mark>", "").replace("</mark>", "").count("<") == 0


def test_snippets_come_from_the_summary_when_the_body_does_not_match():
    make_item(title="Escalation", summary="How to <b>escalate</b> a disagreement.", text="Other.")

    snippet = str(search.search("disagreement").results[0].snippet_html)

    assert "<mark>disagreement</mark>" in snippet
    assert "&lt;b&gt;" in snippet


def test_the_text_of_an_attached_document_is_searched():
    from sightline.publishing.tests.test_library_support import attach_document

    item = make_item(title="A review", summary="Summary.")
    attach_document(item, text="The perpetrator used coercive control for years.")

    assert ids(search.search("coercive")) == [item.pk]


def test_facet_counts_and_filters():
    make_item(title="Neglect review", kind="review", year=2023, review_type="LCSPR",
              themes=["Neglect"])  # fmt: skip
    make_item(title="Neglect briefing", kind="briefing", year=2024, themes=["Neglect"])
    make_item(title="Neglect SCR", kind="review", year=2016, review_type="SCR",
              themes=["Neglect", "Housing"])  # fmt: skip
    make_item(title="Unrelated", kind="briefing", year=2024, themes=["Housing"])

    page = search.search("neglect")

    assert page.total == 3
    assert {v: n for v, _, n in page.facets["kind"]} == {"review": 2, "briefing": 1}
    assert {v: n for v, _, n in page.facets["year"]} == {2023: 1, 2024: 1, 2016: 1}
    assert {v: n for v, _, n in page.facets["review_type"]} == {"LCSPR": 1, "SCR": 1}
    assert {label: n for _, label, n in page.facets["theme"]} == {"Neglect": 3, "Housing": 1}

    reviews = search.search("neglect", kind="review")
    assert reviews.total == 2
    # Each facet is counted with the other facets' filters: kind still shows both kinds.
    assert {v: n for v, _, n in reviews.facets["kind"]} == {"review": 2, "briefing": 1}
    assert {v: n for v, _, n in reviews.facets["year"]} == {2023: 1, 2016: 1}

    assert search.search("neglect", theme="housing").total == 1
    assert search.search("neglect", year=[2023, 2024]).total == 2
    assert search.search("neglect", review_type="lcspr").total == 1
    assert search.search("neglect", kind="review", year=2024).total == 0


def test_an_empty_query_lists_everything_newest_first():
    old = make_item(title="Old", year=2015)
    new = make_item(title="New", year=2025)
    middle = make_item(title="Middle", year=2020)

    page = search.search("")

    assert ids(page) == [new.pk, middle.pk, old.pk]
    assert page.mode == "browse"


def test_paging():
    items = [make_item(title=f"Neglect case {n}") for n in range(5)]

    first = search.search("neglect", per_page=2)
    second = search.search("neglect", per_page=2, page=2)
    third = search.search("neglect", per_page=2, page=3)

    assert first.total == 5
    assert first.num_pages == 3
    seen = ids(first) + ids(second) + ids(third)
    assert sorted(seen) == sorted(i.pk for i in items)
    assert len(ids(third)) == 1


def test_scores_are_between_zero_and_one_in_rank_order():
    make_item(title="Neglect", summary="Neglect and neglect.")
    make_item(title="Other", summary="Some neglect.")

    scores = [hit.score for hit in search.search("neglect").results]

    assert scores == sorted(scores, reverse=True)
    assert all(0 <= s <= 1 for s in scores)


def test_the_search_works_without_the_embedding_model(monkeypatch):
    from sightline.publishing.search import semantic

    item = make_item(title="Neglect of a disabled child")
    monkeypatch.setattr(semantic, "model", lambda: None)

    page = search.search("neglect")

    assert ids(page) == [item.pk]
    assert page.semantic is False


def test_stop_words_alone_find_nothing():
    make_item(title="The review")

    assert search.search("the and of").total == 0


def test_query_parsing_units_and_synonyms():
    table = query_module.SynonymTable(
        [["A&E", "accident and emergency"], ["NAI", "non-accidental injury"]]
    )

    parsed = query_module.parse("NAI at A&E after co-sleeping, mum's", table)

    texts = [c.alternatives for c in parsed.concepts]
    assert texts[0] == ["nai", "non accidental injury"]
    assert texts[1] == ["accident and emergency"]  # "a e" says nothing an engine can find
    assert texts[2] == ["co sleeping", "cosleeping"]
    assert texts[3] == ["mum"]


def test_spelling_correction_limits():
    vocabulary = {"n": [("neglect", 10), ("neglected", 3)], "f": [("five", 4)]}

    assert query_module.correct_word("neglekt", vocabulary) == "neglect"
    assert query_module.correct_word("nglect", vocabulary) == "neglect"
    assert query_module.correct_word("nxxxxxt", vocabulary) is None
