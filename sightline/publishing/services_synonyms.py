"""Every write to the library search's synonym list (`SearchSynonym`).

A synonym is a term, usually an abbreviation kept as typed ("MARAC", "A&E", "ACEs"), and one or
more expansions. The search folds case, accents and punctuation before matching
(`sightline.publishing.search.query.units`), so terms that fold to the same words are the same
term: "MARAC", "marac" and "Marac" cannot all be added, nor "CP-IS" beside "CP IS". Archived
synonyms are kept but the search does not use them.

Every change makes this process's search read the list again at once; other processes notice
the change on their next search (see `sightline.publishing.search.engine`).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from sightline.core.events import diff, record_event, snapshot
from sightline.core.versioning import create_record, save_versioned
from sightline.publishing import search
from sightline.publishing.models import SearchSynonym
from sightline.publishing.search.query import units

SYNONYM_FIELDS = ["term", "expansions", "archived_at"]
TERM_MAX_LENGTH = SearchSynonym._meta.get_field("term").max_length
EXPANSION_MAX_LENGTH = 200


def _key(text: str) -> str:
    """The words the search looks for, folded: 'A&E' -> 'a e', 'Co-sleeping' -> 'co sleeping'."""
    return " ".join(units(text))


def normalise_term(term: str) -> str:
    """The term as typed, without surrounding or repeated spaces."""
    return " ".join((term or "").split())


def clean_term(term: str, *, exclude_pk: int | None = None) -> str:
    """The normalised term, or a ValidationError saying what is wrong with it."""
    term = normalise_term(term)
    if not term:
        raise ValidationError("Enter the term", code="required")
    if len(term) > TERM_MAX_LENGTH:
        raise ValidationError(
            f"Term must be {TERM_MAX_LENGTH} characters or fewer", code="max_length"
        )
    key = _key(term)
    if not key:
        raise ValidationError("Term must include letters or numbers", code="invalid")
    others = SearchSynonym.objects.only("pk", "term", "archived_at")
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    clash = next((s for s in others if _key(s.term) == key), None)
    if clash is not None and clash.is_archived:
        raise ValidationError(
            f"An archived synonym already has the term {clash.term}. "
            "Restore it from the list of search synonyms",
            code="unique",
        )
    if clash is not None:
        raise ValidationError(f"A synonym for {clash.term} already exists", code="unique")
    return term


def clean_expansions(expansions: str | Iterable[str], *, term: str = "") -> list[str]:
    """The expansions, one per line, without blank lines, repeated spaces or repeats (compared
    as the search compares them, so 'Child in need' repeats 'child in need'), and without any
    that only repeat the term. A ValidationError if none is left or one is unusable."""
    lines = expansions.splitlines() if isinstance(expansions, str) else list(expansions)
    seen = {_key(term)} if term else set()
    result = []
    for line in lines:
        expansion = " ".join((line or "").split())
        if not expansion:
            continue
        if len(expansion) > EXPANSION_MAX_LENGTH:
            raise ValidationError(
                f"Each expansion must be {EXPANSION_MAX_LENGTH} characters or fewer",
                code="max_length",
            )
        key = _key(expansion)
        if not key:
            raise ValidationError(
                f"Expansion ‘{expansion}’ must include letters or numbers", code="invalid"
            )
        if key in seen:
            continue
        seen.add(key)
        result.append(expansion)
    if not result:
        if any((line or "").strip() for line in lines):
            raise ValidationError(
                "Enter at least one expansion that is different from the term", code="same"
            )
        raise ValidationError("Enter at least one expansion", code="required")
    return result


def _clean(term: str, expansions, *, exclude_pk: int | None = None) -> tuple[str, str]:
    errors = {}
    try:
        term = clean_term(term, exclude_pk=exclude_pk)
    except ValidationError as exc:
        errors["term"] = exc.error_list
    try:
        lines = clean_expansions(expansions, term="" if errors else term)
    except ValidationError as exc:
        errors["expansions"] = exc.error_list
    if errors:
        raise ValidationError(errors)
    return term, "\n".join(lines)


def _changed() -> None:
    """The next search in this process reads the list again (now, for the rest of this
    transaction, and after it commits, for searches that read the list in between)."""
    search.forget_synonyms()
    transaction.on_commit(search.forget_synonyms)


@transaction.atomic
def synonym_create(*, by, term: str, expansions: str | Iterable[str]) -> SearchSynonym:
    """Add a term and what it stands for. Raises ValidationError ({field: messages})."""
    term, text = _clean(term, expansions)
    synonym = create_record(SearchSynonym(term=term, expansions=text), by=by)
    record_event(
        action="search_synonym.create",
        actor=by,
        obj=synonym,
        changes=diff({}, snapshot(synonym, SYNONYM_FIELDS)),
    )
    _changed()
    return synonym


@transaction.atomic
def synonym_update(
    *,
    synonym: SearchSynonym,
    by,
    expected_version: int,
    term: str,
    expansions: str | Iterable[str],
) -> SearchSynonym:
    """Change a synonym's term or expansions. Raises ValidationError, or StaleEdit when the
    synonym was saved by someone else after `expected_version`."""
    term, text = _clean(term, expansions, exclude_pk=synonym.pk)
    before = snapshot(synonym, SYNONYM_FIELDS)
    synonym.term, synonym.expansions = term, text
    save_versioned(synonym, by=by, expected_version=expected_version, fields=["term", "expansions"])
    record_event(
        action="search_synonym.update",
        actor=by,
        obj=synonym,
        changes=diff(before, snapshot(synonym, SYNONYM_FIELDS)),
    )
    _changed()
    return synonym


@transaction.atomic
def synonym_archive(*, synonym: SearchSynonym, by) -> SearchSynonym:
    """Stop the search using a synonym. It stays in the list, and can be restored."""
    before = snapshot(synonym, SYNONYM_FIELDS)
    synonym.archived_at = timezone.now()
    save_versioned(synonym, by=by, expected_version=synonym.version, fields=["archived_at"])
    record_event(
        action="search_synonym.archive",
        actor=by,
        obj=synonym,
        changes=diff(before, snapshot(synonym, SYNONYM_FIELDS)),
    )
    _changed()
    return synonym


@transaction.atomic
def synonym_restore(*, synonym: SearchSynonym, by) -> SearchSynonym:
    """Let the search use an archived synonym again."""
    before = snapshot(synonym, SYNONYM_FIELDS)
    synonym.archived_at = None
    save_versioned(synonym, by=by, expected_version=synonym.version, fields=["archived_at"])
    record_event(
        action="search_synonym.restore",
        actor=by,
        obj=synonym,
        changes=diff(before, snapshot(synonym, SYNONYM_FIELDS)),
    )
    _changed()
    return synonym
