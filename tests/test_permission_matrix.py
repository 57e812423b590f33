"""Who gets what from every protected URL: one row per URL and method, one column per role.

The expected answers are written out by hand from the access rules in docs/ (DESIGN.md, the
Users table, and each feature's workflow page); they are never computed from the code under
test. Each test signs in as one role, makes the request for each relationship between that user
and the record, and compares the status codes with the row.

Roles: every `Role`, a signed-in user with no membership, and an anonymous visitor.
Relationships, for URLs about one record:
  own_agency   - the record belongs to the user's agency (the user is not its named owner)
  other_agency - the record belongs to another agency
  named_owner  - the user is the record's named owner (only for users with a membership)

Statuses: 200 page shown; 302 redirect (after a successful POST; for anonymous visitors, to
sign-in); 404 not found (missing and forbidden look the same); 405 method not allowed.

To cover a new feature, append `Case` rows to `CASES` (and, if its records need setting up,
add a method to `World`). Add the feature's URL namespace to `COMPLETE_NAMESPACES` to make
`test_every_url_is_in_the_matrix` insist that each of its URLs has a GET and a POST row.
"""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import NamedTuple

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import get_resolver, reverse
from PIL import Image

from sightline.accounts import services as account_services
from sightline.accounts.access import principal_for
from sightline.accounts.models import Role
from sightline.actions import services as action_services
from sightline.actions.models import Action, ActionPlan
from sightline.actions.workflow import ACTION_WORKFLOW
from sightline.core.clocks import today
from sightline.core.models import Event

pytestmark = pytest.mark.django_db

GET, POST = "GET", "POST"
NO_MEMBERSHIP = "no_membership"
ANONYMOUS = "anonymous"

BU = Role.BUSINESS_UNIT
PL = Role.PARTNER_LEAD
AL = Role.AGENCY_LEAD
PR = Role.PRACTITIONER
RV = Role.REVIEWER
SC = Role.SCRUTINEER
SA = Role.SYSTEM_ADMIN
COLUMNS = (BU, PL, AL, PR, RV, SC, SA, NO_MEMBERSHIP, ANONYMOUS)
ROLES = [str(role) for role in COLUMNS]

OWN, OTHER, NAMED = "own_agency", "other_agency", "named_owner"
ANY = "-"  # for URLs that are not about one record


class R(NamedTuple):
    """Statuses for one role that depend on the relationship to the record."""

    own_agency: int
    other_agency: int
    named_owner: int


Status = int | R


def by_role(*statuses: Status) -> dict[str, Status]:
    """One status per column of COLUMNS, in that order:
    business unit, partner lead, agency lead, practitioner, reviewer, scrutineer,
    system admin, no membership, anonymous."""
    return dict(zip(ROLES, statuses, strict=True))


# --------------------------------------------------------------------------- the records


def _png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (29, 112, 184)).save(buffer, format="PNG")
    return SimpleUploadedFile("evidence.png", buffer.getvalue(), content_type="image/png")


