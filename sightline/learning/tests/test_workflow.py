"""The briefing workflow: every move from every status for every kind of user; two people
(the author never approves their own briefing); required content, notes and dates; refused
stale moves; and the state diagram in the docs."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import override_settings

from sightline.core.clocks import today
from sightline.core.models import Event, Notification
from sightline.core.versioning import StaleEdit
from sightline.core.workflow import TransitionRefused
from sightline.learning import services
from sightline.learning.models import Briefing
from sightline.learning.workflow import BRIEFING_WORKFLOW

from .conftest import move

pytestmark = pytest.mark.django_db

S = Briefing.Status
DOC = Path(settings.BASE_DIR) / "docs" / "workflows" / "learning.md"

# Who may make each move, written out from the rules (not read from the code). The briefing is
# written by "author", a partner lead; "bu" is the business unit.
ACTORS = [
    "author",
    "bu",
    "partner2",
    "scrutineer",
    "lead",
    "practitioner",
    "reviewer",
    "admin",
    "nobody",
]
APPROVERS = {"bu", "partner2"}  # the business unit or a partner lead, never the author
EXPECTED = {
    "submit": ({S.DRAFT}, S.IN_REVIEW, {"author", "bu"}),
    "return": ({S.IN_REVIEW}, S.DRAFT, APPROVERS),
    "approve": ({S.IN_REVIEW}, S.APPROVED, APPROVERS),
    "publish": ({S.APPROVED}, S.PUBLISHED, {"bu"}),
    "withdraw": ({S.PUBLISHED}, S.WITHDRAWN, {"bu"}),
}


@pytest.fixture
def actors(people):
    return {**people, "author": people["partner"]}


@pytest.fixture
def briefing_in(make_briefing, people):
    def make(status):
        return make_briefing(status, author=people["partner"])

    return make


def messages(error: ValidationError) -> str:
    return " ".join(error.messages)


# --------------------------------------------------------------------------- the table


def test_the_workflow_declares_exactly_the_expected_moves():
    declared = {
        t.name: ({str(s) for s in t.sources}, str(t.target)) for t in BRIEFING_WORKFLOW.transitions
    }
    expected = {name: ({str(s) for s in src}, str(dst)) for name, (src, dst, _) in EXPECTED.items()}
    assert declared == expected
    assert BRIEFING_WORKFLOW.initial == S.DRAFT
    labels = {t.name: t.label for t in BRIEFING_WORKFLOW.transitions}
    assert labels == {
        "submit": "Send for review",
        "return": "Return to author",
        "approve": "Approve",
        "publish": "Publish",
        "withdraw": "Withdraw",
    }


MOVES = [(name, state) for name in EXPECTED for state in S.values]


@pytest.mark.parametrize(("name", "state"), MOVES, ids=[f"{n}-from-{s}" for n, s in MOVES])
def test_every_move_from_every_state_for_every_user(briefing_in, actors, name, state):
    sources, target, allowed = EXPECTED[name]
    results = {}
    for actor in ACTORS:
        briefing = briefing_in(state)
        version = briefing.version
        events_before = Event.objects.filter(action=f"briefing.{name}").count()
        try:
            move(briefing, name, actors[actor])
        except TransitionRefused as refused:
            results[actor], reason = "refused", messages(refused)
        else:
            results[actor], reason = "moved", ""
        briefing.refresh_from_db()
        if results[actor] == "refused":
            assert briefing.status == state, actor
            assert briefing.version == version, actor
            assert Event.objects.filter(action=f"briefing.{name}").count() == events_before
            why = "is not possible while the status is" if state not in sources else "You cannot"
            assert why in reason, actor
        else:
            assert briefing.status == target, actor
            assert briefing.version == version + 1
            event = Event.objects.filter(action=f"briefing.{name}").latest("id")
            assert event.object_type == "learning.briefing"
            assert event.object_id == str(briefing.pk)
            assert event.actor == actors[actor]
            assert event.changes["status"] == [state, str(target)]

    expected = {
        actor: "moved" if state in sources and actor in allowed else "refused" for actor in ACTORS
    }
    assert results == expected


@pytest.mark.parametrize("author", ["bu", "partner"])
def test_an_author_cannot_approve_or_return_their_own_briefing(make_briefing, people, author):
    briefing = make_briefing(S.IN_REVIEW, author=people[author])
    for name in ("approve", "return"):
        with pytest.raises(TransitionRefused, match="You cannot"):
            move(briefing, name, people[author])
    assert [t.name for t in BRIEFING_WORKFLOW.available(briefing, people[author])] == []
    briefing.refresh_from_db()
    assert briefing.status == S.IN_REVIEW
    assert briefing.approver is None


def test_another_business_unit_officer_can_approve_the_business_units_briefing(
    make_briefing, people
):
    briefing = make_briefing(S.IN_REVIEW, author=people["bu"])
    move(briefing, "approve", people["bu2"])
    briefing.refresh_from_db()
    assert briefing.status == S.APPROVED
    assert briefing.approver == people["bu2"]
    assert briefing.approved_at is not None


def test_approval_records_the_approver_and_tells_the_author(make_briefing, people):
    briefing = make_briefing(S.IN_REVIEW, author=people["bu"])
    move(briefing, "approve", people["partner"])
    briefing.refresh_from_db()
    assert briefing.approver == people["partner"]
    event = Event.objects.filter(action="briefing.approve").latest("id")
    assert event.changes["approver"] == [None, str(people["partner"])]
    subjects = Notification.objects.filter(user=people["bu"]).values_list("subject", flat=True)
    assert f"7-minute briefing {briefing.reference} has been approved" in subjects


# --------------------------------------------------------------------------- what moves need


def test_send_for_review_needs_every_tile_and_a_question(make_briefing, people):
    briefing = make_briefing(
        S.DRAFT, section_3="", section_7="   ", reflective_questions="", title="Draft"
    )
    with pytest.raises(TransitionRefused) as refused:
        move(briefing, "submit", people["bu"])
    problems = refused.value.messages
    assert "Enter the information (tile 3)" in problems
    assert "Enter the what to do (tile 7)" in problems
    assert "Enter the reflective questions" in problems
    assert len(problems) == 3
    briefing.refresh_from_db()
    assert briefing.status == S.DRAFT


@override_settings(
    SIGHTLINE_BRIEFING_HEADINGS=["Context", "Impact", "A", "B", "C", "Remember", "Actions"]
)
def test_the_tiles_are_named_by_the_partnerships_headings(make_briefing, people):
    briefing = make_briefing(S.DRAFT, section_1="")
    with pytest.raises(TransitionRefused) as refused:
        move(briefing, "submit", people["bu"])
    assert refused.value.messages == ["Enter the context (tile 1)"]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (Briefing.Source.TOPIC, "Enter the topic or source details"),
        (Briefing.Source.AUDIT, "Enter the topic or source details"),
        (
            Briefing.Source.RAPID_REVIEW,
            "Choose the review the briefing comes from, or describe it",
        ),
    ],
)
def test_send_for_review_needs_the_source(make_briefing, people, source, message):
    briefing = make_briefing(S.DRAFT, source=source, topic="")
    with pytest.raises(TransitionRefused) as refused:
        move(briefing, "submit", people["bu"])
    assert refused.value.messages == [message]


@pytest.mark.parametrize("name", ["return", "withdraw"])
def test_return_and_withdraw_need_a_note(make_briefing, people, name):
    state = S.IN_REVIEW if name == "return" else S.PUBLISHED
    briefing = make_briefing(state)
    with pytest.raises(TransitionRefused) as refused:
        move(briefing, name, people["partner"] if name == "return" else people["bu"], note=" ")
    assert "Enter a note explaining the change" in refused.value.messages
    briefing.refresh_from_db()
    assert briefing.status == state


def test_return_to_author_tells_the_author_why(make_briefing, people):
    briefing = make_briefing(S.IN_REVIEW, author=people["bu"])
    move(briefing, "return", people["partner"], note="Tile 4 names the school")
    briefing.refresh_from_db()
    assert briefing.status == S.DRAFT
    note = Notification.objects.get(user=people["bu"], subject__contains="returned")
    assert note.body == "Tile 4 names the school"
    assert Event.objects.filter(action="briefing.return").latest("id").reason == (
        "Tile 4 names the school"
    )


def test_publish_needs_a_publish_date_and_a_later_review_date(make_briefing, people):
    briefing = make_briefing(S.APPROVED)
    with pytest.raises(TransitionRefused) as refused:
        move(briefing, "publish", people["bu"], publish_date=None, review_date=None)
    assert refused.value.messages == ["Enter the publish date", "Enter the review date"]

    with pytest.raises(TransitionRefused) as refused:
        move(briefing, "publish", people["bu"], review_date=today() - timedelta(days=1))
    assert refused.value.messages == ["Review date must be after the publish date"]
    briefing.refresh_from_db()
    assert briefing.status == S.APPROVED
    assert briefing.publish_date is None

    move(briefing, "publish", people["bu"], review_date=today() + timedelta(days=200))
    briefing.refresh_from_db()
    assert briefing.status == S.PUBLISHED
    assert briefing.publish_date == today()
    assert briefing.review_date == today() + timedelta(days=200)
    assert briefing.published_at is not None


def test_publishing_records_whether_it_goes_to_the_public_library(make_briefing, people):
    public = make_briefing(S.PUBLISHED, is_public=True)
    private = make_briefing(S.PUBLISHED, is_public=False)
    events = Event.objects.filter(action="briefing.publish").order_by("id")
    by_object = {e.object_id: e.changes["is_public"] for e in events}
    assert by_object == {str(public.pk): [None, True], str(private.pk): [None, False]}


def test_a_stale_move_is_refused_and_changes_nothing(make_briefing, people):
    briefing = make_briefing(S.IN_REVIEW)
    stale = Briefing.objects.get(pk=briefing.pk)
    move(briefing, "return", people["partner"], note="Needs work")
    events, notes = Event.objects.count(), Notification.objects.count()

    with pytest.raises(StaleEdit):
        services.briefing_transition(
            briefing=stale, by=people["partner2"], name="approve", expected_version=stale.version
        )

    briefing.refresh_from_db()
    assert briefing.status == S.DRAFT
    assert briefing.approver is None
    assert Event.objects.count() == events
    assert Notification.objects.count() == notes


def test_an_unknown_move_is_refused(make_briefing, people):
    with pytest.raises(TransitionRefused):
        move(make_briefing(), "delete", people["bu"])


def test_available_moves_are_the_buttons_each_user_sees(make_briefing, people):
    in_review = make_briefing(S.IN_REVIEW, author=people["bu"])

    def names(briefing, who):
        return [t.name for t in BRIEFING_WORKFLOW.available(briefing, people[who])]

    assert names(in_review, "bu") == []
    assert names(in_review, "bu2") == ["return", "approve"]
    assert names(in_review, "partner") == ["return", "approve"]
    assert names(in_review, "scrutineer") == []
    assert names(in_review, "lead") == []


# --------------------------------------------------------------------------- the docs


def test_the_docs_hold_the_current_state_diagram():
    text = DOC.read_text(encoding="utf-8")
    blocks = re.findall(r"```mermaid\n(.*?)```", text, flags=re.DOTALL)
    assert blocks == [BRIEFING_WORKFLOW.mermaid()], (
        "docs/workflows/learning.md is out of date: paste BRIEFING_WORKFLOW.mermaid() into its "
        "mermaid block"
    )


def test_the_docs_describe_every_status_and_move():
    text = DOC.read_text(encoding="utf-8")
    for status in S:
        assert status.label in text
    for t in BRIEFING_WORKFLOW.transitions:
        assert f"{t.label} (`{t.name}`)" in text
