"""Briefing statuses and the moves between them, as data.

A briefing is written, reviewed and approved by someone other than its author, then published
by the business unit. Sending it to agencies is not a status: it is recorded per agency
(`Dissemination`) once the briefing is published."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from django.conf import settings

from sightline.core.forms import lower_first
from sightline.core.workflow import Problem, Transition, Workflow
from sightline.learning.access import can_approve, can_publish, can_submit
from sightline.learning.models import Briefing

S = Briefing.Status
SECTION_FIELDS = tuple(f"section_{i}" for i in range(1, 8))
REVIEW_SOURCES = (Briefing.Source.PRACTICE_REVIEW, Briefing.Source.RAPID_REVIEW)


class FieldLabels(Mapping):
    """Labels for the fields a move needs, phrased to follow "Enter the". The tiles are named by
    the partnership's headings, read when asked so a change to the setting shows at once."""

    fixed = {
        "title": "title",
        "reflective_questions": "reflective questions",
        "publish_date": "publish date",
        "review_date": "review date",
    }

    def _all(self) -> dict[str, str]:
        headings = settings.SIGHTLINE_BRIEFING_HEADINGS
        tiles = {
            f"section_{i + 1}": f"{lower_first(h)} (tile {i + 1})" for i, h in enumerate(headings)
        }
        return {**self.fixed, **tiles}

    def __getitem__(self, key: str) -> str:
        return self._all()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


def source_given(briefing: Briefing) -> str | None:
    """A briefing names where its learning comes from: the review case it is linked to, or in
    words the review (one held elsewhere), Line of Sight event, audit or topic."""
    if briefing.source_case_id or briefing.topic.strip():
        return None
    if briefing.source in REVIEW_SOURCES:
        return "Choose the review the briefing comes from, or describe it"
    return "Enter the topic or source details"


def review_after_publish(briefing: Briefing) -> Problem | None:
    if briefing.publish_date and briefing.review_date:
        if briefing.review_date <= briefing.publish_date:
            return Problem("Review date must be after the publish date", "review_date")
    return None


BRIEFING_WORKFLOW = Workflow(
    name="briefing",
    status_field="status",
    states=S,
    initial=S.DRAFT,
    field_labels=FieldLabels(),
    transitions=(
        Transition(
            name="submit",
            label="Send for review",
            sources=(S.DRAFT,),
            target=S.IN_REVIEW,
            allowed=can_submit,
            who="author or business unit",
            required=("title", *SECTION_FIELDS, "reflective_questions"),
            conditions=(source_given,),
            condition_text="its source",
        ),
        Transition(
            name="return",
            label="Return to author",
            sources=(S.IN_REVIEW,),
            target=S.DRAFT,
            allowed=can_approve,
            who="business unit or partner lead, not the author",
            note_required=True,
            button_style="secondary",
        ),
        Transition(
            name="approve",
            label="Approve",
            sources=(S.IN_REVIEW,),
            target=S.APPROVED,
            allowed=can_approve,
            who="business unit or partner lead, not the author",
        ),
        Transition(
            name="publish",
            label="Publish",
            sources=(S.APPROVED,),
            target=S.PUBLISHED,
            allowed=lambda user, briefing: can_publish(user, briefing),
            who="business unit",
            required=("publish_date", "review_date"),
            conditions=(review_after_publish,),
            condition_text="a review date after the publish date",
        ),
        Transition(
            name="withdraw",
            label="Withdraw",
            sources=(S.PUBLISHED,),
            target=S.WITHDRAWN,
            allowed=lambda user, briefing: can_publish(user, briefing),
            who="business unit",
            note_required=True,
            button_style="warning",
        ),
    ),
)
