"""Every write to action plans, actions and progress updates."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from sightline.accounts.models import Role, User
from sightline.actions.models import Action, ActionPlan, ActionStatus, ActionUpdate
from sightline.actions.reminders import ActionReminders
from sightline.actions.workflow import ACTION_WORKFLOW
from sightline.core.clocks import today
from sightline.core.documents import document_create
from sightline.core.events import diff, record_event, snapshot
from sightline.core.notifications import notify
from sightline.core.references import create_with_reference
from sightline.core.versioning import create_record, save_versioned
from sightline.core.workflow import page_updates, transition

PLAN_FIELDS = ["title", "source", "summary", "themes"]
ACTION_FIELDS = [
    "lesson",
    "description",
    "expected_change",
    "owner_agency",
    "owner",
    "due_date",
    "themes",
]


def _action_url(action: Action) -> str:
    return reverse("actions:detail", args=[action.reference])


def _agency_leads(agency_id: int) -> list[User]:
    return list(
        User.objects.filter(
            is_active=True,
            memberships__agency_id=agency_id,
            memberships__role=Role.AGENCY_LEAD,
            memberships__active=True,
        ).distinct()
    )


def _business_unit() -> list[User]:
    return list(
        User.objects.filter(
            is_active=True, memberships__role=Role.BUSINESS_UNIT, memberships__active=True
        ).distinct()
    )


def _people_for(action: Action) -> list[User]:
    people = _agency_leads(action.owner_agency_id)
    if action.owner_id:
        people.append(action.owner)
    return people


@transaction.atomic
def action_plan_create(
    *, by: User, title: str, source: str, summary: str = "", themes: Iterable = ()
) -> ActionPlan:
    year = timezone.localdate().year

    def make(reference: str) -> ActionPlan:
        return create_record(
            ActionPlan(reference=reference, title=title, source=source, summary=summary), by=by
        )

    plan = create_with_reference(ActionPlan, f"AP-{year}", make)
    plan.themes.set(themes)
    record_event(
        action="action_plan.create",
        actor=by,
        obj=plan,
        changes=diff({}, snapshot(plan, PLAN_FIELDS)),
    )
    return plan


@transaction.atomic
def action_plan_update(
    *, plan: ActionPlan, by: User, expected_version: int, themes: Iterable | None = None, **fields
) -> ActionPlan:
    before = snapshot(plan, PLAN_FIELDS)
    for key, value in fields.items():
        setattr(plan, key, value)
    save_versioned(plan, by=by, expected_version=expected_version, fields=list(fields))
    if themes is not None:
        plan.themes.set(themes)
    record_event(
        action="action_plan.update",
        actor=by,
        obj=plan,
        changes=diff(before, snapshot(plan, PLAN_FIELDS)),
    )
    return plan


@transaction.atomic
def action_create(
    *,
    by: User,
    plan: ActionPlan,
    lesson: str,
    description: str,
    expected_change: str,
    owner_agency,
    due_date: date,
    owner: User | None = None,
    themes: Iterable = (),
) -> Action:
    year = timezone.localdate().year

    def make(reference: str) -> Action:
        return create_record(
            Action(
                plan=plan,
                reference=reference,
                lesson=lesson,
                description=description,
                expected_change=expected_change,
                owner_agency=owner_agency,
                owner=owner,
                due_date=due_date,
            ),
            by=by,
        )

    action = create_with_reference(Action, f"ACT-{year}", make)
    action.themes.set(themes)
    record_event(
        action="action.create",
        actor=by,
        obj=action,
        changes=diff({}, snapshot(action, ACTION_FIELDS)),
    )
    notify(
        users=_people_for(action),
        subject=f"New action {action.reference} for {action.owner_agency}",
        body=f"Due {action.due_date:%d %B %Y}. {action.description[:300]}",
        url=_action_url(action),
    )
    return action


@transaction.atomic
def action_update(
    *, action: Action, by: User, expected_version: int, themes: Iterable | None = None, **fields
) -> Action:
    before = snapshot(action, ACTION_FIELDS)
    owner_before = action.owner_id
    for key, value in fields.items():
        setattr(action, key, value)
    save_versioned(action, by=by, expected_version=expected_version, fields=list(fields))
    if themes is not None:
        action.themes.set(themes)
    changes = diff(before, snapshot(action, ACTION_FIELDS))
    record_event(action="action.update", actor=by, obj=action, changes=changes)
    if action.owner_id and action.owner_id != owner_before:
        notify(
            users=[action.owner],
            subject=f"You now own action {action.reference}",
            body=f"Due {action.due_date:%d %B %Y}.",
            url=_action_url(action),
        )
    return action


@transaction.atomic
def action_progress_add(
    *,
    action: Action,
    by: User,
    note: str,
    on_date: date | None = None,
    files: Iterable = (),
) -> ActionUpdate:
    """A dated progress update with evidence files; it does not change the status."""
    update = ActionUpdate(
        action=action, on_date=on_date or today(), note=note, status_after=action.status, author=by
    )
    update.full_clean()
    update.save()
    documents = [document_create(uploaded_file=f, by=by, owner=update) for f in files]
    if documents:
        update.evidence.set(documents)
    record_event(
        action="action.progress",
        actor=by,
        obj=action,
        changes={"update": [None, update.pk], "evidence": [None, [str(d.pk) for d in documents]]},
    )
    return update


@transaction.atomic
def action_transition(
    *,
    action: Action,
    by: User,
    name: str,
    expected_version: int,
    note: str = "",
    impact_statement: str | None = None,
    carried_to: ActionPlan | None = None,
    updates: Mapping[str, Any] | None = None,
) -> Action:
    """Make one move. `updates` are the fields the move's page filled in (the impact statement,
    the plan it is carried into), saved with the move in one step."""
    updates = page_updates(updates, TRANSITION_FIELDS)
    if carried_to is not None:
        updates["carried_to"] = carried_to
    if impact_statement is not None and impact_statement.strip():
        updates["impact_statement"] = impact_statement.strip()
    if name == "sign_off":
        updates["signed_off_by"] = by
        updates["signed_off_at"] = timezone.now()
    transition(
        ACTION_WORKFLOW,
        action,
        name=name,
        by=by,
        expected_version=expected_version,
        note=note,
        updates=updates,
    )
    t = ACTION_WORKFLOW.get(name)
    if note.strip():
        ActionUpdate.objects.create(
            action=action,
            on_date=today(),
            note=f"{t.label}: {note.strip()}",
            status_after=action.status,
            author=by,
        )
    url = _action_url(action)
    if action.status == ActionStatus.COMPLETE:
        notify(
            users=_business_unit(),
            subject=f"Action {action.reference} is ready for sign-off",
            body=f"{action.owner_agency} marked it complete.",
            url=url,
        )
    elif name in {"sign_off", "reopen"}:
        notify(
            users=_people_for(action),
            subject=f"Action {action.reference}: {t.label.lower()}",
            body=note,
            url=url,
        )
    return action


# The fields a move's page may fill.
TRANSITION_FIELDS = ("impact_statement", "carried_to")


@transaction.atomic
def action_archive(*, action: Action, by: User, reason: str) -> Action:
    Action.objects.filter(pk=action.pk).update(archived_at=timezone.now())
    record_event(action="action.archive", actor=by, obj=action, reason=reason)
    return action


def action_send_reminders(*, on: date | None = None) -> int:
    """Daily: remind owners before the due date and when overdue; idempotent per due date.
    What is sent on a day is `ActionReminders.due_on()`, which the action pages also read."""
    day = on or today()
    rule = ActionReminders.load()
    sent = 0
    actions = Action.objects.filter(
        archived_at__isnull=True, status__in=ACTION_OPEN, due_date__lte=rule.horizon(day)
    ).select_related("owner", "owner_agency")
    leads_by_agency: dict[int, list[User]] = {}
    for action in actions:
        reminders = rule.due_on(action, day)
        if not reminders:
            continue
        if action.owner_agency_id not in leads_by_agency:
            leads_by_agency[action.owner_agency_id] = _agency_leads(action.owner_agency_id)
        people = list(leads_by_agency[action.owner_agency_id])
        if action.owner_id:
            people.append(action.owner)
        for reminder in reminders:
            if reminder.overdue:
                subject = f"Action {action.reference} is overdue"
            else:
                subject = f"Action {action.reference} is due on {action.due_date:%d %B %Y}"
            with transaction.atomic():
                sent += len(
                    notify(
                        users=people,
                        subject=subject,
                        body=action.description[:300],
                        url=_action_url(action),
                        dedupe_key=reminder.key,
                        about=action,
                    )
                )
    return sent


ACTION_OPEN = [
    s.value for s in (ActionStatus.NOT_STARTED, ActionStatus.ON_TRACK, ActionStatus.AT_RISK)
]
