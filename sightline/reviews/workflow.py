"""The three workflows of a serious incident, as data: notification, rapid review, local review.

Each transition says who may make it, which fields must be filled and any further condition.
The state diagrams in docs/workflows/reviews.md are generated from these tables."""

from __future__ import annotations

from sightline.core.workflow import Problem, Transition, Workflow
from sightline.reviews import access, signoffs
from sightline.reviews.models import IncidentNotification, LocalReview, PartnerSignOff, RapidReview

N = IncidentNotification.Status
R = RapidReview.Status
L = LocalReview.Status


def _bu(user, obj) -> bool:
    return access.is_business_unit(user)


def _notifier(user, notification) -> bool:
    return access.is_notifier(user, notification.case)


def _bu_or_reviewer(user, review) -> bool:
    return access.can_work_on_review(user, review.case)


def partners_missing(case, stage: str) -> list[str]:
    """Names of the safeguarding partners without a current sign-off of this stage: one given to
    the content as it is now, and not withdrawn (see signoffs.py)."""
    return signoffs.partners_missing(case, stage)


def _all_partners_signed_rapid_review(rr) -> str | None:
    missing = partners_missing(rr.case, PartnerSignOff.Stage.RAPID_REVIEW)
    return f"Sign-off is still needed from {', '.join(missing)}" if missing else None


def _all_partners_signed_final(review) -> str | None:
    missing = partners_missing(review.case, PartnerSignOff.Stage.FINAL_REPORT)
    return (
        f"Quality assurance sign-off is still needed from {', '.join(missing)}" if missing else None
    )


def _reviewer_appointed(review) -> str | None:
    from sightline.reviews.models import CaseMember

    has = CaseMember.objects.filter(
        case=review.case, part=CaseMember.Part.REVIEWER, archived_at__isnull=True
    ).exists()
    return None if has else "Appoint an independent reviewer first"


def _has_draft(review) -> str | None:
    return None if review.drafts.exists() else "Upload a draft report first"


def alternative_route_given(rr) -> Problem | None:
    """A recommendation of no review says how the learning will be taken forward instead."""
    if (
        rr.recommendation == RapidReview.Recommendation.NO_REVIEW
        and not (rr.alternative_learning or "").strip()
    ):
        return Problem("Enter the alternative learning route", "alternative_learning")
    return None


def response_after_sending(rr) -> Problem | None:
    sent, replied = rr.sent_to_panel_date, rr.panel_response_date
    if sent and replied and replied < sent:
        return Problem(
            "Date of the Panel's response must be on or after the date sent",
            "panel_response_date",
        )
    return None


def _returns_submitted(rr) -> str | None:
    waiting = [
        r.agency.name for r in rr.returns.select_related("agency") if r.status != "submitted"
    ]
    return f"Returns are still awaited from {', '.join(waiting)}" if waiting else None


def actions_outstanding(case) -> list[str]:
    """References of the case's actions that are neither complete nor carried into another plan."""
    from sightline.actions.models import Action, ActionStatus

    done = {ActionStatus.COMPLETE, ActionStatus.SIGNED_OFF, ActionStatus.CARRIED_FORWARD}
    return list(
        Action.objects.filter(recommendations__case=case, archived_at__isnull=True)
        .exclude(status__in=done)
        .values_list("reference", flat=True)
        .distinct()
    )


def _actions_done(review) -> str | None:
    outstanding = actions_outstanding(review.case)
    if outstanding:
        return "These actions must be complete or carried into another plan first: " + ", ".join(
            outstanding
        )
    return None


