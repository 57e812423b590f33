"""Who gets what from every briefing URL: one row per URL, record and method, one column per role.

The expected answers are written out by hand from the access rules in
docs/workflows/learning.md; they are never computed from the code under test. Each test signs in
as one role (in the "home" agency), makes the request and compares the status code with the row.

Columns: business unit, partner lead, agency lead, practitioner, reviewer, scrutineer, system
admin, a signed-in user with no membership, and an anonymous visitor. The briefings are written
by a business unit officer in another agency (so the business unit user under test is a second
person who may approve them); the published briefing is sent to the home agency.

Statuses: 200 page shown; 302 redirect (after a successful POST; for anonymous visitors, to
sign-in); 404 not found (missing and forbidden look the same); 405 method not allowed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import get_resolver, reverse

from sightline.accounts.models import Role
from sightline.core.clocks import today
from sightline.learning import services
from sightline.learning.models import Briefing, Dissemination

from .conftest import full_content, move

pytestmark = pytest.mark.django_db

GET, POST = "GET", "POST"
NO_MEMBERSHIP, ANONYMOUS = "no_membership", "anonymous"
COLUMNS = (
    Role.BUSINESS_UNIT,
    Role.PARTNER_LEAD,
    Role.AGENCY_LEAD,
    Role.PRACTITIONER,
    Role.REVIEWER,
    Role.SCRUTINEER,
    Role.SYSTEM_ADMIN,
    NO_MEMBERSHIP,
    ANONYMOUS,
)
ROLES = [str(role) for role in COLUMNS]
S = Briefing.Status


def by_role(*statuses: int) -> dict[str, int]:
    """business unit, partner lead, agency lead, practitioner, reviewer, scrutineer,
    system admin, no membership, anonymous."""
    return dict(zip(ROLES, statuses, strict=True))


class World:
    def __init__(self, make_user, agency_factory, role: str):
        self.home = agency_factory("Home agency")
        self.author = make_user(Role.BUSINESS_UNIT, agency=agency_factory("Business unit"))
        self.approver = make_user(Role.PARTNER_LEAD, agency=agency_factory("Local authority"))
        self.lead = make_user(Role.AGENCY_LEAD, agency=self.home)
        self.user = None
        if role != ANONYMOUS:
            self.user = make_user(None if role == NO_MEMBERSHIP else role, agency=self.home)
        self._made: dict[str, Briefing] = {}

    def briefing(self, status: str) -> Briefing:
        if status not in self._made:
            briefing = services.briefing_create(by=self.author, **full_content())
            steps = {
                S.DRAFT: [],
                S.IN_REVIEW: ["submit"],
                S.APPROVED: ["submit", "approve"],
                S.PUBLISHED: ["submit", "approve", "publish"],
            }[status]
            for name in steps:
                move(briefing, name, self.approver if name == "approve" else self.author)
            if status == S.PUBLISHED:
                services.briefing_send(briefing=briefing, by=self.author, agencies=[self.home])
            briefing.refresh_from_db()
            self._made[status] = briefing
        return self._made[status]

    def dissemination(self) -> Dissemination:
        return Dissemination.objects.get(briefing=self.briefing(S.PUBLISHED), agency=self.home)


def no_args(world: World) -> dict:
    return {}


def ref(status: str) -> Callable[[World], dict]:
    return lambda world: {"reference": world.briefing(status).reference}


def status_page(name: str, status: str) -> Callable[[World], dict]:
    return lambda world: {"reference": world.briefing(status).reference, "name": name}


def acknowledge_page(world: World) -> dict:
    d = world.dissemination()
    return {"reference": d.briefing.reference, "pk": d.pk}


def briefing_data(world: World, status: str = S.DRAFT) -> dict:
    version = world.briefing(status).version if status in world._made else ""
    return {**full_content(), "version": version}


def status_data(status: str) -> Callable[[World], dict]:
    def data(world: World) -> dict:
        review = today() + timedelta(days=365)
        return {
            "version": world.briefing(status).version,
            "note": "Because",
            "publish_date_day": today().day,
            "publish_date_month": today().month,
            "publish_date_year": today().year,
            "review_date_day": review.day,
            "review_date_month": review.month,
            "review_date_year": review.year,
        }

    return data


def send_data(world: World) -> dict:
    return {"agencies": [world.author.memberships.get().agency_id]}


def acknowledge_data(world: World) -> dict:
    return {
        "version": world.dissemination().version,
        "teams": "Ward teams",
        "cascade_date_day": today().day,
        "cascade_date_month": today().month,
        "cascade_date_year": today().year,
        "staff_reached": "12",
        "changes": "Refer the same day",
    }


@dataclass(frozen=True)
class Row:
    url_name: str
    kwargs: Callable[[World], dict]
    method: str
    expected: dict[str, int]
    variant: str = ""
    data: Callable[[World], dict] | None = None

    @property
    def name(self) -> str:
        return f"{self.url_name}[{self.variant}]" if self.variant else self.url_name


NOT_ALLOWED = by_role(405, 405, 405, 405, 405, 405, 405, 405, 302)
BU_ONLY_GET = by_role(200, 404, 404, 404, 404, 404, 404, 404, 302)
BU_ONLY_POST = by_role(302, 404, 404, 404, 404, 404, 404, 404, 302)
APPROVERS_GET = by_role(200, 200, 404, 404, 404, 404, 404, 404, 302)
APPROVERS_POST = by_role(302, 302, 404, 404, 404, 404, 404, 404, 302)
PARTNERSHIP_GET = by_role(200, 200, 404, 404, 404, 200, 404, 404, 302)
READERS_GET = by_role(200, 200, 200, 200, 404, 200, 404, 404, 302)

ROWS: list[Row] = [
    #   business unit, partner lead, agency lead, practitioner, reviewer, scrutineer,
    #   system admin, no membership, anonymous
    Row("learning:list", no_args, GET, READERS_GET),
    Row("learning:list", no_args, POST, NOT_ALLOWED),
    Row("learning:create", no_args, GET, APPROVERS_GET),
    Row("learning:create", no_args, POST, APPROVERS_POST, data=briefing_data),
    Row("learning:dashboard", no_args, GET, PARTNERSHIP_GET),
    Row("learning:dashboard", no_args, POST, NOT_ALLOWED),
    # A draft: only the partnership-wide roles (and its author) see it.
    Row("learning:detail", ref(S.DRAFT), GET, PARTNERSHIP_GET, "draft"),
    Row("learning:detail", ref(S.PUBLISHED), GET, READERS_GET, "published"),
    Row("learning:detail", ref(S.PUBLISHED), POST, NOT_ALLOWED, "published"),
    # Only the author or the business unit edits a draft; the author is not the user here.
    # The history follows the briefing: whoever may read it may read its history.
    Row("learning:history", ref(S.DRAFT), GET, PARTNERSHIP_GET, "draft"),
    Row("learning:history", ref(S.PUBLISHED), GET, READERS_GET, "published"),
    Row("learning:history", ref(S.PUBLISHED), POST, NOT_ALLOWED, "published"),
    Row("learning:edit", ref(S.DRAFT), GET, BU_ONLY_GET),
    Row("learning:edit", ref(S.DRAFT), POST, BU_ONLY_POST, data=briefing_data),
    Row("learning:edit", ref(S.PUBLISHED), GET, by_role(
        404, 404, 404, 404, 404, 404, 404, 404, 302), "published"),
    Row("learning:status", status_page("submit", S.DRAFT), GET, BU_ONLY_GET, "submit"),
    Row("learning:status", status_page("submit", S.DRAFT), POST, BU_ONLY_POST, "submit",
        status_data(S.DRAFT)),
    Row("learning:status", status_page("return", S.IN_REVIEW), GET, APPROVERS_GET, "return"),
    Row("learning:status", status_page("return", S.IN_REVIEW), POST, APPROVERS_POST, "return",
        status_data(S.IN_REVIEW)),
    Row("learning:status", status_page("approve", S.IN_REVIEW), GET, APPROVERS_GET, "approve"),
    Row("learning:status", status_page("approve", S.IN_REVIEW), POST, APPROVERS_POST, "approve",
        status_data(S.IN_REVIEW)),
    Row("learning:status", status_page("publish", S.APPROVED), GET, BU_ONLY_GET, "publish"),
    Row("learning:status", status_page("publish", S.APPROVED), POST, BU_ONLY_POST, "publish",
        status_data(S.APPROVED)),
    Row("learning:status", status_page("withdraw", S.PUBLISHED), GET, BU_ONLY_GET, "withdraw"),
    Row("learning:status", status_page("withdraw", S.PUBLISHED), POST, BU_ONLY_POST, "withdraw",
        status_data(S.PUBLISHED)),
    # A move not possible from the status is not there for anyone.
    Row("learning:status", status_page("publish", S.DRAFT), GET, by_role(
        404, 404, 404, 404, 404, 404, 404, 404, 302), "publish-from-draft"),
    Row("learning:preview", ref(S.DRAFT), GET, PARTNERSHIP_GET, "draft"),
    Row("learning:preview", ref(S.PUBLISHED), GET, READERS_GET, "published"),
    Row("learning:preview", ref(S.PUBLISHED), POST, NOT_ALLOWED, "published"),
    Row("learning:pdf", ref(S.PUBLISHED), GET, READERS_GET),
    Row("learning:pdf", ref(S.PUBLISHED), POST, NOT_ALLOWED),
    Row("learning:docx", ref(S.DRAFT), GET, PARTNERSHIP_GET, "draft"),
    Row("learning:docx", ref(S.PUBLISHED), GET, READERS_GET, "published"),
    Row("learning:docx", ref(S.PUBLISHED), POST, NOT_ALLOWED, "published"),
    Row("learning:send", ref(S.PUBLISHED), GET, BU_ONLY_GET),
    Row("learning:send", ref(S.PUBLISHED), POST, BU_ONLY_POST, data=send_data),
    Row("learning:dissemination", ref(S.PUBLISHED), GET, PARTNERSHIP_GET),
    Row("learning:dissemination", ref(S.PUBLISHED), POST, NOT_ALLOWED),
    # The home agency's record: its safeguarding lead only.
    Row("learning:acknowledge", acknowledge_page, GET, by_role(
        404, 404, 200, 404, 404, 404, 404, 404, 302)),
    Row("learning:acknowledge", acknowledge_page, POST, by_role(
        404, 404, 302, 404, 404, 404, 404, 404, 302), data=acknowledge_data),
]  # fmt: skip

PARAMS = [(row, role) for row in ROWS for role in ROLES]


@pytest.mark.parametrize(
    ("row", "role"), PARAMS, ids=[f"{row.name}-{row.method}-{role}" for row, role in PARAMS]
)
def test_permission_matrix(row, role, make_user, agency_factory, signed_in_client):
    world = World(make_user, agency_factory, role)
    client = Client() if world.user is None else signed_in_client(world.user)
    path = reverse(row.url_name, kwargs=row.kwargs(world))
    if row.method == GET:
        response = client.get(path)
    else:
        response = client.post(path, row.data(world) if row.data else {})
    actual = response.status_code
    if actual == 302:
        went_to_sign_in = response["Location"].startswith(reverse("accounts:sign-in"))
        # Anonymous visitors are sent to sign in; everyone else was redirected on success.
        actual = 302 if went_to_sign_in == (role == ANONYMOUS) else response["Location"]
    assert actual == row.expected[role]


def test_every_learning_url_has_a_get_and_a_post_row():
    _, resolver = get_resolver().namespace_dict["learning"]
    names = {f"learning:{name}" for name in resolver.reverse_dict if isinstance(name, str)}
    for method in (GET, POST):
        covered = {row.url_name for row in ROWS if row.method == method}
        assert names <= covered, f"{method} rows missing for {sorted(names - covered)}"


def test_every_move_has_a_row():
    from sightline.learning.workflow import BRIEFING_WORKFLOW

    for method in (GET, POST):
        variants = {
            r.variant for r in ROWS if r.url_name == "learning:status" and r.method == method
        }
        assert {t.name for t in BRIEFING_WORKFLOW.transitions} <= variants


@pytest.mark.parametrize(
    ("url_name", "kwargs", "forbidden"),
    [
        ("learning:detail", {"reference": "7MB-1999-9999"}, ref(S.DRAFT)),
        ("learning:edit", {"reference": "7MB-1999-9999"}, ref(S.DRAFT)),
        ("learning:preview", {"reference": "7MB-1999-9999"}, ref(S.DRAFT)),
        ("learning:send", {"reference": "7MB-1999-9999"}, ref(S.PUBLISHED)),
        ("learning:dissemination", {"reference": "7MB-1999-9999"}, ref(S.PUBLISHED)),
        (
            "learning:status",
            {"reference": "7MB-1999-9999", "name": "approve"},
            status_page("approve", S.IN_REVIEW),
        ),
        ("learning:acknowledge", {"reference": "7MB-1999-9999", "pk": 999999}, None),
    ],
)
def test_missing_records_look_like_forbidden_ones(
    url_name, kwargs, forbidden, make_user, agency_factory, signed_in_client
):
    world = World(make_user, agency_factory, Role.PRACTITIONER)
    client = signed_in_client(world.user)
    if forbidden is None:
        forbidden = acknowledge_page
    missing = client.get(reverse(url_name, kwargs=kwargs))
    refused = client.get(reverse(url_name, kwargs=forbidden(world)))
    assert missing.status_code == refused.status_code == 404
    assert _without_one_off_values(missing) == _without_one_off_values(refused)


def _without_one_off_values(response) -> str:
    """The page without its error reference and CSRF token, which differ on every response."""
    html = response.content.decode()
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)
    return re.sub(r"Reference: <span[^>]*>[^<]*</span>", "", html)