class World:
    """The signed-in user (in the "home" agency, with the role under test), another agency,
    and records made on first use, one set per relationship."""

    def __init__(self, make_user, agency_factory, role: str):
        self.make_user = make_user
        self.agency_factory = agency_factory
        self.home = agency_factory("Home agency")
        self.away = agency_factory("Other agency")
        self.author = make_user(BU, agency=agency_factory("Partnership business unit"))
        self.role = role
        self.user = None
        if role != ANONYMOUS:
            self.user = make_user(None if role == NO_MEMBERSHIP else role, agency=self.home)
        self._made: dict = {}

    def once(self, key, build: Callable):
        if key not in self._made:
            self._made[key] = build()
        return self._made[key]

    def plan(self, rel: str) -> ActionPlan:
        """A plan holding only actions of this relationship."""
        plan = self.once(
            ("plan", rel),
            lambda: action_services.action_plan_create(
                by=self.author, title=f"Plan {rel}", source="review"
            ),
        )
        self.action(rel, plan=plan)
        return plan

    def spare_plan(self) -> ActionPlan:
        return self.once(
            "spare_plan",
            lambda: action_services.action_plan_create(
                by=self.author, title="Next year's plan", source="priority"
            ),
        )

    def action(self, rel: str, status: str = "not_started", plan: ActionPlan | None = None):
        def build():
            action = action_services.action_create(
                by=self.author,
                plan=plan or self.plan(rel),
                lesson="Lesson",
                description=f"Action for {rel} in {status}",
                expected_change="Change",
                owner_agency=self.away if rel == OTHER else self.home,
                owner=self.user if rel == NAMED else None,
                due_date=today() + timedelta(days=30),
            )
            if status != "not_started":
                impact = "Impact" if status == "complete" else ""
                Action.objects.filter(pk=action.pk).update(status=status, impact_statement=impact)
                action.refresh_from_db()
            return action

        return self.once(("action", rel, status), build)

    def document(self, rel: str):
        def build():
            update = action_services.action_progress_add(
                action=self.action(rel), by=self.author, note="Evidence", files=[_png()]
            )
            return update.evidence.get()

        return self.once(("document", rel), build)

    # Two-person grants. For a grant, own_agency means a grant at the user's agency for someone
    # else, other_agency a grant at another agency, and named_owner a grant for the user under
    # test themselves. Unless said otherwise, another system administrator proposed it.

    def admin(self):
        return self.once(
            "admin",
            lambda: self.make_user(SA, agency=self.agency_factory("Partnership IT")),
        )

    def person(self, rel: str):
        """Someone the grant or proposal is for: in the user's agency, in another, or the user."""
        if rel == NAMED:
            return self.user
        return self.once(
            ("person", rel),
            lambda: self.make_user(PR, agency=self.home if rel == OWN else self.away),
        )

    def grant(self, rel: str, role: str = AL, own_proposal: bool = False):
        def build():
            proposer = self.admin()
            if own_proposal and rel != NAMED and principal_for(self.user).can_manage_settings:
                proposer = self.user
            return account_services.grant_propose(
                by=proposer,
                user=self.person(rel),
                agency=self.home if rel == OWN else self.away,
                role=role,
                reason="Needs it for their work",
            )

        return self.once(("grant", rel, role, own_proposal), build)


# --------------------------------------------------------------------------- cases


def no_args(world: World, rel: str) -> dict:
    return {}


def plan_ref(world: World, rel: str) -> dict:
    return {"reference": world.plan(rel).reference}


def action_ref(world: World, rel: str) -> dict:
    return {"reference": world.action(rel).reference}


def document_pk(world: World, rel: str) -> dict:
    return {"pk": world.document(rel).pk}


# The state each status page is tested from: one where the move is declared.
STATUS_FROM = {
    "start": "not_started",
    "flag_at_risk": "on_track",
    "complete": "at_risk",
    "sign_off": "complete",
    "reopen": "complete",
    "carry_forward": "on_track",
}


def status_page(name: str, state: str | None = None):
    def kwargs(world: World, rel: str) -> dict:
        action = world.action(rel, state or STATUS_FROM[name])
        return {"reference": action.reference, "name": name}

    return kwargs


def status_data(name: str, state: str | None = None):
    def data(world: World, rel: str) -> dict:
        action = world.action(rel, state or STATUS_FROM[name])
        return {
            "version": action.version,
            "transition": name,
            "note": "Because",
            "impact_statement": "What changed",
            "carried_to": world.spare_plan().pk,
        }

    return data


def plan_data(world: World, rel: str) -> dict:
    version = world.plan(rel).version if rel != ANY else ""
    return {"version": version, "title": "Plan title", "source": "review"}


def action_data(world: World, rel: str) -> dict:
    due = today() + timedelta(days=40)
    return {
        "version": world.action(rel).version,
        "lesson": "Lesson",
        "description": "Posted action",
        "expected_change": "Change",
        "owner_agency": world.home.pk,
        "due_date_day": due.day,
        "due_date_month": due.month,
        "due_date_year": due.year,
    }


def progress_data(world: World, rel: str) -> dict:
    return {"note": "Progress made"}


def grant_pk(role: str = AL, own_proposal: bool = False):
    def kwargs(world: World, rel: str) -> dict:
        return {"pk": world.grant(rel, role, own_proposal).pk}

    return kwargs


