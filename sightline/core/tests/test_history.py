"""The one history describer: every event the code can record for a record's history has a
label, and labels read as sentences, never as raw values ("None to Rapid review")."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from sightline.core.history import (
    REASON_HIDDEN,
    Label,
    describe,
    fallback_text,
    history_labels,
    register_history_labels,
    unlabelled,
)
from sightline.core.models import Event
from sightline.core.workflow import Workflow

SIGHTLINE = Path(__file__).resolve().parents[2]
APPS = ("actions", "reviews", "learning", "publishing")

# Events that belong to no record's history: sign-in, settings, subscriptions, the back
# catalogue, documents and refusals (each shown where it belongs, or only in the event log).
OUTSIDE_RECORD_HISTORIES = {
    "access",
    "agency",
    "auth",
    "calendar_override",
    "clock",
    "document",
    "export",
    "library",
    "membership",
    "role_grant",
    "search_synonym",
    "subscription",
    "theme",
    "user",
}
# f-strings passed as `action=`, and what they stand for.
DYNAMIC_ACTIONS = {
    "{workflow.name}.{t.name}": "every workflow move",
    "auth.{stage}_failed": "auth",
    # A refusal shown to someone who may see the plan: a denied event, never in a history.
    "{action}.refused": "access",
}


@pytest.fixture(autouse=True)
def _labels_restored():
    """Labels registered by a test here are gone after it."""
    from sightline.core import history

    saved = dict(history._labels)
    yield
    history._labels.clear()
    history._labels.update(saved)


def _text(node: ast.AST) -> str:
    """An f-string's source with its expressions in braces: f"{a.b}.{c}" -> "{a.b}.{c}"."""
    parts = []
    for value in node.values:
        if isinstance(value, ast.Constant):
            parts.append(str(value.value))
        else:
            parts.append("{" + ast.unparse(value.value) + "}")
    return "".join(parts)


def _values(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _values(node.body) + _values(node.orelse)
    if isinstance(node, ast.JoinedStr):
        return [_text(node)]
    raise AssertionError(f"record_event(action=...) that this test cannot read: {ast.dump(node)}")


def recorded_actions() -> set[str]:
    """Every `action=` the code passes to record_event(), read from the source."""
    found: set[str] = set()
    for path in SIGHTLINE.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else None
            name = name or (node.func.id if isinstance(node.func, ast.Name) else "")
            if name != "record_event":
                continue
            for keyword in node.keywords:
                if keyword.arg == "action":
                    found.update(_values(keyword.value))
    return found


def workflow_moves() -> set[str]:
    moves = set()
    for app in APPS:
        module = importlib.import_module(f"sightline.{app}.workflow")
        for value in vars(module).values():
            if isinstance(value, Workflow):
                moves.update(f"{value.name}.{t.name}" for t in value.transitions)
    return moves


def test_the_source_is_read_and_records_the_events_we_know_of():
    actions = recorded_actions()
    assert {"partner.sign_off", "case_subject.read", "briefing.send", "action.progress"} <= actions
    assert "{workflow.name}.{t.name}" in actions
    assert len(workflow_moves()) > 30


def test_every_event_of_a_record_has_a_label():
    actions = recorded_actions()
    dynamic = {a for a in actions if "{" in a}
    unknown = dynamic - set(DYNAMIC_ACTIONS)
    assert not unknown, f"Say what these dynamic event actions stand for: {sorted(unknown)}"
    actions = (actions - dynamic) | workflow_moves()
    in_histories = {a for a in actions if a.split(".")[0] not in OUTSIDE_RECORD_HISTORIES}
    missing = unlabelled(in_histories)
    assert not missing, (
        "These events can appear in a record's history but have no label: register one in the "
        f"app's history.py: {missing}"
    )


def test_no_label_reads_like_a_raw_value():
    for action, label in history_labels().items():
        if isinstance(label.text, str):
            assert "None" not in label.text, action
            assert label.text[:1].isupper(), action


def _event(action, changes=None, reason="", **fields):
    return Event(action=action, changes=changes or {}, reason=reason, **fields)


def test_an_unlabelled_event_reads_as_its_action_in_words():
    (row,) = describe([_event("agency_return.reopen", {"stage": [None, "rapid_review"]})])
    assert row.what == fallback_text("agency_return.reopen") == "Agency return: reopen"
    assert row.detail == ""
    assert row.who == "The system"


def test_a_restricted_reads_reason_is_shown_only_to_those_who_see_identities():
    register_history_labels(
        {"test_subject.read": Label(text="Opened the test record", identity_reason=True)}
    )
    event = _event("test_subject.read", reason="Checking the family's address for the Panel")
    (hidden,) = describe([event], sees_identities=False)
    (shown,) = describe([event], sees_identities=True)
    assert hidden.what == f"Opened the test record ({REASON_HIDDEN})"
    assert hidden.reason == ""
    assert "address" not in " ".join(str(c) for c in hidden.cells())
    assert shown.what == "Opened the test record"
    assert shown.reason == "Checking the family's address for the Panel"


@pytest.mark.django_db
def test_labels_name_the_agencies_and_people_an_event_mentions(agency_factory, make_user):
    police = agency_factory("Northvale Police")
    person = make_user(full_name="Dr Asha Rao")
    register_history_labels(
        {
            "test.sign_off": Label(
                text=lambda v: f"{v.agency()} partner lead signed off",
                detail=lambda v: f"With {v.user('member')} on {v.words('on')}",
                agencies=("agency",),
                users=("member",),
            )
        }
    )
    event = _event(
        "test.sign_off",
        {"agency": [None, police.pk], "member": [None, person.pk], "on": [None, "2026-03-05"]},
        actor=person,
        actor_id=person.pk,
    )
    (row,) = describe([event])
    assert row.what == "Northvale Police partner lead signed off"
    assert row.detail == "With Dr Asha Rao on 5 March 2026"
    assert row.who == "Dr Asha Rao"
