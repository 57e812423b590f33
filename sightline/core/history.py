"""A record's history for people to read: event codes turned into labels.

Workflow moves are labelled from the workflow tables themselves ("Mark as at risk"), status
values from the workflow's states ("On track to At risk"); apps add labels for their other
events."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sightline.core.models import Event
from sightline.core.workflow import Workflow


def history_rows(
    events: Iterable[Event],
    *,
    workflows: Iterable[Workflow] = (),
    labels: Mapping[str, str] | None = None,
    state_labels: Mapping[str, str] | None = None,
    field_labels: Mapping[str, str] | None = None,
    edit_actions: Iterable[str] = (),
) -> list[dict]:
    """Rows of (event, label, detail, who). For the `edit_actions`, the detail names the fields
    changed ("Changed: summary, title"), in a stable order whatever the database returns."""
    edits = set(edit_actions)
    fields = dict(field_labels or {})
    names: dict[str, str] = {}
    states: dict[str, str] = {}
    for workflow in workflows:
        names.update({f"{workflow.name}.{t.name}": t.label for t in workflow.transitions})
        states.update({s.value: s.label for s in workflow.states})
    names.update(labels or {})
    states.update(state_labels or {})
    rows = []
    for event in events:
        label = (
            names.get(event.action)
            or event.action.replace("_", " ").replace(".", ": ").capitalize()
        )
        detail = ""
        changes = event.changes or {}
        if event.action in edits:
            named = sorted(fields.get(name, name.replace("_", " ")) for name in changes)
            detail = f"Changed: {', '.join(named)}" if named else ""
        for key in ("status", "stage"):
            if isinstance(changes.get(key), list) and len(changes[key]) == 2:
                before, after = changes[key]
                detail = detail or f"{states.get(before, before)} to {states.get(after, after)}"
                break
        who = event.actor.full_name if event.actor_id and event.actor else ""
        rows.append(
            {
                "event": event,
                "label": label,
                "detail": detail,
                "who": who or event.actor_label or "The system",
            }
        )
    return rows