def person_pk(world: World, rel: str) -> dict:
    return {"pk": world.person(rel).pk}


def refuse_data(world: World, rel: str) -> dict:
    return {"reason": "They do not need it"}


def propose_data(world: World, rel: str) -> dict:
    return {"agency": world.home.pk, "role": AL, "reason": "Needs it for their work"}


@dataclass(frozen=True)
class Case:
    url_name: str
    kwargs_factory: Callable[[World, str], dict]
    method: str
    expectations: Mapping[str, Status]
    variant: str = ""  # tells apart rows for one URL name, such as each status change
    data_factory: Callable[[World, str], dict] | None = None

    @property
    def name(self) -> str:
        return f"{self.url_name}[{self.variant}]" if self.variant else self.url_name

    @property
    def relational(self) -> bool:
        return self.kwargs_factory is not no_args

    def relationships(self, role: str) -> tuple[str, ...]:
        if not self.relational:
            return (ANY,)
        if role in (NO_MEMBERSHIP, ANONYMOUS):
            return (OWN, OTHER)
        return (OWN, OTHER, NAMED)


CASES: list[Case] = [
    # Action plans ----------------------------------------------------------------------------
    #   business unit, partner lead, agency lead, practitioner, reviewer, scrutineer,
    #   system admin, no membership, anonymous
    Case("actions:mine", no_args, GET, by_role(
        200, 200, 200, 200, 200, 200, 200, 200, 302)),
    Case("actions:mine", no_args, POST, by_role(
        405, 405, 405, 405, 405, 405, 405, 405, 302)),
    Case("actions:all", no_args, GET, by_role(
        200, 200, 404, 404, 404, 200, 404, 404, 302)),
    Case("actions:all", no_args, POST, by_role(
        405, 405, 405, 405, 405, 405, 405, 405, 302)),
    Case("actions:plans", no_args, GET, by_role(
        200, 200, 200, 200, 200, 200, 200, 200, 302)),
    Case("actions:plans", no_args, POST, by_role(
        405, 405, 405, 405, 405, 405, 405, 405, 302)),
    Case("actions:plan-create", no_args, GET, by_role(
        200, 404, 404, 404, 404, 404, 404, 404, 302)),
    Case("actions:plan-create", no_args, POST, by_role(
        302, 404, 404, 404, 404, 404, 404, 404, 302), data_factory=plan_data),
    Case("actions:plan", plan_ref, GET, by_role(
        200, 200, R(200, 404, 200), R(404, 404, 200), R(404, 404, 200), 200,
        R(404, 404, 200), 404, 302)),
    Case("actions:plan", plan_ref, POST, by_role(
        405, 405, 405, 405, 405, 405, 405, 405, 302)),
    Case("actions:plan-edit", plan_ref, GET, by_role(
        200, 404, 404, 404, 404, 404, 404, 404, 302)),
    Case("actions:plan-edit", plan_ref, POST, by_role(
        302, 404, 404, 404, 404, 404, 404, 404, 302), data_factory=plan_data),
    Case("actions:action-create", plan_ref, GET, by_role(
        200, 404, 404, 404, 404, 404, 404, 404, 302)),
    Case("actions:action-create", plan_ref, POST, by_role(
        302, 404, 404, 404, 404, 404, 404, 404, 302), data_factory=action_data),
    Case("actions:detail", action_ref, GET, by_role(
        200, 200, R(200, 404, 200), R(404, 404, 200), R(404, 404, 200), 200,
        R(404, 404, 200), 404, 302)),
    Case("actions:detail", action_ref, POST, by_role(
        405, 405, 405, 405, 405, 405, 405, 405, 302)),
    # The history follows the action: whoever may see the action may see its history.
    Case("actions:history", action_ref, GET, by_role(
        200, 200, R(200, 404, 200), R(404, 404, 200), R(404, 404, 200), 200,
        R(404, 404, 200), 404, 302)),
    Case("actions:history", action_ref, POST, by_role(
        405, 405, 405, 405, 405, 405, 405, 405, 302)),
    Case("actions:edit", action_ref, GET, by_role(
        200, 404, 404, 404, 404, 404, 404, 404, 302)),
    Case("actions:edit", action_ref, POST, by_role(
        302, 404, 404, 404, 404, 404, 404, 404, 302), data_factory=action_data),
    # The scrutineer is read-only, even when named as an action's owner.
    Case("actions:progress", action_ref, GET, by_role(
        200, R(404, 404, 200), R(200, 404, 200), R(404, 404, 200), R(404, 404, 200),
        404, R(404, 404, 200), 404, 302)),
    Case("actions:progress", action_ref, POST, by_role(
        302, R(404, 404, 302), R(302, 404, 302), R(404, 404, 302), R(404, 404, 302),
        404, R(404, 404, 302), 404, 302), data_factory=progress_data),
    # Status changes: progress moves (owner, agency lead, business unit) ...
    *[
        case
        for name in ("start", "flag_at_risk", "complete")
        for case in (
            Case("actions:status", status_page(name), GET, by_role(
                200, R(404, 404, 200), R(200, 404, 200), R(404, 404, 200),
                R(404, 404, 200), 404, R(404, 404, 200), 404, 302),
                variant=name),
            Case("actions:status", status_page(name), POST, by_role(
                302, R(404, 404, 302), R(302, 404, 302), R(404, 404, 302),
                R(404, 404, 302), 404, R(404, 404, 302), 404, 302),
                variant=name, data_factory=status_data(name)),
        )
    ],
    # ... and management moves (business unit only).
    *[
        case
        for name in ("sign_off", "reopen", "carry_forward")
        for case in (
            Case("actions:status", status_page(name), GET, by_role(
                200, 404, 404, 404, 404, 404, 404, 404, 302), variant=name),
            Case("actions:status", status_page(name), POST, by_role(
                302, 404, 404, 404, 404, 404, 404, 404, 302), variant=name,
                data_factory=status_data(name)),
        )
    ],
    # A move that is not possible from the action's status is not there for anyone.
    Case("actions:status", status_page("sign_off", "not_started"), GET, by_role(
        404, 404, 404, 404, 404, 404, 404, 404, 302), variant="sign_off-from-not_started"),
    Case("actions:status", status_page("sign_off", "not_started"), POST, by_role(
        404, 404, 404, 404, 404, 404, 404, 404, 302), variant="sign_off-from-not_started",
        data_factory=status_data("sign_off", "not_started")),
    # Evidence files follow the action they belong to.
    Case("core:document-download", document_pk, GET, by_role(
        200, 200, R(200, 404, 200), R(404, 404, 200), R(404, 404, 200), 200,
        R(404, 404, 200), 404, 302)),
    Case("core:document-download", document_pk, POST, by_role(
        405, 405, 405, 405, 405, 405, 405, 405, 302)),
    # Settings ---------------------------------------------------------------------------------
    *[
        case
        for url_name in (
            "settings:index",
            "settings:agency-list",
            "settings:user-list",
            "settings:theme-list",
            "settings:calendar-list",
            "settings:clock-list",
            "settings:synonym-list",
        )
        for case in (
            Case(url_name, no_args, GET, by_role(
                200, 404, 404, 404, 404, 404, 200, 404, 302)),
            Case(url_name, no_args, POST, by_role(
                405, 404, 404, 404, 404, 404, 405, 404, 302)),
        )
    ],
    # Two-person grants ------------------------------------------------------------------------
    # Settings managers propose, never for themselves (the refusal shows its reason: 200).
    Case("settings:user-role-propose", person_pk, GET, by_role(
        405, 404, 404, 404, 404, 404, 405, 404, 302)),
    Case("settings:user-role-propose", person_pk, POST, by_role(
        R(302, 302, 200), 404, 404, 404, 404, 404, R(302, 302, 200), 404, 302),
        data_factory=propose_data),
    # Settings managers see every proposal; partner leads those of the business unit role.
    Case("settings:grant-list", no_args, GET, by_role(
        200, 200, 404, 404, 404, 404, 200, 404, 302)),
    Case("settings:grant-list", no_args, POST, by_role(
        405, 405, 404, 404, 404, 404, 405, 404, 302)),
    Case("settings:grant-detail", grant_pk(AL), GET, by_role(
        200, 404, 404, 404, 404, 404, 200, 404, 302), variant="agency-lead"),
    Case("settings:grant-detail", grant_pk(BU), GET, by_role(
        200, 200, 404, 404, 404, 404, 200, 404, 302), variant="business-unit"),
    Case("settings:grant-detail", grant_pk(AL), POST, by_role(
        405, 405, 404, 404, 404, 404, 405, 404, 302), variant="agency-lead"),
    # The business unit confirms or refuses; a partner lead does so for the business unit role;
    # another system administrator or the business unit for the system administrator role.
    # Someone who may see the proposal but not decide it is told why (200). Nobody decides a
    # grant for themselves.
    *[
        case
        for url_name, data in (
            ("settings:grant-confirm", None),
            ("settings:grant-refuse", refuse_data),
        )
        for case in (
            Case(url_name, grant_pk(AL), GET, by_role(
                405, 405, 404, 404, 404, 404, 405, 404, 302), variant="agency-lead"),
            Case(url_name, grant_pk(AL), POST, by_role(
                R(302, 302, 200), 404, 404, 404, 404, 404, 200, 404, 302),
                variant="agency-lead", data_factory=data),
            Case(url_name, grant_pk(BU), POST, by_role(
                200, R(302, 302, 200), 404, 404, 404, 404, 200, 404, 302),
                variant="business-unit", data_factory=data),
            Case(url_name, grant_pk(SA), POST, by_role(
                R(302, 302, 200), 404, 404, 404, 404, 404, R(302, 302, 200), 404, 302),
                variant="system-admin", data_factory=data),
        )
    ],
    # Only the proposer withdraws.
    Case("settings:grant-withdraw", grant_pk(AL), GET, by_role(
        405, 405, 404, 404, 404, 404, 405, 404, 302), variant="proposed-by-another"),
    Case("settings:grant-withdraw", grant_pk(AL), POST, by_role(
        200, 404, 404, 404, 404, 404, 200, 404, 302), variant="proposed-by-another"),
    Case("settings:grant-withdraw", grant_pk(AL, own_proposal=True), POST, by_role(
        R(302, 302, 200), 404, 404, 404, 404, 404, R(302, 302, 200), 404, 302),
        variant="own-proposal"),
]  # fmt: skip

