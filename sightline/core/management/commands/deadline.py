"""Print a deadline: ``manage.py deadline START N`` or ``manage.py deadline START --months N``."""

from __future__ import annotations

import re
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from sightline.core.clocks import get_calendar

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")
_MAX_COUNT = 10**6


def _fail(message: str) -> CommandError:
    return CommandError(message, returncode=2)


def _parse_date(value: str) -> date:
    text = value.strip()
    try:
        if not _ISO_DATE.fullmatch(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise _fail(f"Start date {value!r} is not a valid date: use YYYY-MM-DD.") from None


def _parse_count(value: str, what: str) -> int:
    text = value.strip()
    if not _WHOLE_NUMBER.fullmatch(text):
        raise _fail(f"The number of {what} must be a whole number, not {value!r}.")
    number = int(text)
    if number < 0:
        raise _fail(f"The number of {what} must be zero or more, not {number}.")
    if number > _MAX_COUNT:
        raise _fail(f"The number of {what} must be at most {_MAX_COUNT}, not {number}.")
    return number


class Command(BaseCommand):
    help = (
        "Print the ISO date of the Nth working day after START (day 0), using bank holidays "
        "and calendar overrides; with --months N, print the date N months after START."
    )
    # A read-only calculation: it should answer even while unrelated checks fail.
    requires_system_checks = []

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        # Argument errors are reported on one line (no usage block) with exit status 2.
        parser.print_usage = lambda file=None: None
        return parser

    def add_arguments(self, parser):
        # Values are taken as text and checked here so that every mistake gets one clear line.
        parser.add_argument("start", nargs="?", metavar="START", help="day 0, as YYYY-MM-DD")
        parser.add_argument("n", nargs="?", metavar="N", help="number of working days")
        parser.add_argument("--months", metavar="N", help="number of months instead")

    def handle(self, *args, start=None, n=None, months=None, **options):
        if start is None:
            raise _fail("Give a start date as YYYY-MM-DD.")
        day0 = _parse_date(str(start))
        if n is None and months is None:
            raise _fail("Give a number of working days N, or --months N.")
        if n is not None and months is not None:
            raise _fail("Give either a number of working days N or --months N, not both.")
        if months is not None:
            count = _parse_count(str(months), "months")
        else:
            count = _parse_count(str(n), "working days")
        try:
            calendar = get_calendar()
        except DatabaseError as exc:
            detail = (str(exc).splitlines() or [type(exc).__name__])[0]
            raise CommandError(
                f"Could not read the working calendar from the database ({detail}); "
                "run 'manage.py migrate' first."
            ) from None
        try:
            if months is not None:
                result = calendar.add_months(day0, count)
            else:
                result = calendar.add_working_days(day0, count)
        except ValueError as exc:
            raise _fail(str(exc)) from None
        self.stdout.write(result.isoformat())
