"""How an action's events read in its history (sightline.core.history), and which events make
up that history."""

from __future__ import annotations

from sightline.actions.models import Action
from sightline.actions.workflow import ACTION_WORKFLOW
from sightline.core.history import (
    HistoryScope,
    Label,
    changed_fields,
    register_history_labels,
    register_workflow_history,
)

FIELD_LABELS = {
    "lesson": "lesson or finding",
    "description": "what will be done",
    "expected_change": "expected change",
    "owner_agency": "owner agency",
    "owner": "owner",
    "due_date": "due date",
    "themes": "themes",
    "title": "title",
    "source": "source",
    "summary": "summary",
}

DONE = {
    "start": "Marked the action as on track",
    "flag_at_risk": "Marked the action as at risk",
    "complete": "Marked the action as complete",
    "sign_off": "Signed off the action",
    "reopen": "Returned the action to its owner",
    "carry_forward": "Carried the action into another plan",
}


def _created(view) -> str:
    owner = view.agency("owner_agency")
    due = view.words("due_date")
    return f"Owned by {owner}, due {due}" if due else f"Owned by {owner}"


def _progress(view) -> str:
    count = len(view.new("evidence") or [])
    return f"With {count} piece{'s' if count != 1 else ''} of evidence" if count else ""


def register_history() -> None:
    register_workflow_history(ACTION_WORKFLOW, DONE)
    register_history_labels(
        {
            "action.create": Label(
                text="Added the action", detail=_created, agencies=("owner_agency",)
            ),
            "action.update": Label(
                text="Changed the action's details", detail=changed_fields(FIELD_LABELS)
            ),
            "action.progress": Label(text="Added a progress update", detail=_progress),
            "action.archive": "Archived the action",
            "action_plan.create": "Created the action plan",
            "action_plan.update": Label(
                text="Changed the action plan", detail=changed_fields(FIELD_LABELS)
            ),
        }
    )


def action_scope(action: Action) -> HistoryScope:
    return HistoryScope().add(action)