# URL namespaces whose every URL must have a GET and a POST row.
COMPLETE_NAMESPACES = {"actions"}


def _flatten(cases: list[Case]) -> dict[tuple[str, str, str, str], int]:
    table = {}
    for case in cases:
        for role, status in case.expectations.items():
            for rel in case.relationships(role):
                value = status if isinstance(status, int) else getattr(status, rel)
                key = (case.name, role, rel, case.method)
                assert key not in table, f"two rows for {key}"
                table[key] = value
    return table


# (url name, role, relationship, method) -> expected status
EXPECTED: dict[tuple[str, str, str, str], int] = _flatten(CASES)


# --------------------------------------------------------------------------- the matrix


def _request(client: Client, case: Case, url: str, world: World, rel: str):
    if case.method == GET:
        return client.get(url)
    data = case.data_factory(world, rel) if case.data_factory else {}
    return client.post(url, data)


PARAMS = list(itertools.product(CASES, ROLES))


@pytest.mark.parametrize(
    ("case", "role"),
    PARAMS,
    ids=[f"{case.name}-{case.method}-{role}" for case, role in PARAMS],
)
def test_permission_matrix(case, role, make_user, agency_factory, signed_in_client):
    world = World(make_user, agency_factory, role)
    client = Client() if world.user is None else signed_in_client(world.user)
    sign_in = reverse("accounts:sign-in")

    actual, expected = {}, {}
    for rel in case.relationships(role):
        url = reverse(case.url_name, kwargs=case.kwargs_factory(world, rel))
        response = _request(client, case, url, world, rel)
        actual[rel] = response.status_code
        expected[rel] = EXPECTED[(case.name, role, rel, case.method)]
        if response.status_code == 302:
            went_to_sign_in = response["Location"].startswith(sign_in)
            # Anonymous visitors are sent to sign in; everyone else was redirected on success.
            actual[rel] = 302 if went_to_sign_in == (role == ANONYMOUS) else response["Location"]

    assert actual == expected