NOTIFICATION_WORKFLOW = Workflow(
    name="notification",
    status_field="status",
    states=N,
    initial=N.CONCERN_RAISED,
    field_labels={
        "abuse_or_neglect": "answer on abuse or neglect",
        "death_or_serious_harm": "answer on death or serious harm",
        "looked_after_child": "answer on whether the child was looked after",
        "la_aware_date": "date the local authority became aware",
        "decision_date": "decision date",
        "sent_date": "date the notification was sent",
        "panel_reference": "Panel reference",
        "partners_informed_date": "date the safeguarding partners were informed",
        "partnership_copy_date": "date the copy went to the partnership office",
        "not_notified_reasons": "reasons for not notifying",
    },
    field_messages={
        "abuse_or_neglect": "Select whether abuse or neglect is known or suspected",
        "death_or_serious_harm": "Select whether the child died or was seriously harmed",
        "looked_after_child": "Select whether the child was looked after",
    },
    transitions=(
        Transition(
            name="notify",
            label="Record notification",
            sources=(N.CONCERN_RAISED,),
            target=N.NOTIFIED,
            allowed=_notifier,
            who="local authority notifier",
            required=(
                "abuse_or_neglect",
                "death_or_serious_harm",
                "looked_after_child",
                "la_aware_date",
                "decision_date",
                "sent_date",
                "panel_reference",
                "partners_informed_date",
                "partnership_copy_date",
            ),
        ),
        Transition(
            name="not_notify",
            label="Record decision not to notify",
            sources=(N.CONCERN_RAISED,),
            target=N.NOT_NOTIFIED,
            allowed=_notifier,
            who="local authority notifier",
            required=(
                "abuse_or_neglect",
                "death_or_serious_harm",
                "looked_after_child",
                "la_aware_date",
                "decision_date",
                "not_notified_reasons",
            ),
            button_style="secondary",
        ),
    ),
)

RAPID_REVIEW_WORKFLOW = Workflow(
    name="rapid_review",
    status_field="status",
    states=R,
    initial=R.OPEN,
    field_labels={
        "returns_due_date": "date returns are due",
        "meeting_date": "meeting date",
        "attendees": "attendees",
        "facts": "facts of the case",
        "immediate_actions": "immediate safety actions",
        "family_context": "family context",
        "recommendation": "recommendation",
        "recommendation_reasons": "reasons for the recommendation",
        "sent_to_panel_date": "date sent to the Panel",
        "panel_response_date": "date of the Panel's response",
        "panel_response": "Panel's response",
        "decision": "decision",
        "decision_date": "decision date",
        "decision_reasons": "reasons for the decision",
    },
    field_messages={
        "recommendation": "Select what the rapid review recommends",
        "decision": "Select what the safeguarding partners decided",
    },
    transitions=(
        Transition(
            name="request_returns",
            label="Request agency returns",
            sources=(R.OPEN,),
            target=R.RETURNS_REQUESTED,
            allowed=_bu,
            who="business unit",
            required=("returns_due_date",),
        ),
        Transition(
            name="record_meeting",
            label="Record the review meeting",
            sources=(R.RETURNS_REQUESTED,),
            target=R.MEETING_HELD,
            allowed=_bu,
            who="business unit",
            required=("meeting_date", "attendees", "facts", "immediate_actions", "family_context"),
            conditions=(_returns_submitted,),
            condition_text="every agency return submitted",
        ),
        Transition(
            name="recommend",
            label="Record the recommendation",
            sources=(R.MEETING_HELD,),
            target=R.RECOMMENDATION_MADE,
            allowed=_bu,
            who="business unit",
            required=("recommendation", "recommendation_reasons"),
            conditions=(alternative_route_given,),
            condition_text="an alternative learning route if no review is recommended",
        ),
        Transition(
            name="complete_sign_off",
            label="Confirm partner sign-off",
            sources=(R.RECOMMENDATION_MADE,),
            target=R.SIGNED_OFF,
            allowed=_bu,
            who="business unit",
            conditions=(_all_partners_signed_rapid_review,),
            condition_text="all three safeguarding partners signed off the current version",
        ),
        Transition(
            name="reopen_sign_off",
            label="Reopen for changes",
            sources=(R.SIGNED_OFF,),
            target=R.RECOMMENDATION_MADE,
            allowed=_bu,
            who="business unit",
            note_required=True,
            button_style="secondary",
        ),
        Transition(
            name="send_to_panel",
            label="Record sending to the Panel",
            sources=(R.SIGNED_OFF,),
            target=R.SENT_TO_PANEL,
            allowed=_bu,
            who="business unit",
            required=("sent_to_panel_date",),
            conditions=(_all_partners_signed_rapid_review,),
            condition_text="the partners' sign-offs still current",
        ),
        Transition(
            name="record_panel_response",
            label="Record the Panel's response",
            sources=(R.SENT_TO_PANEL,),
            target=R.PANEL_RESPONDED,
            allowed=_bu,
            who="business unit",
            required=("panel_response_date", "panel_response"),
            conditions=(response_after_sending,),
            condition_text="a response dated on or after the date sent",
        ),
        Transition(
            name="decide",
            label="Record the decision",
            sources=(R.SENT_TO_PANEL, R.PANEL_RESPONDED),
            target=R.DECIDED,
            allowed=_bu,
            who="business unit",
            required=("decision", "decision_date", "decision_reasons"),
        ),
    ),
)

