"""The action workflow: every transition from every state, for every kind of user; required
fields and notes; sign-off; refused stale moves; and the state diagram in the docs."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError

from sightline.accounts.models import Role
from sightline.actions import services
from sightline.actions.models import Action, ActionStatus, ActionUpdate
from sightline.actions.workflow import ACTION_WORKFLOW
from sightline.core.clocks import today
from sightline.core.models import Event, Notification
from sightline.core.versioning import StaleEdit
from sightline.core.workflow import TransitionRefused

pytestmark = pytest.mark.django_db

S = ActionStatus
OPEN = {S.NOT_STARTED, S.ON_TRACK, S.AT_RISK}

# Who may make each kind of move, written out from the rules (not read from the code):
# progress moves: the named owner, the owner agency's lead, the business unit;
# management moves: the business unit only.
PROGRESSORS = {"business_unit", "agency_lead", "owner"}
MANAGERS = {"business_unit"}
ACTORS = [
    "business_unit",
    "partner_lead",
    "scrutineer",
    "agency_lead",
    "other_agency_lead",
    "owner",
    "practitioner",
    "reviewer",
    "system_admin",
    "no_membership",
]

# name: (from, to, who)
EXPECTED = {
    "start": ({S.NOT_STARTED, S.AT_RISK}, S.ON_TRACK, PROGRESSORS),
    "flag_at_risk": ({S.NOT_STARTED, S.ON_TRACK}, S.AT_RISK, PROGRESSORS),
    "complete": (OPEN, S.COMPLETE, PROGRESSORS),
    "sign_off": ({S.COMPLETE}, S.SIGNED_OFF, MANAGERS),
    "reopen": ({S.COMPLETE}, S.ON_TRACK, MANAGERS),
    "carry_forward": (OPEN, S.CARRIED_FORWARD, MANAGERS),
}

DOC = Path(settings.BASE_DIR) / "docs" / "workflows" / "actions.md"


@pytest.fixture
def world(make_user, agency_factory):
    home = agency_factory("Northvale Police")
    away = agency_factory("Northvale Integrated Care Board")
    elsewhere = agency_factory("Partnership business unit")
    people = {
        "business_unit": make_user(Role.BUSINESS_UNIT, agency=elsewhere),
        "partner_lead": make_user(Role.PARTNER_LEAD, agency=elsewhere),
        "scrutineer": make_user(Role.SCRUTINEER, agency=elsewhere),
        "agency_lead": make_user(Role.AGENCY_LEAD, agency=home),
        "other_agency_lead": make_user(Role.AGENCY_LEAD, agency=away),
        "owner": make_user(Role.PRACTITIONER, agency=home),
        "practitioner": make_user(Role.PRACTITIONER, agency=home),
        "reviewer": make_user(Role.REVIEWER, agency=home),
        "system_admin": make_user(Role.SYSTEM_ADMIN, agency=home),
        "no_membership": make_user(),
    }
    bu = people["business_unit"]
    plan = services.action_plan_create(by=bu, title="Review actions", source="review")
    next_plan = services.action_plan_create(by=bu, title="Next year's plan", source="priority")

    def action(status=S.NOT_STARTED, impact="Fewer missed referrals"):
        made = services.action_create(
            by=bu,
            plan=plan,
            lesson="Lesson",
            description="Action",
            expected_change="Change",
            owner_agency=home,
            owner=people["owner"],
            due_date=today() + timedelta(days=30),
        )
        fields = {"status": status, "impact_statement": impact if status == S.COMPLETE else ""}
        if status == S.SIGNED_OFF:
            fields.update(signed_off_by=bu, signed_off_at=made.created_at, impact_statement=impact)
        Action.objects.filter(pk=made.pk).update(**fields)
        made.refresh_from_db()
        return made

    return {"people": people, "plan": plan, "next_plan": next_plan, "action": action}


def move(world, action, name, actor, **extra):
    """Make a move with whatever it needs filled in."""
    kwargs = {"note": "Because", "impact_statement": "Referrals rose by a third"}
    if name == "carry_forward":
        kwargs["carried_to"] = world["next_plan"]
    kwargs.update(extra)
    return services.action_transition(
        action=action,
        by=world["people"][actor],
        name=name,
        expected_version=action.version,
        **kwargs,
    )


def messages(error: ValidationError) -> str:
    return " ".join(error.messages)


# --------------------------------------------------------------------------- the table


def test_the_workflow_declares_exactly_the_expected_moves():
    declared = {
        t.name: ({str(s) for s in t.sources}, str(t.target)) for t in ACTION_WORKFLOW.transitions
    }
    expected = {name: ({str(s) for s in src}, str(dst)) for name, (src, dst, _) in EXPECTED.items()}
    assert declared == expected
    assert ACTION_WORKFLOW.initial == S.NOT_STARTED


def test_overdue_is_not_a_status_and_finished_states_have_no_way_out():
    assert "overdue" not in S.values
    sources = {s for t in ACTION_WORKFLOW.transitions for s in t.sources}
    assert S.SIGNED_OFF not in sources
    assert S.CARRIED_FORWARD not in sources


MOVES = [(name, state) for name in EXPECTED for state in S.values]


@pytest.mark.parametrize(("name", "state"), MOVES, ids=[f"{n}-from-{s}" for n, s in MOVES])
def test_every_move_from_every_state_for_every_user(world, name, state):
    sources, target, allowed = EXPECTED[name]
    results = {}
    for actor in ACTORS:
        action = world["action"](state)
        events_before = Event.objects.filter(action=f"action.{name}").count()
        try:
            move(world, action, name, actor)
        except TransitionRefused as refused:
            results[actor], reason = "refused", messages(refused)
        else:
            results[actor], reason = "moved", ""
        action.refresh_from_db()
        if results[actor] == "refused":
            assert action.status == state, actor
            assert action.version == 1, actor
            assert Event.objects.filter(action=f"action.{name}").count() == events_before
            why = "is not possible while the status is" if state not in sources else "You cannot"
            assert why in reason, actor
        else:
            assert action.status == target, actor
            assert action.version == 2
            event = Event.objects.filter(action=f"action.{name}").latest("id")
            assert event.object_id == str(action.pk)
            assert event.actor == world["people"][actor]
            assert event.changes["status"] == [state, str(target)]

    expected = {
        actor: "moved" if state in sources and actor in allowed else "refused" for actor in ACTORS
    }
    assert results == expected


@pytest.mark.parametrize("state", sorted(OPEN))
def test_complete_without_an_impact_statement_is_refused(world, state):
    action = world["action"](state)
    with pytest.raises(TransitionRefused) as refused:
        move(world, action, "complete", "owner", impact_statement="   ")
    assert "impact statement" in messages(refused.value).lower()
    action.refresh_from_db()
    assert action.status == state
    assert action.impact_statement == ""


def test_sign_off_needs_an_impact_statement(world):
    action = world["action"](S.COMPLETE, impact="")
    with pytest.raises(TransitionRefused) as refused:
        move(world, action, "sign_off", "business_unit", impact_statement=None)
    assert "impact statement" in messages(refused.value).lower()
    action.refresh_from_db()
    assert action.status == S.COMPLETE
    assert action.signed_off_at is None
    assert action.signed_off_by is None


def test_sign_off_records_who_signed_off_and_when(world):
    action = world["action"](S.COMPLETE)
    bu = world["people"]["business_unit"]
    move(world, action, "sign_off", "business_unit", note="")

    action.refresh_from_db()
    assert action.status == S.SIGNED_OFF
    assert action.signed_off_by == bu
    assert action.signed_off_at is not None
    assert action.impact_statement == "Referrals rose by a third"


@pytest.mark.parametrize("name", ["start", "flag_at_risk", "complete", "reopen"])
def test_other_moves_do_not_sign_off(world, name):
    sources, _, _ = EXPECTED[name]
    action = world["action"](sorted(sources)[0])
    move(world, action, name, "business_unit")
    action.refresh_from_db()
    assert action.signed_off_at is None
    assert action.signed_off_by is None


@pytest.mark.parametrize(("name", "state"), [("reopen", S.COMPLETE), ("flag_at_risk", S.ON_TRACK)])
def test_moves_that_need_a_note_are_refused_without_one(world, name, state):
    action = world["action"](state)
    with pytest.raises(TransitionRefused) as refused:
        move(world, action, name, "business_unit", note="  ")
    assert "Enter a note explaining the change" in refused.value.messages
    action.refresh_from_db()
    assert action.status == state
    assert not ActionUpdate.objects.filter(action=action).exists()


def test_return_to_owner_keeps_the_note_as_an_update(world):
    action = world["action"](S.COMPLETE)
    move(world, action, "reopen", "business_unit", note="No evidence of impact yet")
    action.refresh_from_db()
    assert action.status == S.ON_TRACK
    update = ActionUpdate.objects.get(action=action)
    assert update.note == "Return to owner: No evidence of impact yet"


def test_carry_forward_needs_the_plan_it_goes_into(world):
    action = world["action"](S.ON_TRACK)
    with pytest.raises(TransitionRefused) as refused:
        move(world, action, "carry_forward", "business_unit", carried_to=None)
    assert "plan it is carried into" in messages(refused.value).lower()

    move(world, action, "carry_forward", "business_unit")
    action.refresh_from_db()
    assert action.status == S.CARRIED_FORWARD
    assert action.carried_to == world["next_plan"]


def test_a_stale_move_is_refused_and_changes_nothing(world):
    action = world["action"](S.NOT_STARTED)
    stale = Action.objects.get(pk=action.pk)
    move(world, action, "start", "owner")  # version 1 -> 2
    notifications = Notification.objects.count()
    events = Event.objects.count()
    updates = ActionUpdate.objects.count()

    with pytest.raises(StaleEdit):
        services.action_transition(
            action=stale,
            by=world["people"]["business_unit"],
            name="flag_at_risk",
            expected_version=1,
            note="Trainer has left",
        )

    action.refresh_from_db()
    assert action.status == S.ON_TRACK
    assert action.version == 2
    assert Event.objects.count() == events
    assert ActionUpdate.objects.count() == updates
    assert Notification.objects.count() == notifications


def test_an_unknown_move_is_refused(world):
    action = world["action"]()
    with pytest.raises(TransitionRefused):
        move(world, action, "delete", "business_unit")


def test_available_moves_are_the_buttons_each_user_sees(world):
    people = world["people"]
    not_started = world["action"](S.NOT_STARTED)
    complete = world["action"](S.COMPLETE)

    def names(action, actor):
        return [t.name for t in ACTION_WORKFLOW.available(action, people[actor])]

    assert names(not_started, "owner") == ["start", "flag_at_risk", "complete"]
    assert names(not_started, "business_unit") == [
        "start",
        "flag_at_risk",
        "complete",
        "carry_forward",
    ]
    assert names(not_started, "partner_lead") == []
    assert names(complete, "owner") == []
    assert names(complete, "business_unit") == ["sign_off", "reopen"]


# --------------------------------------------------------------------------- the docs


def test_the_docs_hold_the_current_state_diagram():
    text = DOC.read_text(encoding="utf-8")
    blocks = re.findall(r"```mermaid\n(.*?)```", text, flags=re.DOTALL)
    assert blocks == [ACTION_WORKFLOW.mermaid()], (
        "docs/workflows/actions.md is out of date: paste ACTION_WORKFLOW.mermaid() into its "
        "mermaid block"
    )


def test_the_docs_describe_every_status_and_move():
    text = DOC.read_text(encoding="utf-8")
    for status in S:
        assert status.label in text
    assert "overdue" in text.lower()
    assert "due date" in text
    for t in ACTION_WORKFLOW.transitions:
        assert t.label in text