# --------------------------------------------------------------------------- the table itself


def _url_names(namespace: str) -> set[str]:
    _, resolver = get_resolver().namespace_dict[namespace]
    return {f"{namespace}:{name}" for name in resolver.reverse_dict if isinstance(name, str)}


@pytest.mark.parametrize("namespace", sorted(COMPLETE_NAMESPACES))
def test_every_url_is_in_the_matrix(namespace):
    names = _url_names(namespace)
    assert names, f"no URLs found in {namespace}"
    for method in (GET, POST):
        covered = {case.url_name for case in CASES if case.method == method}
        assert names <= covered, f"{method} rows missing for {sorted(names - covered)}"


def test_every_grant_url_is_in_the_matrix():
    names = {n for n in _url_names("settings") if n.startswith("settings:grant-")}
    names.add("settings:user-role-propose")
    assert len(names) == 6
    for method in (GET, POST):
        covered = {case.url_name for case in CASES if case.method == method}
        assert names <= covered, f"{method} rows missing for {sorted(names - covered)}"


def test_every_status_change_is_in_the_matrix():
    for method in (GET, POST):
        variants = {
            case.variant
            for case in CASES
            if case.url_name == "actions:status" and case.method == method
        }
        assert {t.name for t in ACTION_WORKFLOW.transitions} <= variants
    assert set(STATUS_FROM) == {t.name for t in ACTION_WORKFLOW.transitions}


