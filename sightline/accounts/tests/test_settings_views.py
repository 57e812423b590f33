"""The settings area: who may see it, agencies, reference data, refused stale edits and query
counts. The user pages are tested in test_settings_users_views.py."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sightline.accounts import services
from sightline.accounts.models import Agency, Membership, Role, User
from sightline.core import services as core_services
from sightline.core.models import CalendarOverride, ClockDefinition, Event, Theme

pytestmark = pytest.mark.django_db

MANAGER_ROLES = [Role.BUSINESS_UNIT, Role.SYSTEM_ADMIN]
OTHER_ROLES = [
    Role.AGENCY_LEAD,
    Role.PRACTITIONER,
    Role.PARTNER_LEAD,
    Role.SCRUTINEER,
    Role.REVIEWER,
]


def page_urls(r) -> list[str]:
    u = r["user"].pk
    return [
        reverse("settings:index"),
        reverse("settings:agency-list"),
        reverse("settings:agency-create"),
        reverse("settings:agency-edit", args=[r["agency"].pk]),
        reverse("settings:user-list"),
        reverse("settings:user-invite"),
        reverse("settings:user-detail", args=[u]),
        reverse("settings:user-edit", args=[u]),
        reverse("settings:user-deactivate", args=[u]),
        reverse("settings:user-reset-two-factor", args=[u]),
        reverse("settings:theme-list"),
        reverse("settings:theme-create"),
        reverse("settings:theme-edit", args=[r["theme"].pk]),
        reverse("settings:calendar-list"),
        reverse("settings:calendar-create"),
        reverse("settings:calendar-edit", args=[r["override"].pk]),
        reverse("settings:clock-list"),
        reverse("settings:clock-edit", args=[r["clock"].pk]),
    ]


def post_urls(r) -> list[str]:
    u = r["user"].pk
    membership = Membership.objects.get(user=r["user"])
    return [
        reverse("settings:user-role-propose", args=[u]),
        reverse("settings:user-membership-remove", args=[u, membership.pk]),
        reverse("settings:user-reactivate", args=[u]),
        reverse("settings:theme-archive", args=[r["theme"].pk]),
        reverse("settings:theme-restore", args=[r["theme"].pk]),
        reverse("settings:calendar-archive", args=[r["override"].pk]),
    ]


def h1_count(response) -> int:
    return len(re.findall(r"<h1[\s>]", response.content.decode()))


def events(action: str):
    return Event.objects.filter(action=action).order_by("id")


# --- Access --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", MANAGER_ROLES)
def test_every_settings_page_renders_for_settings_managers(
    role, make_user, signed_in_client, records
):
    client = signed_in_client(make_user(role))
    for url in page_urls(records):
        response = client.get(url)
        assert response.status_code == 200, url
        assert h1_count(response) == 1, url
        body = response.content.decode()
        assert "govuk-back-link" in body or "govuk-breadcrumbs" in body, url


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_settings_pages_are_not_found_for_everyone_else(role, make_user, signed_in_client, records):
    client = signed_in_client(make_user(role))
    for url in page_urls(records):
        assert client.get(url).status_code == 404, url
    for url in post_urls(records):
        assert client.post(url).status_code == 404, url
    assert Membership.objects.get(user=records["user"]).active
    assert not Theme.objects.get(pk=records["theme"].pk).is_archived


def test_settings_pages_are_not_found_for_a_user_with_no_roles(
    make_user, signed_in_client, records
):
    client = signed_in_client(make_user())
    assert client.get(reverse("settings:index")).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client, records):
    sign_in = reverse("accounts:sign-in")
    for url in page_urls(records) + post_urls(records):
        response = client.post(url) if url in post_urls(records) else client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(sign_in), url


# --- Agencies ------------------------------------------------------------------------------


def test_agency_list_counts_active_members(admin_client, agency, make_user, admin):
    make_user(Role.PRACTITIONER, agency=agency)
    removed = make_user(Role.PRACTITIONER, agency=agency)
    services.membership_remove(membership=Membership.objects.get(user=removed), by=admin)
    gone = make_user(Role.AGENCY_LEAD, agency=agency)
    services.user_deactivate(user=gone, by=admin, reason="Left")

    response = admin_client.get(reverse("settings:agency-list"))

    row = next(a for a in response.context["page_obj"] if a.pk == agency.pk)
    assert row.member_count == 2  # the admin and the first practitioner


def test_agency_create_through_the_page_records_an_event(admin_client, admin):
    response = admin_client.post(
        reverse("settings:agency-create"),
        {
            "name": "Northshire Police",
            "short_name": "NP",
            "kind": "safeguarding_partner",
            "email_domains": "northshire.police.uk",
            "safeguarding_lead": "",
            "active": "on",
        },
    )

    assert response.status_code == 302
    agency = Agency.objects.get(name="Northshire Police")
    assert agency.created_by == admin
    event = events("agency.create").last()
    assert event.actor == admin
    assert event.changes["name"] == [None, "Northshire Police"]


def test_agency_form_keeps_values_and_shows_errors(admin_client):
    response = admin_client.post(
        reverse("settings:agency-create"),
        {
            "name": "",
            "short_name": "XYZ",
            "kind": "other",
        },
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert "govuk-error-summary" in body
    assert "Enter the agency name" in body
    assert 'value="XYZ"' in body


def test_agency_edit_shows_who_created_and_changed_it(admin_client, agency):
    response = admin_client.get(reverse("settings:agency-edit", args=[agency.pk]))

    assert "Created on" in response.content.decode()
    assert "last changed on" in response.content.decode()


# --- Stale edits ---------------------------------------------------------------------------


def _stale_cases(records, admin):
    agency, theme, user, clock = (
        records["agency"],
        records["theme"],
        records["user"],
        records["clock"],
    )
    agency_form = {
        "short_name": "",
        "kind": agency.kind,
        "email_domains": "",
        "safeguarding_lead": "",
        "active": "on",
    }
    return [
        (
            reverse("settings:agency-edit", args=[agency.pk]),
            lambda name: {**agency_form, "name": name},
            lambda: Agency.objects.get(pk=agency.pk).name,
            agency.version,
        ),
        (
            reverse("settings:theme-edit", args=[theme.pk]),
            lambda name: {"name": name, "kind": "practice", "description": ""},
            lambda: Theme.objects.get(pk=theme.pk).name,
            theme.version,
        ),
        (
            reverse("settings:user-edit", args=[user.pk]),
            lambda name: {"full_name": name, "job_title": ""},
            lambda: User.objects.get(pk=user.pk).full_name,
            user.version,
        ),
        (
            reverse("settings:clock-edit", args=[clock.pk]),
            lambda name: {"length": "15", "due_soon_working_days": "5", "source": name},
            lambda: ClockDefinition.objects.get(pk=clock.pk).source,
            clock.version,
        ),
        (
            reverse("settings:calendar-edit", args=[records["override"].pk]),
            lambda name: {
                "date_day": "29",
                "date_month": "12",
                "date_year": "2031",
                "kind": "closed",
                "name": name,
            },
            lambda: CalendarOverride.objects.get(pk=records["override"].pk).name,
            records["override"].version,
        ),
    ]


@pytest.mark.parametrize("case", range(5))
def test_a_stale_edit_is_refused_and_the_first_save_kept(
    case, admin_client, signed_in_client, make_user, records, admin
):
    url, form, saved, version = _stale_cases(records, admin)[case]
    other_client = signed_in_client(make_user(Role.SYSTEM_ADMIN))
    # Both people open the form at the same version.
    assert admin_client.get(url).status_code == 200
    assert other_client.get(url).status_code == 200

    first = admin_client.post(url, {**form("First save"), "version": str(version)})
    assert first.status_code == 302
    second = other_client.post(url, {**form("Second save"), "version": str(version)})

    assert second.status_code == 200
    body = second.content.decode()
    assert "Your changes have not been saved" in body
    assert "Second save" in body  # what they typed is still in the form
    assert f'name="version" value="{version + 1}"' in body  # now at the saved version
    assert saved() == "First save"
    # Saving again from the conflict page is a deliberate overwrite.
    again = other_client.post(url, {**form("Second save"), "version": str(version + 1)})
    assert again.status_code == 302
    assert saved() == "Second save"


# --- Themes, working days and deadlines ----------------------------------------------------


def test_theme_create_archive_and_restore_through_the_pages(admin_client, admin):
    response = admin_client.post(
        reverse("settings:theme-create"),
        {
            "name": "Housing",
            "kind": "systemic",
            "description": "Where families live.",
        },
    )
    assert response.status_code == 302
    theme = Theme.objects.get(name="Housing")
    assert events("theme.create").last().actor == admin

    admin_client.post(reverse("settings:theme-archive", args=[theme.pk]))
    theme.refresh_from_db()
    assert theme.is_archived
    archived = admin_client.get(reverse("settings:theme-list"), {"status": "archived"})
    assert theme in archived.context["page_obj"].object_list

    admin_client.post(reverse("settings:theme-restore", args=[theme.pk]))
    theme.refresh_from_db()
    assert not theme.is_archived


def test_theme_form_refuses_a_duplicate_name_and_keeps_values(admin_client):
    response = admin_client.post(
        reverse("settings:theme-create"),
        {
            "name": "neglect",
            "kind": "practice",
            "description": "Kept text",
        },
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert "A theme with this name already exists" in body
    assert "Kept text" in body


def test_calendar_page_lists_overrides_beside_the_next_bank_holidays(admin_client, admin):
    from sightline.core.clocks import get_calendar, today

    day = today()
    calendar = get_calendar()
    upcoming = sorted(
        d for y in (day.year, day.year + 1) for d in calendar.holidays_in(y) if d >= day
    )
    core_services.calendar_override_create(
        by=admin, date=upcoming[0], kind="open", name="Office open on the bank holiday"
    )

    response = admin_client.get(reverse("settings:calendar-list"))

    holidays = response.context["bank_holidays"]
    assert len(holidays) >= 6
    assert holidays[0]["date"] == upcoming[0]
    assert holidays[0]["worked"]
    body = response.content.decode()
    assert "Office open on the bank holiday" in body
    assert "Working day (override)" in body


def test_calendar_override_create_through_the_page(admin_client, admin):
    response = admin_client.post(
        reverse("settings:calendar-create"),
        {
            "date_day": "28",
            "date_month": "12",
            "date_year": "2032",
            "kind": "closed",
            "name": "Office closed",
        },
    )

    assert response.status_code == 302
    override = CalendarOverride.objects.get(date=date(2032, 12, 28))
    assert override.created_by == admin
    assert events("calendar_override.create").last().actor == admin


def test_calendar_override_form_refuses_a_date_already_overridden(admin_client, records):
    response = admin_client.post(
        reverse("settings:calendar-create"),
        {
            "date_day": "29",
            "date_month": "12",
            "date_year": "2031",
            "kind": "closed",
            "name": "Duplicate",
        },
    )

    assert response.status_code == 200
    assert "There is already an override for this date" in response.content.decode()


def test_calendar_override_remove_through_the_page(admin_client, records):
    override = records["override"]

    response = admin_client.post(reverse("settings:calendar-archive", args=[override.pk]))

    assert response.status_code == 302
    override.refresh_from_db()
    assert override.is_archived
    assert events("calendar_override.archive").last().object_id == str(override.pk)


def test_clock_edit_through_the_page(admin_client, admin, records):
    clock = records["clock"]

    response = admin_client.post(
        reverse("settings:clock-edit", args=[clock.pk]),
        {
            "version": clock.version,
            "length": "20",
            "due_soon_working_days": "5",
            "source": clock.source,
        },
    )

    assert response.status_code == 302
    clock.refresh_from_db()
    assert clock.length == 20
    event = events("clock.update").last()
    assert event.actor == admin
    assert event.changes == {"length": [15, 20]}


def test_clock_edit_refuses_a_zero_length(admin_client, records):
    clock = records["clock"]

    response = admin_client.post(
        reverse("settings:clock-edit", args=[clock.pk]),
        {
            "version": clock.version,
            "length": "0",
            "due_soon_working_days": "5",
            "source": clock.source,
        },
    )

    assert response.status_code == 200
    assert "Length must be 1 or more" in response.content.decode()


# --- Query counts --------------------------------------------------------------------------


def _queries(client: Client, url: str) -> int:
    """Queries for one page, after a first request has recorded the session's start (tests
    that use this hold the session policy's clock still, so no later request records it)."""
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def _add_people(n, agency_factory, make_user, admin):
    for _ in range(n):
        agency = agency_factory(safeguarding_lead=admin)
        make_user(Role.PRACTITIONER, agency=agency)
        make_user(Role.AGENCY_LEAD, agency=agency)


