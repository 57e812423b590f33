"""The back-catalogue import: `manage.py library_import FILE.jsonl`."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from sightline.core.models import Event, Theme
from sightline.publishing import search
from sightline.publishing.models import LibraryItem
from sightline.publishing.tests.test_library_support import SAMPLE

pytestmark = pytest.mark.django_db


def run(path) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("library_import", str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def record(**fields) -> str:
    values = {"id": "x-1", "kind": "review", "title": "A review", "published": "2024-02-03"}
    values.update(fields)
    return json.dumps(values)


def test_the_sample_imports_with_progress_and_a_summary():
    out, err = run(SAMPLE)

    assert "Imported 12, updated 0, skipped 0" in out
    assert "12 lines read" in out
    assert err == ""
    assert LibraryItem.objects.count() == 12
    ember = LibraryItem.objects.get(external_id="smp-001")
    assert ember.kind == "review"
    assert ember.published == dt.date(2024, 3, 14)
    assert ember.year == 2024
    assert ember.review_type == "LCSPR"
    assert ember.child == "Baby Ember"
    assert ember.is_public
    assert ember.removed_at is None
    assert {t.name for t in ember.themes.all()} == {
        "Non-accidental injury",  # the seeded theme, matched by name
        "Fathers and male carers",
        "Pre-birth assessment",
    }
    assert Event.objects.filter(action="library.import").exists()


def test_importing_again_updates_instead_of_duplicating(tmp_path):
    run(SAMPLE)
    changed = tmp_path / "changed.jsonl"
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[0])
    first["title"] = "Baby Ember: the review"
    changed.write_text("\n".join([json.dumps(first), *lines[1:]]) + "\n", encoding="utf-8")

    out, _ = run(changed)

    assert "Imported 0, updated 12, skipped 0" in out
    assert LibraryItem.objects.count() == 12
    item = LibraryItem.objects.get(external_id="smp-001")
    assert item.title == "Baby Ember: the review"
    assert [h.item.pk for h in search.search("Baby Ember: the review").results][:1] == [item.pk]


def test_a_year_alone_is_kept_as_the_year():
    run(SAMPLE)

    item = LibraryItem.objects.get(external_id="smp-003")
    assert item.published is None
    assert item.year == 2023


def test_seeded_themes_are_matched_without_their_abbreviation():
    run(SAMPLE)

    item = LibraryItem.objects.get(external_id="smp-003")
    assert "sudi" in {t.slug for t in item.themes.all()}
    assert not Theme.objects.filter(name__iexact="sudden unexpected death in infancy").exists()


def test_bad_lines_are_reported_with_their_numbers_and_the_rest_imported(tmp_path):
    path = tmp_path / "mixed.jsonl"
    lines = [
        record(id="ok-1"),
        "{not json",
        record(id="", title="No id"),
        json.dumps({"id": "no-title", "kind": "review"}),
        record(id="bad-kind", kind="podcast"),
        record(id="bad-date", published="14/03/2024"),
        record(id="bad-day", published="2024-02-30"),
        "",
        json.dumps(["a", "list"]),
        record(id="ok-2", kind="briefing", published="2021"),
        record(id="ok-1", title="Duplicate"),
        record(id="bad-themes", themes="neglect"),
        record(id="no-kind", kind=None),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    out, err = run(path)

    assert "Imported 2, updated 0, skipped 10" in out
    messages = err.splitlines()
    assert messages[0].startswith("line 2: invalid JSON")
    assert "line 3: missing id" in messages
    assert "line 4: missing title" in messages
    assert any(m.startswith("line 5: bad kind 'podcast'") for m in messages)
    assert any(m.startswith("line 6: bad date") for m in messages)
    assert any(m.startswith("line 7: bad date") for m in messages)
    assert any(m.startswith("line 9: invalid record") for m in messages)
    assert any(m.startswith("line 11: duplicate id 'ok-1'") for m in messages)
    assert "line 12: themes must be a list of text" in messages
    assert "line 13: missing kind" in messages
    assert set(LibraryItem.objects.values_list("external_id", flat=True)) == {"ok-1", "ok-2"}


def test_progress_is_shown_every_batch(tmp_path):
    path = tmp_path / "many.jsonl"
    path.write_text(
        "\n".join(record(id=f"n-{n}", title=f"Review number {n}") for n in range(250)) + "\n",
        encoding="utf-8",
    )
    out = StringIO()

    call_command("library_import", str(path), "--batch-size", "100", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0].startswith("100 lines read: 100 imported")
    assert lines[1].startswith("200 lines read: 200 imported")
    assert lines[2].startswith("250 lines read: 250 imported")
    assert lines[-1] == "Imported 250, updated 0, skipped 0"
    # Same titles get distinct slugs.
    assert LibraryItem.objects.values("slug").distinct().count() == 250


def test_slugs_are_unique_and_avoid_the_library_s_own_paths(tmp_path):
    path = tmp_path / "slugs.jsonl"
    path.write_text(
        "\n".join([record(id="a", title="Feed"), record(id="b", title="Feed")]) + "\n",
        encoding="utf-8",
    )

    run(path)

    assert sorted(LibraryItem.objects.values_list("slug", flat=True)) == ["feed-2", "feed-3"]


def test_a_missing_file_is_an_error():
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("library_import", "/nonexistent/file.jsonl", stdout=StringIO())


def test_rebuilding_the_index_finds_everything_again():
    run(SAMPLE)
    out = StringIO()

    call_command("library_import", "--rebuild-index", stdout=out)

    assert "Indexed 12 items" in out.getvalue()
    assert search.search("bruising").total >= 2
