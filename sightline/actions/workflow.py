"""Action plan statuses and the moves between them, as data.

Overdue is not a status: it is derived from the due date for any open action."""

from sightline.actions.access import can_manage_plans, can_progress_action
from sightline.actions.models import ActionStatus as S
from sightline.core.workflow import Transition, Workflow

OPEN = (S.NOT_STARTED, S.ON_TRACK, S.AT_RISK)

ACTION_WORKFLOW = Workflow(
    name="action",
    status_field="status",
    states=S,
    initial=S.NOT_STARTED,
    field_labels={"impact_statement": "impact statement", "carried_to": "plan it is carried into"},
    field_messages={"carried_to": "Select the plan it is carried into"},
    transitions=(
        Transition(
            name="start",
            label="Mark as on track",
            sources=(S.NOT_STARTED, S.AT_RISK),
            target=S.ON_TRACK,
            allowed=can_progress_action,
            who="owner, agency lead or business unit",
        ),
        Transition(
            name="flag_at_risk",
            label="Mark as at risk",
            sources=(S.NOT_STARTED, S.ON_TRACK),
            target=S.AT_RISK,
            allowed=can_progress_action,
            who="owner, agency lead or business unit",
            note_required=True,
            button_style="secondary",
        ),
        Transition(
            name="complete",
            label="Mark as complete",
            sources=OPEN,
            target=S.COMPLETE,
            allowed=can_progress_action,
            who="owner, agency lead or business unit",
            required=("impact_statement",),
        ),
        Transition(
            name="sign_off",
            label="Sign off",
            sources=(S.COMPLETE,),
            target=S.SIGNED_OFF,
            allowed=lambda user, action: can_manage_plans(user),
            who="business unit",
            required=("impact_statement",),
        ),
        Transition(
            name="reopen",
            label="Return to owner",
            sources=(S.COMPLETE,),
            target=S.ON_TRACK,
            allowed=lambda user, action: can_manage_plans(user),
            who="business unit",
            note_required=True,
            button_style="warning",
        ),
        Transition(
            name="carry_forward",
            label="Carry into another plan",
            sources=OPEN,
            target=S.CARRIED_FORWARD,
            allowed=lambda user, action: can_manage_plans(user),
            who="business unit",
            required=("carried_to",),
            note_required=True,
            button_style="secondary",
        ),
    ),
)
