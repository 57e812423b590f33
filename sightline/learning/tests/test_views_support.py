"""Helpers shared by the briefing page tests (no tests here): the page's text, URLs and
references, date fields, a briefing form's data and an agency's acknowledgement made through
the services. `client_for(who)` (a signed-in client for each person) is in conftest.py."""

from __future__ import annotations

import re

from django.urls import reverse

from sightline.core.clocks import today
from sightline.learning import services
from sightline.learning.models import Dissemination

from .conftest import full_content


def text(response) -> str:
    return response.content.decode()


def url(name: str, *args) -> str:
    return reverse(f"learning:{name}", args=args)


def references_in(html: str) -> list[str]:
    return re.findall(r'href="/app/briefings/(7MB-\d{4}-\d{4})/"', html)


def date_fields(prefix: str, value) -> dict:
    return {
        f"{prefix}_day": value.day,
        f"{prefix}_month": value.month,
        f"{prefix}_year": value.year,
    }


def briefing_post(**overrides) -> dict:
    data = full_content()
    data["themes"] = []
    data["is_public"] = "on"
    data.update(overrides)
    return data


def ack(d: Dissemination, by, staff: int):
    d.refresh_from_db()
    return services.dissemination_acknowledge(
        dissemination=d,
        by=by,
        expected_version=d.version,
        teams="Teams",
        cascade_date=today(),
        staff_reached=staff,
        changes="Changes",
    )
