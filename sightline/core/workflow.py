"""The workflow helper: a process declares its states and transitions as data, and one
`transition()` applies them.

A `Workflow` is a table of `Transition`s: from which states, to which state, who may make it
(a predicate over the user and the object), and which fields must be filled first. Buttons,
access rules, the transition pages (`sightline.core.transition_pages`) and the state diagrams
in docs/workflows/ all read the same table.

A refusal says where each problem belongs: `TransitionRefused` is a `ValidationError` keyed by
field (a required field left empty, the note, or a condition that returns a `Problem` naming a
field), with the rest under `NON_FIELD_ERRORS`, so a page shows each message beside its field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction

from sightline.core.events import record_event
from sightline.core.versioning import save_versioned

NOTE_REQUIRED = "Enter a note explaining the change"


@dataclass(frozen=True)
class Problem:
    """A condition's problem that belongs beside one field of the move's page, for example
    "Review date must be after the publish date" beside the review date."""

    message: str
    field: str

    def __str__(self) -> str:
        return self.message


Allowed = Callable[[Any, models.Model], bool]
# A condition on the object beyond filled fields: returns a problem to show (a message, or a
# `Problem` naming the field it belongs to), or None.
Condition = Callable[[models.Model], str | Problem | None]


class TransitionRefused(ValidationError):
    """A transition that is not allowed from this state, by this user, or with missing fields.

    Raised by `Workflow.check()` with its messages keyed by field (`problems_by_field()`)."""

    def problems_by_field(self) -> dict[str, list[str]]:
        """Messages by the field they belong to; those of no field under NON_FIELD_ERRORS."""
        if hasattr(self, "error_dict"):
            return self.message_dict
        return {NON_FIELD_ERRORS: list(self.messages)}


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: tuple[str, ...]
    target: str
    allowed: Allowed
    who: str  # plain words for the docs and diagrams, e.g. "business unit"
    required: tuple[str, ...] = ()
    note_required: bool = False
    button_style: str = ""  # "", "secondary" or "warning"
    conditions: tuple[Condition, ...] = ()
    condition_text: str = ""  # plain words for the docs, e.g. "all three partners signed off"


@dataclass
class Workflow:
    name: str
    status_field: str
    states: type[models.TextChoices]
    transitions: tuple[Transition, ...]
    initial: str
    field_labels: Mapping[str, str] = field(default_factory=dict)
    # The message for a required field left empty, where "Enter the <label>" is not right
    # (a choice: "Select whether the child was looked after").
    field_messages: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        values = {s.value for s in self.states}
        names = set()
        for t in self.transitions:
            unknown = (set(t.sources) | {t.target}) - values
            if unknown:
                raise ValueError(f"{self.name}: unknown states {unknown} in {t.name}")
            if t.name in names:
                raise ValueError(f"{self.name}: duplicate transition {t.name}")
            names.add(t.name)

    def get(self, name: str) -> Transition:
        for t in self.transitions:
            if t.name == name:
                return t
        raise TransitionRefused("That change is not available.")

    def state_of(self, obj: models.Model) -> str:
        return getattr(obj, self.status_field)

    def available(self, obj: models.Model, user) -> list[Transition]:
        state = self.state_of(obj)
        return [t for t in self.transitions if state in t.sources and t.allowed(user, obj)]

    def label(self, name: str) -> str:
        """A field's label, phrased to follow "Enter the" (proper nouns such as "Panel" keep
        their capital)."""
        return self.field_labels.get(name, name.replace("_", " "))

    def required_message(self, name: str) -> str:
        return self.field_messages.get(name) or f"Enter the {self.label(name)}"

    def empty_required(self, obj: models.Model, t: Transition) -> list[str]:
        """Names of the move's required fields that are still empty."""
        missing = []
        for name in t.required:
            value = getattr(obj, name)
            if value is None or (isinstance(value, str) and not value.strip()):
                missing.append(name)
        return missing

    def missing_fields(self, obj: models.Model, t: Transition) -> list[str]:
        """Labels of the required fields still empty."""
        return [self.label(name) for name in self.empty_required(obj, t)]

    def unmet_conditions(
        self, obj: models.Model, t: Transition
    ) -> list[tuple[Condition, str | None, str]]:
        """(condition, field or None, message) for each condition the object does not meet."""
        unmet = []
        for condition in t.conditions:
            problem = condition(obj)
            if problem:
                unmet.append((condition, getattr(problem, "field", None), str(problem)))
        return unmet

    def problems(self, obj: models.Model, t: Transition, note: str = "") -> dict[str, list[str]]:
        """What stops the move beyond state and permission, keyed by field: each empty required
        field, the note, then each unmet condition (beside its field if it names one)."""
        problems: dict[str, list[str]] = {}
        for name in self.empty_required(obj, t):
            problems.setdefault(name, []).append(self.required_message(name))
        if t.note_required and not note.strip():
            problems.setdefault("note", []).append(NOTE_REQUIRED)
        for _condition, name, message in self.unmet_conditions(obj, t):
            problems.setdefault(name or NON_FIELD_ERRORS, []).append(message)
        return problems

    def check(self, obj: models.Model, t: Transition, user, note: str = "") -> None:
        state = self.state_of(obj)
        if state not in t.sources:
            label = self.states(state).label
            raise TransitionRefused(f"“{t.label}” is not possible while the status is {label}.")
        if not t.allowed(user, obj):
            raise TransitionRefused(f"You cannot “{t.label.lower()}” here.")
        problems = self.problems(obj, t, note)
        if problems:
            raise TransitionRefused(problems)

    def mermaid(self) -> str:
        lines = ["stateDiagram-v2", f"    [*] --> {self.initial}"]
        for t in self.transitions:
            for source in t.sources:
                needs = [*t.required, *([t.condition_text] if t.condition_text else [])]
                extra = f" (needs {', '.join(needs)})" if needs else ""
                lines.append(f"    {source} --> {t.target}: {t.label} — {t.who}{extra}")
        return "\n".join(lines) + "\n"


