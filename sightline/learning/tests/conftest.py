"""Briefing test fixtures: the people involved, briefings made through the services and
moved through the workflow to any status, and `client_for(who)`, a signed-in client for each
person (made once per test)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from sightline.accounts.models import Role
from sightline.core.clocks import today
from sightline.learning import services
from sightline.learning.models import Briefing

S = Briefing.Status

# About 120 words: a typical tile.
TILE = (
    "Baby F was ten weeks old when she was taken to the emergency department with a small "
    "bruise on her cheek. Her mother said an older sibling had hit her with a toy, and she went "
    "home the same day. Two weeks later she was admitted with a broken arm.\n"
    "The health visitor had seen her twice and the police had attended the home after an "
    "argument between her parents. Her father was not seen by any professional, and nobody "
    "asked who else looked after the baby. A bruise on a baby who is not yet mobile is rare "
    "and must always be taken seriously: refer the same day and arrange a paediatric "
    "assessment, whatever the explanation given by the family."
)
QUESTIONS = (
    "Would you know what to do if a baby who is not yet mobile had a bruise?\n"
    "How do you find out who else cares for a baby in the family?\n"
    "When did you last speak directly to a father or male carer?\n"
    "Who would you tell if a family's explanation did not seem right?"
)


def full_content(**overrides) -> dict:
    content = {
        "title": "Bruising in babies who are not yet mobile",
        "source": Briefing.Source.TOPIC,
        "topic": "Learning from rapid reviews",
        "reflective_questions": QUESTIONS,
        **{f"section_{i}": f"Tile {i}. {TILE}" for i in range(1, 8)},
    }
    content.update(overrides)
    return content


@pytest.fixture
def agencies(agency_factory):
    return {
        "home": agency_factory("Northvale Hospitals NHS Foundation Trust"),
        "away": agency_factory("Northvale Police"),
        "third": agency_factory("Northvale Schools and Education"),
        "partnership": agency_factory("Partnership business unit"),
    }


@pytest.fixture
def people(make_user, agencies):
    home, away, bu_agency = agencies["home"], agencies["away"], agencies["partnership"]
    return {
        "bu": make_user(Role.BUSINESS_UNIT, agency=bu_agency, full_name="Priya Shah"),
        "bu2": make_user(Role.BUSINESS_UNIT, agency=bu_agency, full_name="Omar Reid"),
        "partner": make_user(Role.PARTNER_LEAD, agency=bu_agency, full_name="Martin Hale"),
        "partner2": make_user(Role.PARTNER_LEAD, agency=away, full_name="Ruth Okafor"),
        "scrutineer": make_user(Role.SCRUTINEER, agency=bu_agency),
        "lead": make_user(Role.AGENCY_LEAD, agency=home, full_name="Joanne Price"),
        "away_lead": make_user(Role.AGENCY_LEAD, agency=away, full_name="Tom Walsh"),
        "practitioner": make_user(Role.PRACTITIONER, agency=home),
        "away_practitioner": make_user(Role.PRACTITIONER, agency=away),
        "reviewer": make_user(Role.REVIEWER, agency=home),
        "admin": make_user(Role.SYSTEM_ADMIN, agency=home),
        "nobody": make_user(),
    }


def move(briefing: Briefing, name: str, by, **kwargs) -> Briefing:
    briefing.refresh_from_db()
    kwargs.setdefault("note", "Because" if name in {"return", "withdraw"} else "")
    if name == "publish":
        kwargs.setdefault("publish_date", today())
        kwargs.setdefault("review_date", today() + timezone.timedelta(days=365))
    return services.briefing_transition(
        briefing=briefing, by=by, name=name, expected_version=briefing.version, **kwargs
    )


# The moves that bring a new draft to each status, and who makes them.
PATH = {
    S.DRAFT: [],
    S.IN_REVIEW: [("submit", "author")],
    S.APPROVED: [("submit", "author"), ("approve", "partner")],
    S.PUBLISHED: [("submit", "author"), ("approve", "partner"), ("publish", "bu")],
    S.WITHDRAWN: [
        ("submit", "author"),
        ("approve", "partner"),
        ("publish", "bu"),
        ("withdraw", "bu"),
    ],
}


@pytest.fixture
def make_briefing(people):
    """make_briefing(status="draft", author=people["bu"], **content) -> Briefing"""

    def make(status=S.DRAFT, author=None, themes=(), **overrides) -> Briefing:
        author = author or people["bu"]
        briefing = services.briefing_create(by=author, themes=themes, **full_content(**overrides))
        actors = {**people, "author": author}
        if author == people["partner"]:
            actors["partner"] = people["partner2"]
        for name, who in PATH[status]:
            move(briefing, name, actors[who])
        briefing.refresh_from_db()
        return briefing

    return make


@pytest.fixture
def sent_briefing(make_briefing, people, agencies):
    """A published briefing sent to the home and away agencies."""
    briefing = make_briefing(S.PUBLISHED)
    services.briefing_send(
        briefing=briefing, by=people["bu"], agencies=[agencies["home"], agencies["away"]]
    )
    return briefing


@pytest.fixture
def client_for(people, signed_in_client):
    made = {}

    def get(who):
        if who not in made:
            made[who] = signed_in_client(people[who])
        return made[who]

    return get