def _add_reference_data(n, admin, start):
    for i in range(n):
        core_services.theme_create(by=admin, name=f"Query theme {start + i}", kind="practice")
        core_services.calendar_override_create(
            by=admin,
            date=date(2040, 1, 1).replace(day=1 + (start + i) % 28, month=1 + (start + i) // 28),
            kind="closed",
            name=f"Closure {start + i}",
        )


@pytest.mark.parametrize("url_name", ["settings:agency-list", "settings:user-list"])
def test_people_lists_use_the_same_number_of_queries_for_3_or_30_rows(
    url_name, admin_client, agency_factory, make_user, admin, clock
):
    url = reverse(url_name)
    _add_people(3, agency_factory, make_user, admin)
    few = _queries(admin_client, url)
    _add_people(27, agency_factory, make_user, admin)
    many = _queries(admin_client, url)

    assert many == few


@pytest.mark.parametrize(
    "url_name", ["settings:theme-list", "settings:calendar-list", "settings:clock-list"]
)
def test_reference_lists_use_the_same_number_of_queries_for_3_or_30_rows(
    url_name, admin_client, admin, clock
):
    url = reverse(url_name)
    _add_reference_data(3, admin, 0)
    few = _queries(admin_client, url)
    _add_reference_data(27, admin, 3)
    many = _queries(admin_client, url)

    assert many == few


def test_lists_page_at_50_rows(admin_client, admin):
    _add_reference_data(60, admin, 0)

    response = admin_client.get(reverse("settings:calendar-list"))

    assert len(response.context["page_obj"].object_list) == 50
    assert response.context["page_obj"].paginator.num_pages == 2