def page_updates(updates: Mapping[str, Any] | None, allowed: Iterable[str]) -> dict[str, Any]:
    """The field values a transition page sends with a move, checked against the fields the
    service lets a move fill (a page cannot write anything else). Text is stripped."""
    updates = dict(updates or {})
    unknown = set(updates) - set(allowed)
    if unknown:
        raise ValueError(f"Not filled by a move: {sorted(unknown)}")
    return {k: v.strip() if isinstance(v, str) else v for k, v in updates.items()}


def transition(
    workflow: Workflow,
    obj: models.Model,
    *,
    name: str,
    by,
    expected_version: int,
    note: str = "",
    updates: Mapping[str, Any] | None = None,
    extra_event: Mapping[str, Any] | None = None,
) -> models.Model:
    """Apply one transition: check it, set the status (and any fields it fills), save with the
    version check, and record an event. `updates` are field values set before the check, so a
    form can supply a required field and the move in one step."""
    t = workflow.get(name)
    with transaction.atomic():
        for key, value in (updates or {}).items():
            setattr(obj, key, value)
        workflow.check(obj, t, by, note)
        before = workflow.state_of(obj)
        setattr(obj, workflow.status_field, t.target)
        fields: Iterable[str] = [workflow.status_field, *(updates or {}).keys()]
        save_versioned(obj, by=by, expected_version=expected_version, fields=list(fields))
        changes = {workflow.status_field: [before, t.target]}
        changes.update({k: [None, str(v)[:200]] for k, v in (updates or {}).items()})
        changes.update(extra_event or {})
        record_event(
            action=f"{workflow.name}.{t.name}", actor=by, obj=obj, changes=changes, reason=note
        )
    return obj
