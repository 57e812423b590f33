"""`manage.py deadline` and `manage.py sync_bank_holidays`, and the database-backed clocks."""

import os
import subprocess
import sys
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from sightline.core import clocks
from sightline.core.models import BankHoliday, CalendarOverride, ClockDefinition

PROJECT_DIR = Path(__file__).resolve().parents[3]
MANAGE = PROJECT_DIR / "manage.py"


@pytest.fixture(autouse=True)
def _fresh_calendar():
    clocks.clear_calendar_cache()
    yield
    clocks.clear_calendar_cache()


def run_deadline(*args):
    out = StringIO()
    call_command("deadline", *args, stdout=out)
    return out.getvalue().strip()


def manage(*args, env_extra=None, timeout=120):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings_test"),
        "PYTHONDONTWRITEBYTECODE": "1",
        **(env_extra or {}),
    }
    return subprocess.run(
        [sys.executable, str(MANAGE), *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


# --------------------------------------------------------------------------------------------
# Success paths (in process, test database with the seeded bank holidays)
# --------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "expected"),
    [
        # Hand-checked: 22, 23, 24, (25 Christmas, weekend, 28 Boxing Day substitute), 29, 30.
        (("2026-12-21", "5"), "2026-12-30"),
        (("2026-12-21", "7"), "2027-01-04"),
        (("2026-12-21", "0"), "2026-12-21"),
        (("2026-04-02", "5"), "2026-04-13"),
        (("2026-05-01", "15"), "2026-05-26"),
        (("2026-08-31", "--months", "6"), "2027-02-28"),
        (("2027-08-31", "--months=6"), "2028-02-29"),
        (("2024-02-29", "--months", "12"), "2025-02-28"),
        (("2026-12-21", "--months", "0"), "2026-12-21"),
    ],
)
def test_deadline_prints_the_iso_date(args, expected):
    assert run_deadline(*args) == expected


@pytest.mark.django_db
def test_closed_override_moves_the_deadline():
    assert run_deadline("2026-12-21", "5") == "2026-12-30"
    CalendarOverride.objects.create(
        date=date(2026, 12, 29), kind=CalendarOverride.Kind.CLOSED, name="Office closure"
    )
    assert run_deadline("2026-12-21", "5") == "2026-12-31"


@pytest.mark.django_db
def test_open_override_makes_a_holiday_a_working_day():
    CalendarOverride.objects.create(
        date=date(2026, 12, 28), kind=CalendarOverride.Kind.OPEN, name="Partnership works"
    )
    assert run_deadline("2026-12-21", "5") == "2026-12-29"


@pytest.mark.django_db
def test_archived_override_is_ignored():
    override = CalendarOverride.objects.create(
        date=date(2026, 12, 29), kind=CalendarOverride.Kind.CLOSED, name="Office closure"
    )
    assert run_deadline("2026-12-21", "5") == "2026-12-31"
    override.archived_at = timezone.now()
    override.updated_at = timezone.now()
    override.save()
    assert run_deadline("2026-12-21", "5") == "2026-12-30"


# --------------------------------------------------------------------------------------------
# Error paths
# --------------------------------------------------------------------------------------------

BAD_INPUT = [
    pytest.param(["not-a-date", "5"], "valid date", id="unparseable-date"),
    pytest.param(["2026-02-30", "5"], "valid date", id="impossible-date"),
    pytest.param(["21/12/2026", "5"], "valid date", id="uk-format-date"),
    pytest.param(["2026-12-21", "-3"], "zero or more", id="negative-n"),
    pytest.param(["2026-12-21", "2.5"], "whole number", id="fractional-n"),
    pytest.param(["2026-12-21", "five"], "whole number", id="word-n"),
    pytest.param(["2026-12-21"], "Give a number", id="neither"),
    pytest.param(["2026-12-21", "5", "--months", "2"], "not both", id="both"),
    pytest.param(["2026-12-21", "--months", "-1"], "zero or more", id="negative-months"),
    pytest.param(["2026-12-21", "--months", "six"], "whole number", id="word-months"),
    pytest.param([], "start date", id="no-arguments"),
]


@pytest.mark.parametrize(("args", "message"), BAD_INPUT)
def test_bad_input_raises_command_error_with_status_2(args, message):
    with pytest.raises(CommandError, match=message) as excinfo:
        call_command("deadline", *args, stdout=StringIO(), stderr=StringIO())
    assert excinfo.value.returncode == 2
    assert "\n" not in str(excinfo.value)


def _assert_one_line_error(result, message):
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert message in lines[0]


@pytest.mark.parametrize(("args", "message"), BAD_INPUT)
def test_bad_input_on_the_command_line_exits_2_with_one_line(args, message):
    _assert_one_line_error(manage("deadline", *args), message)


def test_unknown_option_exits_2_with_one_line():
    _assert_one_line_error(manage("deadline", "2026-12-21", "5", "--bogus"), "unrecognized")


def test_command_line_success_on_a_migrated_database(tmp_path):
    env = {"SIGHTLINE_VAR_DIR": str(tmp_path)}
    migrated = manage("migrate", "--noinput", env_extra=env, timeout=300)
    assert migrated.returncode == 0, migrated.stderr
    result = manage("deadline", "2026-12-21", "5", env_extra=env)
    assert (result.returncode, result.stdout, result.stderr) == (0, "2026-12-30\n", "")
    months = manage("deadline", "2026-08-31", "--months", "6", env_extra=env)
    assert (months.returncode, months.stdout) == (0, "2027-02-28\n")
    synced = manage("sync_bank_holidays", env_extra=env)
    assert synced.returncode == 0, synced.stderr
    assert "holds" in synced.stdout


# --------------------------------------------------------------------------------------------
# The database-backed clocks
# --------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_migration_seeds_clocks_and_bank_holidays():
    codes = set(ClockDefinition.objects.values_list("code", flat=True))
    assert {
        "sin-notification",
        "rapid-review",
        "lcspr",
        "advance-copy",
        "publication-period",
        "action-reminder",
    } <= codes
    lcspr = ClockDefinition.objects.get(code="lcspr")
    assert (lcspr.length, lcspr.unit) == (6, "months")
    assert BankHoliday.objects.filter(date=date(2026, 12, 28)).exists()
    assert BankHoliday.objects.filter(date__year=2022).count() == 10


@pytest.mark.django_db
def test_clock_due_uses_the_definitions():
    assert clocks.clock_due("sin-notification", date(2026, 12, 21)) == date(2026, 12, 30)
    assert clocks.clock_due("rapid-review", date(2026, 5, 1)) == date(2026, 5, 26)
    assert clocks.clock_due("lcspr", date(2026, 8, 31)) == date(2027, 2, 28)
    assert clocks.clock_due("publication-period", date(2024, 2, 29)) == date(2025, 2, 28)
    # The reminder falls five working days before the action's due date.
    assert clocks.clock_due("action-reminder", date(2026, 12, 31)) == date(2026, 12, 22)
    with pytest.raises(ClockDefinition.DoesNotExist):
        clocks.clock_due("no-such-clock", date(2026, 1, 1))


@pytest.mark.django_db
def test_clock_status():
    status = clocks.clock_status("sin-notification", date(2026, 12, 21), today=date(2026, 12, 31))
    assert status.due == date(2026, 12, 30)
    assert (status.rag, status.working_days_left, status.calendar_days_left) == (
        "overdue",
        -1,
        -1,
    )
    early = clocks.clock_status("lcspr", date(2026, 8, 31), today=date(2026, 9, 1))
    assert early.rag == "on_track"
    default_today = clocks.clock_status("lcspr", clocks.today())
    assert default_today.rag == "on_track"


def test_today_is_the_london_date():
    assert clocks.today() == timezone.localdate(timezone=clocks.LONDON)


@pytest.mark.django_db
def test_calendar_is_cached_until_the_data_changes(django_assert_max_num_queries):
    first = clocks.get_calendar()
    with django_assert_max_num_queries(2):  # the fingerprint only
        assert clocks.get_calendar() is first
    CalendarOverride.objects.create(date=date(2026, 6, 1), name="Closure")
    rebuilt = clocks.get_calendar()
    assert rebuilt is not first
    assert not rebuilt.is_working_day(date(2026, 6, 1))


@pytest.mark.django_db
def test_stored_bank_holidays_are_authoritative_for_their_years():
    BankHoliday.objects.create(date=date(2031, 1, 1), name="New Year’s Day")
    cal = clocks.get_calendar()
    assert 2031 in cal.covered_years
    assert cal.is_working_day(date(2031, 12, 25))  # the table holds only one date for 2031
    assert not cal.is_working_day(date(2032, 12, 27))  # not held: the rules apply
    BankHoliday.objects.filter(date__year=2026).delete()
    clocks.clear_calendar_cache()
    # With no stored 2026 rows, the bundled data is used again.
    assert not clocks.get_calendar().is_working_day(date(2026, 12, 28))


@pytest.mark.django_db
def test_sync_bank_holidays_restores_missing_dates_and_keeps_local_edits():
    BankHoliday.objects.filter(date__year=2027).delete()
    BankHoliday.objects.filter(date=date(2026, 12, 25)).update(name="Christmas", source="admin")
    held = clocks.sync_bank_holidays()
    assert held == BankHoliday.objects.count()
    assert BankHoliday.objects.filter(date__year=2027).count() == 8
    assert BankHoliday.objects.get(date=date(2026, 12, 25)).name == "Christmas"
    out = StringIO()
    call_command("sync_bank_holidays", stdout=out)
    assert out.getvalue().strip() == f"Bank holiday table now holds {held} dates."
