"""Helpers and fixtures for the action plan page tests (`test_views_*.py`).

Agencies: home (the agency that owns actions by default) and away. People: bu (business unit),
lead (agency lead at home), away_lead, owner (a practitioner at home); bu_client and
lead_client are signed in as bu and lead. plan is an action plan made by bu;
make_action(...) adds an action to it (or to plan_), optionally forced into a status.
filter_world holds four actions across both agencies, statuses, themes and plans, for the
filter, sort and export tests.

test_services.py defines its own fixtures of the same names, which take precedence there.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from PIL import Image

from sightline.accounts.models import Role
from sightline.actions import services
from sightline.actions.models import Action
from sightline.core.clocks import today
from sightline.core.models import Theme

# --------------------------------------------------------------------------- helpers


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), (0, 112, 60)).save(buffer, format="PNG")
    return buffer.getvalue()


def text(response) -> str:
    return response.content.decode()


def references_in(html: str) -> list[str]:
    """Action references in the order their links appear in a table."""
    return re.findall(r'<a class="govuk-link" href="/app/actions/(ACT-\d{4}-\d{4})/">', html)


def section(html: str, start_id: str, end_id: str | None = None) -> str:
    start = html.index(f'id="{start_id}"')
    end = html.index(f'id="{end_id}"') if end_id else len(html)
    return html[start:end]


def date_fields(prefix: str, value) -> dict:
    return {
        f"{prefix}_day": value.day,
        f"{prefix}_month": value.month,
        f"{prefix}_year": value.year,
    }


def action_post(agency, *, due=None, owner=None, themes=(), version=None, **overrides) -> dict:
    data = {
        "lesson": "Fathers were not seen",
        "description": "Record fathers' details at every referral",
        "expected_change": "Fathers are seen in assessments",
        "owner_agency": agency.pk,
        "owner": owner.pk if owner else "",
        "themes": [t.pk for t in themes],
    }
    if due is not None:
        data.update(date_fields("due_date", due))
    if version is not None:
        data["version"] = version
    data.update(overrides)
    return data


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def home(agency_factory):
    return agency_factory("Northvale Police")


@pytest.fixture
def away(agency_factory):
    return agency_factory("Northvale Integrated Care Board")


@pytest.fixture
def bu(make_user, agency_factory):
    return make_user(Role.BUSINESS_UNIT, agency=agency_factory("Partnership business unit"))


@pytest.fixture
def lead(make_user, home):
    return make_user(Role.AGENCY_LEAD, agency=home, full_name="Lee Lead")


@pytest.fixture
def away_lead(make_user, away):
    return make_user(Role.AGENCY_LEAD, agency=away)


@pytest.fixture
def owner(make_user, home):
    return make_user(Role.PRACTITIONER, agency=home, full_name="Olu Owner")


@pytest.fixture
def plan(bu):
    return services.action_plan_create(by=bu, title="Neglect review actions", source="review")


@pytest.fixture
def make_action(bu, plan, home):
    def make(
        *,
        owner_agency=None,
        owner=None,
        due=None,
        status=None,
        plan_=None,
        themes=(),
        description="Train staff on neglect",
    ):
        action = services.action_create(
            by=bu,
            plan=plan_ or plan,
            lesson="Neglect was not recognised",
            description=description,
            expected_change="Earlier referrals",
            owner_agency=owner_agency or home,
            owner=owner,
            due_date=due or today() + timedelta(days=120),
            themes=themes,
        )
        if status:
            impact = "Referrals rose" if status in ("complete", "signed_off") else ""
            extra = {"signed_off_at": action.created_at} if status == "signed_off" else {}
            Action.objects.filter(pk=action.pk).update(
                status=status, impact_statement=impact, **extra
            )
            action.refresh_from_db()
        return action

    return make


@pytest.fixture
def bu_client(signed_in_client, bu):
    return signed_in_client(bu)


@pytest.fixture
def lead_client(signed_in_client, lead):
    return signed_in_client(lead)


@pytest.fixture
def filter_world(make_action, bu, away):
    themes = list(Theme.objects.order_by("name")[:2])
    audit_plan = services.action_plan_create(by=bu, title="Audit actions", source="audit")
    day = today()
    return {
        "themes": themes,
        "home_open": make_action(themes=[themes[0]], due=day + timedelta(days=40)),
        "home_overdue": make_action(status="at_risk", due=day - timedelta(days=3)),
        "away_complete": make_action(
            owner_agency=away,
            status="complete",
            plan_=audit_plan,
            themes=[themes[1]],
            due=day + timedelta(days=10),
        ),
        "away_signed_off": make_action(
            owner_agency=away, status="signed_off", due=day - timedelta(days=30)
        ),
    }