LOCAL_REVIEW_WORKFLOW = Workflow(
    name="local_review",
    status_field="status",
    states=L,
    initial=L.COMMISSIONED,
    field_labels={
        "terms_of_reference": "terms of reference",
        "methodology": "methodology",
        "final_agreed_date": "date the final report was agreed",
    },
    transitions=(
        Transition(
            name="confirm_reviewer",
            label="Confirm reviewer appointment",
            sources=(L.COMMISSIONED,),
            target=L.REVIEWER_APPOINTED,
            allowed=_bu,
            who="business unit",
            conditions=(_reviewer_appointed,),
            condition_text="an independent reviewer named on the case",
        ),
        Transition(
            name="agree_tor",
            label="Agree terms of reference",
            sources=(L.REVIEWER_APPOINTED,),
            target=L.TOR_AGREED,
            allowed=_bu,
            who="business unit",
            required=("terms_of_reference", "methodology"),
        ),
        Transition(
            name="start_evidence",
            label="Start evidence gathering",
            sources=(L.TOR_AGREED,),
            target=L.EVIDENCE,
            allowed=_bu_or_reviewer,
            who="business unit or reviewer",
        ),
        Transition(
            name="submit_draft",
            label="Submit draft report",
            sources=(L.EVIDENCE,),
            target=L.DRAFT,
            allowed=_bu_or_reviewer,
            who="business unit or reviewer",
            conditions=(_has_draft,),
            condition_text="a draft uploaded",
        ),
        Transition(
            name="start_qa",
            label="Send to partners for quality assurance",
            sources=(L.DRAFT,),
            target=L.PARTNER_QA,
            allowed=_bu,
            who="business unit",
        ),
        Transition(
            name="return_to_draft",
            label="Return to the reviewer",
            sources=(L.PARTNER_QA,),
            target=L.DRAFT,
            allowed=_bu,
            who="business unit",
            note_required=True,
            button_style="warning",
        ),
        Transition(
            name="agree_final",
            label="Agree the final report",
            sources=(L.PARTNER_QA,),
            target=L.FINAL_AGREED,
            allowed=_bu,
            who="business unit",
            required=("final_agreed_date",),
            conditions=(_all_partners_signed_final,),
            condition_text="all three partners' quality assurance sign-off of the current version",
        ),
        Transition(
            name="ready_for_publication",
            label="Mark ready for publication",
            sources=(L.FINAL_AGREED,),
            target=L.READY_FOR_PUBLICATION,
            allowed=_bu,
            who="business unit",
        ),
        Transition(
            name="close",
            label="Close the review",
            sources=(L.READY_FOR_PUBLICATION,),
            target=L.CLOSED,
            allowed=_bu,
            who="business unit",
            conditions=(_actions_done,),
            condition_text="every action complete or carried into another plan",
        ),
    ),
)

WORKFLOWS = (NOTIFICATION_WORKFLOW, RAPID_REVIEW_WORKFLOW, LOCAL_REVIEW_WORKFLOW)
