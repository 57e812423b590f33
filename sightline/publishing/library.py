"""The public side of the library: what the public may see, and the back-catalogue import.

Reads (`public_items`, `item_for_public`, `document_for_public`, ...) are the only way the
public pages, the feed and the API reach library items: anything not public, removed or
unpublished gives 404 there. `import_catalogue()` brings in the back catalogue in the format of
`samples/library_sample.jsonl` (`manage.py library_import`).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Count, F, QuerySet
from django.http import Http404
from django.utils.text import slugify

from sightline.core.events import record_event
from sightline.core.models import Document, Theme
from sightline.publishing import search
from sightline.publishing.models import LibraryItem, PublicationPlan

# --------------------------------------------------------------------------- public reads


def public_items() -> QuerySet[LibraryItem]:
    """Every item the public may find: public and not removed, newest first."""
    return LibraryItem.objects.filter(is_public=True, removed_at__isnull=True).order_by(
        F("year").desc(nulls_last=True), F("published").desc(nulls_last=True), "-id"
    )


def latest_items(limit: int = 5) -> list[LibraryItem]:
    return list(public_items().prefetch_related("themes")[:limit])


def item_for_public(slug: str) -> LibraryItem:
    """A public catalogue entry (removed ones too: their page shows the removal notice)."""
    item = (
        LibraryItem.objects.filter(slug=slug, is_public=True)
        .select_related("document", "plan")
        .prefetch_related("themes")
        .first()
    )
    if item is None:
        raise Http404("Not found")
    return item


def is_offline(item: LibraryItem) -> bool:
    """Taken offline pending a decision on its removal: not public, but not removed either."""
    return item.plan_id is not None and item.plan.status == PublicationPlan.Status.OFFLINE


def document_for_public(slug: str) -> tuple[LibraryItem, Document]:
    item = item_for_public(slug)
    if item.removed_at is not None or item.document is None:
        raise Http404("Not found")
    return item, item.document


def paragraphs(text: str) -> list[str]:
    """Text split at blank lines, for <p class="govuk-body"> each (line breaks kept)."""
    return [p.strip() for p in re.split(r"\n\s*\n", text or "") if p.strip()]


def published_label(item: LibraryItem) -> str:
    """'14 March 2024', or '2023' when only the year is known."""
    from sightline.core.templatetags.govuk import govuk_date

    if item.published:
        return govuk_date(item.published)
    return str(item.year) if item.year else ""


def published_value(item: LibraryItem) -> str | None:
    """The publication date as in the import format: YYYY-MM-DD, YYYY or None."""
    if item.published:
        return item.published.isoformat()
    return str(item.year) if item.year else None


def linked_briefings(item: LibraryItem) -> list[LibraryItem]:
    """For a review: the public briefings made from the same case."""
    plan = item.plan
    if plan is None or plan.case_id is None:
        return []
    return list(
        public_items()
        .filter(kind=LibraryItem.Kind.BRIEFING, plan__briefing__source_case_id=plan.case_id)
        .exclude(pk=item.pk)
    )


def source_review(item: LibraryItem) -> LibraryItem | None:
    """For a briefing: the public review of the case it came from."""
    plan = item.plan
    if plan is None or plan.briefing_id is None:
        return None
    case_id = plan.briefing.source_case_id
    if case_id is None:
        return None
    return public_items().filter(kind=LibraryItem.Kind.REVIEW, plan__case_id=case_id).first()


@dataclass
class ActionProgress:
    rows: list[tuple[str, int]] = field(default_factory=list)  # (status label, count)
    total: int = 0
    done: int = 0


def action_progress(item: LibraryItem) -> ActionProgress | None:
    """For a review: how many of the case's actions are at each status. Counts only."""
    plan = item.plan
    if item.kind != LibraryItem.Kind.REVIEW or plan is None or plan.case_id is None:
        return None
    from django.contrib.contenttypes.models import ContentType

    from sightline.actions.models import Action, ActionStatus
    from sightline.reviews.models import Case

    case_type = ContentType.objects.get_for_model(Case)
    counts = dict(
        Action.objects.filter(
            plan__source_type=case_type,
            plan__source_id=str(plan.case_id),
            archived_at__isnull=True,
        )
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    if not counts:
        return None
    rows = [(label, counts[value]) for value, label in ActionStatus.choices if counts.get(value)]
    done = counts.get(ActionStatus.COMPLETE, 0) + counts.get(ActionStatus.SIGNED_OFF, 0)
    return ActionProgress(rows=rows, total=sum(counts.values()), done=done)


# --------------------------------------------------------------------------- import


class LineError(ValueError):
    """A line of the import file that cannot be used; the message says why."""


@dataclass
class ImportResult:
    imported: int = 0
    updated: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def processed(self) -> int:
        return self.imported + self.updated + self.skipped


_KINDS = {value for value, _ in LibraryItem.Kind.choices}
_YEAR = re.compile(r"^\d{4}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TEXT_FIELDS = {
    "title": 300,
    "child": 100,
    "partnership": 200,
    "review_type": 40,
    "summary": None,
    "text": None,
}


def _text(record: dict, name: str, limit: int | None) -> str:
    value = record.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise LineError(f"{name} must be text")
    value = value.replace("\x00", "").strip()
    if limit and len(value) > limit:
        raise LineError(f"{name} is longer than {limit} characters")
    return value


def _published(value) -> tuple[dt.date | None, int | None]:
    if value is None or value == "":
        return None, None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise LineError("bad date in published (use YYYY or YYYY-MM-DD)")
    value = value.strip()
    if _YEAR.match(value):
        year = int(value)
        if not 1900 <= year <= 2200:
            raise LineError(f"bad date in published: {value}")
        return None, year
    if _DATE.match(value):
        try:
            date = dt.date.fromisoformat(value)
        except ValueError:
            raise LineError(f"bad date in published: {value}") from None
        return date, date.year
    raise LineError(f"bad date in published: {value[:40]} (use YYYY or YYYY-MM-DD)")


def _decode(line: str) -> dict:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise LineError(f"invalid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(record, dict):
        raise LineError("invalid record (expected a JSON object)")
    return record


def _external_id(record: dict) -> str:
    external_id = record.get("id")
    if isinstance(external_id, int) and not isinstance(external_id, bool):
        external_id = str(external_id)
    if not isinstance(external_id, str) or not external_id.strip():
        raise LineError("missing id")
    if len(external_id.strip()) > 80:
        raise LineError("id is longer than 80 characters")
    return external_id.strip()


def _kind(record: dict) -> str:
    kind = record.get("kind")
    if kind in (None, ""):
        raise LineError("missing kind")
    if kind not in _KINDS:
        raise LineError(f"bad kind {str(kind)[:30]!r} (use {', '.join(sorted(_KINDS))})")
    return kind


def _themes(record: dict) -> list[str]:
    themes = record.get("themes") or []
    if not isinstance(themes, list) or not all(isinstance(t, str) for t in themes):
        raise LineError("themes must be a list of text")
    return [t.strip() for t in themes if t.strip()]


def _url(record: dict) -> str:
    url = record.get("url") or ""
    if not isinstance(url, str):
        raise LineError("url must be text")
    if url:
        if len(url) > 500:
            raise LineError("url is longer than 500 characters")
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            raise LineError("bad url (use an http or https address)") from None
    return url


def parse_line(line: str) -> dict:
    """Validate one JSONL line; the fields for LibraryItem plus 'id' and 'themes'."""
    record = _decode(line)
    external_id = _external_id(record)
    fields = {name: _text(record, name, limit) for name, limit in _TEXT_FIELDS.items()}
    if not fields["title"]:
        raise LineError("missing title")
    kind = _kind(record)
    published, year = _published(record.get("published"))
    return {
        "id": external_id,
        "kind": kind,
        "published": published,
        "year": year,
        "url": _url(record),
        "themes": _themes(record),
        **fields,
    }


def _theme_key(name: str) -> str:
    """'Sudden unexpected death in infancy (SUDI)' and 'sudden unexpected death in infancy'
    are the same theme."""
    name = re.sub(r"\([^)]*\)", " ", name)
    return " ".join(name.lower().split())


class _Themes:
    def __init__(self):
        self.by_key: dict[str, Theme] = {}
        for theme in Theme.objects.all():
            self.by_key.setdefault(_theme_key(theme.name), theme)
            self.by_key.setdefault(_theme_key(theme.slug.replace("-", " ")), theme)
        self.created = 0

    def get(self, name: str) -> Theme:
        from sightline.core.services import theme_create

        key = _theme_key(name)
        theme = self.by_key.get(key)
        if theme is None:
            label = name.strip()[:120]
            theme = theme_create(by=None, name=label[:1].upper() + label[1:], kind="practice")
            self.by_key[key] = theme
            self.created += 1
        return theme


RESERVED_SLUGS = frozenset({"feed", "subscribe", "unsubscribe", "document"})


def _unique_slug(title: str, taken: set[str]) -> str:
    max_length = LibraryItem._meta.get_field("slug").max_length
    base = slugify(title)[: max_length - 6].strip("-") or "item"
    slug, number = base, 1
    while slug in taken or slug in RESERVED_SLUGS:
        number += 1
        slug = f"{base}-{number}"
    taken.add(slug)
    return slug


_ITEM_FIELDS = ("kind", "title", "child", "partnership", "review_type", "published", "year",
                "summary", "text", "url")  # fmt: skip


def _apply_batch(batch: list[tuple[int, dict]], themes: _Themes, result: ImportResult) -> None:
    ids = [record["id"] for _, record in batch]
    existing = {
        item.external_id: item
        for item in LibraryItem.objects.filter(external_id__in=ids).prefetch_related("themes")
    }
    changed: list[int] = []
    with transaction.atomic():
        for _, record in batch:
            item = existing.get(record["id"])
            theme_objects = [themes.get(name) for name in record["themes"]]
            wanted_themes = {t.pk for t in theme_objects}
            if item is None:
                taken = set(
                    LibraryItem.objects.filter(
                        slug__startswith=slugify(record["title"])[:40]
                    ).values_list("slug", flat=True)
                )
                item = LibraryItem(
                    external_id=record["id"],
                    slug=_unique_slug(record["title"], taken),
                    **{name: record[name] for name in _ITEM_FIELDS},
                )
                item.save()
                item.themes.set(theme_objects)
                existing[record["id"]] = item
                result.imported += 1
                changed.append(item.pk)
                continue
            dirty = [n for n in _ITEM_FIELDS if getattr(item, n) != record[n]]
            for name in dirty:
                setattr(item, name, record[name])
            if dirty:
                item.save(update_fields=[*dirty, "updated_at"])
            if {t.pk for t in item.themes.all()} != wanted_themes:
                item.themes.set(theme_objects)
                dirty.append("themes")
            result.updated += 1
            if dirty:
                changed.append(item.pk)
        search.index_items(changed)


def import_catalogue(
    lines: Iterable[str],
    *,
    batch_size: int = 100,
    progress: Callable[[int, ImportResult], None] | None = None,
    error: Callable[[str], None] | None = None,
) -> ImportResult:
    """Import or update back-catalogue items, one JSON object per line (idempotent by `id`).

    Bad lines are reported as "line N: reason" and skipped; the rest are imported. Items are
    saved and indexed in batches of `batch_size`; `progress(lines_read, result)` is called
    after each batch."""
    result = ImportResult()
    themes = _Themes()
    batch: list[tuple[int, dict]] = []
    seen: dict[str, int] = {}
    number = 0

    def flush():
        if batch:
            _apply_batch(batch, themes, result)
            batch.clear()
        if progress:
            progress(number, result)

    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = parse_line(line)
            if record["id"] in seen:
                raise LineError(
                    f"duplicate id {record['id']!r} (first on line {seen[record['id']]})"
                )
        except LineError as exc:
            message = f"line {number}: {exc}"
            result.skipped += 1
            result.errors.append(message)
            if error:
                error(message)
            continue
        seen[record["id"]] = number
        batch.append((number, record))
        if len(batch) >= batch_size:
            flush()
    flush()
    record_event(
        action="library.import",
        object_type="publishing.libraryitem",
        changes={
            "imported": result.imported,
            "updated": result.updated,
            "skipped": result.skipped,
            "themes_created": themes.created,
        },
    )
    return result