def test_every_row_has_a_status_for_every_role_and_relationship():
    for case in CASES:
        assert set(case.expectations) == set(ROLES), case.name
        for role, status in case.expectations.items():
            if not case.relational:
                assert isinstance(status, int), (case.name, role)
            statuses = status if isinstance(status, R) else (status,)
            assert all(s in (200, 302, 404, 405) for s in statuses), (case.name, role)
            if role == ANONYMOUS:
                assert status == 302, f"{case.name}: anonymous visitors go to sign in"


# --------------------------------------------------------------------------- not found


OBJECT_URLS = [
    ("actions:plan", {"reference": "AP-1999-9999"}),
    ("actions:plan-edit", {"reference": "AP-1999-9999"}),
    ("actions:action-create", {"reference": "AP-1999-9999"}),
    ("actions:detail", {"reference": "ACT-1999-9999"}),
    ("actions:edit", {"reference": "ACT-1999-9999"}),
    ("actions:history", {"reference": "ACT-1999-9999"}),
    ("actions:progress", {"reference": "ACT-1999-9999"}),
    ("actions:status", {"reference": "ACT-1999-9999", "name": "start"}),
    ("core:document-download", {"pk": "00000000-0000-4000-8000-000000000000"}),
]


def _without_one_off_values(response) -> str:
    """The page without its error reference and CSRF token, which differ on every response."""
    html = response.content.decode()
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)
    return re.sub(r"Reference: <span[^>]*>[^<]*</span>", "", html)


@pytest.mark.parametrize(("url_name", "kwargs"), OBJECT_URLS, ids=[u for u, _ in OBJECT_URLS])
def test_missing_records_look_like_forbidden_ones(
    url_name, kwargs, make_user, agency_factory, signed_in_client
):
    world = World(make_user, agency_factory, AL)
    client = signed_in_client(world.user)
    forbidden_kwargs = {
        "actions:plan": plan_ref,
        "actions:plan-edit": plan_ref,
        "actions:action-create": plan_ref,
        "actions:status": status_page("start"),
        "core:document-download": document_pk,
    }.get(url_name, action_ref)(world, OTHER)

    missing = client.get(reverse(url_name, kwargs=kwargs))
    forbidden = client.get(reverse(url_name, kwargs=forbidden_kwargs))

    assert missing.status_code == forbidden.status_code == 404
    assert _without_one_off_values(missing) == _without_one_off_values(forbidden)


def test_refused_reads_of_existing_records_are_logged(make_user, agency_factory, signed_in_client):
    world = World(make_user, agency_factory, AL)
    action = world.action(OTHER)

    signed_in_client(world.user).get(reverse("actions:detail", args=[action.reference]))

    denied = Event.objects.filter(action="access.denied", object_id=action.reference)
    assert denied.get().actor == world.user
