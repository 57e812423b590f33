"""Every write to core reference data: themes, calendar overrides and clock definitions."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from sightline.core.events import diff, record_event, snapshot
from sightline.core.models import CalendarOverride, ClockDefinition, Theme
from sightline.core.versioning import create_record, save_versioned

THEME_FIELDS = ["name", "slug", "kind", "description", "active", "archived_at"]
THEME_EDITABLE = {"name", "kind", "description"}
OVERRIDE_FIELDS = ["date", "kind", "name", "archived_at"]
OVERRIDE_EDITABLE = {"date", "kind", "name"}
CLOCK_FIELDS = ["length", "due_soon_working_days", "source"]


def _check_fields(fields: dict, allowed: set[str]) -> None:
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"Fields that cannot be changed here: {', '.join(sorted(unknown))}")


# --- Themes --------------------------------------------------------------------------------


def theme_slug(name: str, *, exclude_pk: int | None = None) -> str:
    """A slug for the name, unique among all themes (archived ones too): neglect, neglect-2."""
    max_length = Theme._meta.get_field("slug").max_length
    base = slugify(name)[: max_length - 4].strip("-") or "theme"
    taken = Theme.objects.filter(slug__startswith=base)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    used = set(taken.values_list("slug", flat=True))
    slug, number = base, 1
    while slug in used:
        number += 1
        slug = f"{base}-{number}"
    return slug


@transaction.atomic
def theme_create(*, by, name: str, kind: str, description: str = "") -> Theme:
    theme = create_record(
        Theme(name=name, slug=theme_slug(name), kind=kind, description=description), by=by
    )
    record_event(
        action="theme.create", actor=by, obj=theme, changes=diff({}, snapshot(theme, THEME_FIELDS))
    )
    return theme


@transaction.atomic
def theme_update(*, theme: Theme, by, expected_version: int, **fields) -> Theme:
    """Change a theme's name, kind or description. The slug stays as it was, so links and
    filters that use it keep working after a rename."""
    _check_fields(fields, THEME_EDITABLE)
    before = snapshot(theme, THEME_FIELDS)
    for key, value in fields.items():
        setattr(theme, key, value)
    save_versioned(theme, by=by, expected_version=expected_version, fields=list(fields))
    record_event(
        action="theme.update",
        actor=by,
        obj=theme,
        changes=diff(before, snapshot(theme, THEME_FIELDS)),
    )
    return theme


@transaction.atomic
def theme_archive(*, theme: Theme, by) -> Theme:
    """Take a theme out of use. Records already tagged with it keep it."""
    before = snapshot(theme, THEME_FIELDS)
    theme.archived_at = timezone.now()
    theme.active = False
    save_versioned(theme, by=by, expected_version=theme.version, fields=["archived_at", "active"])
    record_event(
        action="theme.archive",
        actor=by,
        obj=theme,
        changes=diff(before, snapshot(theme, THEME_FIELDS)),
    )
    return theme


@transaction.atomic
def theme_restore(*, theme: Theme, by) -> Theme:
    """Put an archived theme back into use."""
    before = snapshot(theme, THEME_FIELDS)
    theme.archived_at = None
    theme.active = True
    save_versioned(theme, by=by, expected_version=theme.version, fields=["archived_at", "active"])
    record_event(
        action="theme.restore",
        actor=by,
        obj=theme,
        changes=diff(before, snapshot(theme, THEME_FIELDS)),
    )
    return theme


# --- Calendar overrides --------------------------------------------------------------------


@transaction.atomic
def calendar_override_create(*, by, date: dt.date, kind: str, name: str) -> CalendarOverride:
    """Add an override for a date. A date whose earlier override was archived gets that
    record back with the new values, so each date has one history."""
    archived = (
        CalendarOverride.objects.select_for_update()
        .filter(date=date, archived_at__isnull=False)
        .first()
    )
    if archived is None:
        override = create_record(CalendarOverride(date=date, kind=kind, name=name), by=by)
        before = {}
    else:
        override = archived
        before = snapshot(override, OVERRIDE_FIELDS)
        override.kind, override.name, override.archived_at = kind, name, None
        save_versioned(
            override,
            by=by,
            expected_version=override.version,
            fields=["kind", "name", "archived_at"],
        )
    record_event(
        action="calendar_override.create",
        actor=by,
        obj=override,
        changes=diff(before, snapshot(override, OVERRIDE_FIELDS)),
    )
    return override


@transaction.atomic
def calendar_override_update(
    *, override: CalendarOverride, by, expected_version: int, **fields
) -> CalendarOverride:
    _check_fields(fields, OVERRIDE_EDITABLE)
    before = snapshot(override, OVERRIDE_FIELDS)
    for key, value in fields.items():
        setattr(override, key, value)
    save_versioned(override, by=by, expected_version=expected_version, fields=list(fields))
    record_event(
        action="calendar_override.update",
        actor=by,
        obj=override,
        changes=diff(before, snapshot(override, OVERRIDE_FIELDS)),
    )
    return override


@transaction.atomic
def calendar_override_archive(*, override: CalendarOverride, by) -> CalendarOverride:
    """Stop an override applying; the published bank holidays apply to that date again."""
    before = snapshot(override, OVERRIDE_FIELDS)
    override.archived_at = timezone.now()
    save_versioned(override, by=by, expected_version=override.version, fields=["archived_at"])
    record_event(
        action="calendar_override.archive",
        actor=by,
        obj=override,
        changes=diff(before, snapshot(override, OVERRIDE_FIELDS)),
    )
    return override


# --- Clocks --------------------------------------------------------------------------------


@transaction.atomic
def clock_update(*, clock: ClockDefinition, by, expected_version: int, **fields) -> ClockDefinition:
    """Change a clock's length, due-soon warning or source. Its unit and start event are
    fixed by the process that declares it."""
    _check_fields(fields, set(CLOCK_FIELDS))
    if "length" in fields and fields["length"] < 1:
        raise ValidationError({"length": "The length must be at least 1"})
    before = snapshot(clock, CLOCK_FIELDS)
    for key, value in fields.items():
        setattr(clock, key, value)
    save_versioned(clock, by=by, expected_version=expected_version, fields=list(fields))
    record_event(
        action="clock.update",
        actor=by,
        obj=clock,
        changes=diff(before, snapshot(clock, CLOCK_FIELDS)),
    )
    return clock
