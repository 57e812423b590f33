"""Services for core reference data: themes, calendar overrides and clocks, and the seeded
theme list."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from sightline.core import clocks, services
from sightline.core.models import CalendarOverride, ClockDefinition, Event, Theme
from sightline.core.versioning import StaleEdit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_calendar():
    clocks.clear_calendar_cache()
    yield
    clocks.clear_calendar_cache()


@pytest.fixture
def admin(make_user):
    return make_user("system_admin", full_name="Sam Admin")


def last_event(obj) -> Event:
    return Event.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).last()


# --- Seeded themes -------------------------------------------------------------------------


def test_starter_themes_are_seeded_with_a_kind_and_description():
    seeded = Theme.objects.filter(created_by__isnull=True)
    assert seeded.count() >= 22
    neglect = Theme.objects.get(slug="neglect")
    assert neglect.name == "Neglect"
    assert neglect.active
    assert all(t.description for t in seeded)
    assert set(seeded.values_list("kind", flat=True)) <= set(Theme.Kind.values)
    assert Theme.objects.filter(name="Sudden unexpected death in infancy (SUDI)").exists()


# --- Themes --------------------------------------------------------------------------------


def test_theme_create_stamps_the_creator_and_records_the_new_values(admin):
    theme = services.theme_create(
        by=admin,
        name="Housing and homelessness",
        kind=Theme.Kind.SYSTEMIC,
        description="Where families live.",
    )

    assert theme.slug == "housing-and-homelessness"
    assert theme.created_by == admin
    assert theme.updated_by == admin
    assert theme.version == 1
    assert theme.active
    event = last_event(theme)
    assert event.action == "theme.create"
    assert event.actor == admin
    assert event.changes["name"] == [None, "Housing and homelessness"]
    assert event.changes["kind"] == [None, "systemic"]
    assert event.changes["slug"] == [None, "housing-and-homelessness"]


def test_theme_slug_is_made_unique_when_the_name_slugifies_to_a_taken_slug(admin):
    theme = services.theme_create(by=admin, name="Neglect!", kind=Theme.Kind.PRACTICE)
    again = services.theme_create(by=admin, name="Neglect?", kind=Theme.Kind.PRACTICE)

    assert theme.slug == "neglect-2"
    assert again.slug == "neglect-3"


def test_theme_update_records_only_what_changed_and_keeps_the_slug(admin):
    theme = services.theme_create(by=admin, name="Bullying", kind=Theme.Kind.PRACTICE)

    services.theme_update(
        theme=theme,
        by=admin,
        expected_version=1,
        name="Bullying and peer abuse",
        kind=Theme.Kind.PRACTICE,
    )

    theme.refresh_from_db()
    assert theme.name == "Bullying and peer abuse"
    assert theme.slug == "bullying"
    assert theme.version == 2
    event = last_event(theme)
    assert event.action == "theme.update"
    assert event.changes == {"name": ["Bullying", "Bullying and peer abuse"]}


def test_theme_update_from_an_old_version_is_refused_and_changes_nothing(admin):
    theme = services.theme_create(by=admin, name="Bullying", kind=Theme.Kind.PRACTICE)
    services.theme_update(
        theme=Theme.objects.get(pk=theme.pk), by=admin, expected_version=1, description="First save"
    )
    events = Event.objects.count()

    with pytest.raises(StaleEdit) as refused:
        services.theme_update(
            theme=Theme.objects.get(pk=theme.pk),
            by=admin,
            expected_version=1,
            description="Second save",
        )

    assert refused.value.current.description == "First save"
    theme.refresh_from_db()
    assert theme.description == "First save"
    assert Event.objects.count() == events


def test_theme_update_refuses_fields_it_does_not_manage(admin):
    theme = services.theme_create(by=admin, name="Bullying", kind=Theme.Kind.PRACTICE)

    with pytest.raises(TypeError):
        services.theme_update(theme=theme, by=admin, expected_version=1, slug="other")


def test_theme_archive_takes_it_out_of_use_and_restore_brings_it_back(admin):
    theme = services.theme_create(by=admin, name="Bullying", kind=Theme.Kind.PRACTICE)

    services.theme_archive(theme=theme, by=admin)
    theme.refresh_from_db()
    assert theme.is_archived
    assert not theme.active
    event = last_event(theme)
    assert event.action == "theme.archive"
    assert event.changes["active"] == [True, False]
    assert event.changes["archived_at"][0] is None
    assert event.changes["archived_at"][1]

    services.theme_restore(theme=theme, by=admin)
    theme.refresh_from_db()
    assert not theme.is_archived
    assert theme.active
    event = last_event(theme)
    assert event.action == "theme.restore"
    assert event.changes["active"] == [False, True]


# --- Calendar overrides --------------------------------------------------------------------


def test_calendar_override_create_changes_the_working_calendar(admin):
    day = date(2031, 3, 12)  # a Wednesday
    assert clocks.get_calendar().is_working_day(day)

    override = services.calendar_override_create(
        by=admin, date=day, kind=CalendarOverride.Kind.CLOSED, name="Office move"
    )

    assert not clocks.get_calendar().is_working_day(day)
    event = last_event(override)
    assert event.action == "calendar_override.create"
    assert event.changes["date"] == [None, "2031-03-12"]
    assert event.changes["kind"] == [None, "closed"]
    assert event.changes["name"] == [None, "Office move"]


def test_calendar_override_update_records_the_change(admin):
    override = services.calendar_override_create(
        by=admin, date=date(2031, 3, 12), kind=CalendarOverride.Kind.CLOSED, name="Office move"
    )

    services.calendar_override_update(
        override=override,
        by=admin,
        expected_version=1,
        date=date(2031, 3, 13),
        name="Office move (moved)",
    )

    override.refresh_from_db()
    assert override.date == date(2031, 3, 13)
    assert override.updated_by == admin
    event = last_event(override)
    assert event.action == "calendar_override.update"
    assert event.changes == {
        "date": ["2031-03-12", "2031-03-13"],
        "name": ["Office move", "Office move (moved)"],
    }


def test_calendar_override_update_from_an_old_version_is_refused(admin):
    override = services.calendar_override_create(
        by=admin, date=date(2031, 3, 12), kind=CalendarOverride.Kind.CLOSED, name="Office move"
    )
    services.calendar_override_update(
        override=CalendarOverride.objects.get(pk=override.pk),
        by=admin,
        expected_version=1,
        name="First",
    )

    with pytest.raises(StaleEdit):
        services.calendar_override_update(
            override=CalendarOverride.objects.get(pk=override.pk),
            by=admin,
            expected_version=1,
            name="Second",
        )

    override.refresh_from_db()
    assert override.name == "First"


def test_calendar_override_archive_restores_the_usual_calendar(admin):
    day = date(2031, 3, 12)
    override = services.calendar_override_create(
        by=admin, date=day, kind=CalendarOverride.Kind.CLOSED, name="Office move"
    )

    services.calendar_override_archive(override=override, by=admin)

    override.refresh_from_db()
    assert override.is_archived
    assert clocks.get_calendar().is_working_day(day)
    event = last_event(override)
    assert event.action == "calendar_override.archive"
    assert event.changes["archived_at"][0] is None
    assert event.changes["archived_at"][1]


def test_a_new_override_for_an_archived_date_brings_the_record_back(admin):
    day = date(2031, 12, 29)
    first = services.calendar_override_create(
        by=admin, date=day, kind=CalendarOverride.Kind.CLOSED, name="Closure"
    )
    services.calendar_override_archive(override=first, by=admin)

    again = services.calendar_override_create(
        by=admin, date=day, kind=CalendarOverride.Kind.CLOSED, name="Closure again"
    )

    assert again.pk == first.pk
    again.refresh_from_db()
    assert not again.is_archived
    assert again.name == "Closure again"
    assert CalendarOverride.objects.filter(date=day).count() == 1
    event = last_event(again)
    assert event.action == "calendar_override.create"
    assert event.changes["name"] == ["Closure", "Closure again"]
    assert event.changes["archived_at"][1] is None


def test_a_second_live_override_for_the_same_date_is_refused(admin):
    day = date(2031, 12, 29)
    services.calendar_override_create(by=admin, date=day, kind="closed", name="Closure")

    with pytest.raises(ValidationError):
        services.calendar_override_create(by=admin, date=day, kind="closed", name="Again")


def test_an_open_override_makes_a_bank_holiday_a_working_day(admin):
    holiday = date(2030, 1, 1)  # New Year's Day, a Tuesday
    assert not clocks.get_calendar().is_working_day(holiday)

    services.calendar_override_create(
        by=admin, date=holiday, kind=CalendarOverride.Kind.OPEN, name="Office open"
    )

    assert clocks.get_calendar().is_working_day(holiday)


# --- Clocks --------------------------------------------------------------------------------


def test_clock_update_changes_the_deadline_and_records_it(admin):
    clock = ClockDefinition.objects.get(code="rapid-review")
    start = date(2031, 3, 3)
    before_due = clocks.clock_due("rapid-review", start)

    services.clock_update(
        clock=clock,
        by=admin,
        expected_version=clock.version,
        length=20,
        due_soon_working_days=7,
        source="Local agreement, 1 April 2031",
    )

    clock.refresh_from_db()
    assert clock.length == 20
    assert clock.due_soon_working_days == 7
    assert clocks.clock_due("rapid-review", start) > before_due
    event = last_event(clock)
    assert event.action == "clock.update"
    assert event.actor == admin
    assert event.changes["length"] == [15, 20]
    assert event.changes["due_soon_working_days"] == [5, 7]
    assert event.changes["source"][1] == "Local agreement, 1 April 2031"


def test_clock_update_refuses_a_zero_length_and_fields_it_does_not_manage(admin):
    clock = ClockDefinition.objects.get(code="rapid-review")

    with pytest.raises(ValidationError):
        services.clock_update(clock=clock, by=admin, expected_version=clock.version, length=0)
    with pytest.raises(TypeError):
        services.clock_update(
            clock=clock, by=admin, expected_version=clock.version, unit=ClockDefinition.Unit.MONTHS
        )

    clock.refresh_from_db()
    assert clock.length == 15
    assert clock.unit == ClockDefinition.Unit.WORKING_DAYS


def test_clock_update_from_an_old_version_is_refused(admin):
    clock = ClockDefinition.objects.get(code="rapid-review")
    version = clock.version
    services.clock_update(
        clock=ClockDefinition.objects.get(pk=clock.pk),
        by=admin,
        expected_version=version,
        length=16,
    )

    with pytest.raises(StaleEdit):
        services.clock_update(
            clock=ClockDefinition.objects.get(pk=clock.pk),
            by=admin,
            expected_version=version,
            length=17,
        )

    clock.refresh_from_db()
    assert clock.length == 16
