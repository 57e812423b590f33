"""How a case's events read in its history (sightline.core.history), and which events make up
that history: the case's own, and those of its notification decision, rapid review, local
review, agency returns and restricted record.

Opening the restricted record is shown to everyone who sees the case's history; the reason
given only to people who may see identities (`access.can_see_identity`)."""

from __future__ import annotations

from sightline.core.history import (
    HistoryScope,
    Label,
    changed_fields,
    register_history_labels,
    register_workflow_history,
    status_change,
)
from sightline.reviews.models import (
    AgencyReturn,
    Case,
    CaseMember,
    CaseStage,
    CaseSubject,
    EngagementEntry,
    ParallelProceeding,
    RapidReview,
)
from sightline.reviews.workflow import (
    LOCAL_REVIEW_WORKFLOW,
    NOTIFICATION_WORKFLOW,
    RAPID_REVIEW_WORKFLOW,
)

FIELD_LABELS = {
    # the case
    "pseudonym": "pseudonym",
    "age_band": "age",
    "harm": "harm",
    "looked_after": "looked after",
    "incident_date": "date of the incident",
    "aware_date": "date the local authority became aware",
    "summary": "summary",
    "lead_agency": "lead agency",
    "case_officer": "case officer",
    "involved_agencies": "agencies involved",
    "themes": "themes",
    # the rapid review
    "meeting_date": "meeting date",
    "attendees": "attendees",
    "facts": "facts",
    "immediate_actions": "immediate actions",
    "learning_shared": "learning shared",
    "improvements": "improvements",
    "family_context": "family context",
    "recommendation": "recommendation",
    "criterion_improvements": "criteria for a local review",
    "criterion_recurrent_themes": "criteria for a local review",
    "criterion_agencies_working_together": "criteria for a local review",
    "criterion_panel_suggested": "criteria for a local review",
    "recommendation_reasons": "reasons for the recommendation",
    "alternative_learning": "alternative learning",
    "sent_to_panel_date": "date sent to the Panel",
    "panel_response_date": "date of the Panel's response",
    "panel_response": "Panel's response",
    "decision": "decision",
    "decision_date": "decision date",
    "decision_reasons": "reasons for the decision",
    # the local review
    "terms_of_reference": "terms of reference",
    "methodology": "methodology",
    "final_agreed_date": "date the final report was agreed",
    "delay_reason": "reason for delay",
    "delay_notified_date": "date the delay was notified",
    # parallel proceedings
    "kind": "kind",
    "status": "status",
    "liaison_notes": "liaison notes",
    "causes_delay": "whether it delays the review",
    "delay_notes": "delay notes",
    "panel_told_date": "date the Panel was told",
    # an agency return
    "involvement": "involvement",
    "key_practice_episodes": "key practice episodes",
    "immediate_safety_actions": "immediate safety actions",
    "early_learning": "early learning",
}
SIGN_OFF_STAGES = {"rapid_review": "the rapid review", "final_report": "the final report"}
STAGES = dict(CaseStage.choices)
FORMATS = {"pdf": "PDF", "docx": "Word"}

NOTIFICATION_DONE = {
    "notify": "Recorded the notification to the Panel",
    "not_notify": "Recorded the decision not to notify the Panel",
}
LOCAL_REVIEW_DONE = {
    "confirm_reviewer": "Confirmed the reviewer's appointment",
    "agree_tor": "Agreed the terms of reference",
    "start_evidence": "Started gathering evidence",
    "submit_draft": "Submitted the draft report",
    "start_qa": "Sent the report to the partners for quality assurance",
    "return_to_draft": "Returned the report to the reviewer",
    "agree_final": "Agreed the final report",
    "ready_for_publication": "Marked the review ready for publication",
    "close": "Closed the local review",
}


def _return_agency(view) -> str:
    ret = view.obj
    return ret.agency.name if isinstance(ret, AgencyReturn) else "an agency"


def _requested(view) -> str:
    due = view.words("returns_due_date")
    asked = view.agency("agencies")
    return f"From {asked}; due {due}" if due else f"From {asked}"


def _stage_moved(view) -> str:
    before = STAGES.get(view.old("stage"))
    return f"From {before}" if before else ""


def _member_added(view) -> str:
    parts = ["Can see the restricted record" if view.new("can_see_identity") else ""]
    ends = view.words("access_ends_on")
    parts.append(f"access ends {ends}" if ends else "")
    text = "; ".join(p for p in parts if p)
    return text[:1].upper() + text[1:]


def _part(value) -> str:
    try:
        return str(CaseMember.Part(value).label).lower()
    except ValueError:
        return "a member"


RAPID_REVIEW_DONE = {
    "request_returns": Label(
        text="Asked agencies for their rapid review returns",
        detail=_requested,
        agencies=("agencies",),
    ),
    "record_meeting": "Recorded the rapid review meeting",
    "recommend": "Recorded the recommendation",
    "complete_sign_off": "Confirmed that every partner has signed off",
    "send_to_panel": "Recorded sending the rapid review to the Panel",
    "record_panel_response": "Recorded the Panel's response",
    "decide": Label(
        text=lambda v: (
            "Recorded the decision"
            + (f": {v.choice('decision', RapidReview.Decision)}" if v.new("decision") else "")
        ),
        detail=lambda v: status_change(RAPID_REVIEW_WORKFLOW, v),
    ),
}


def _subject_fields(view) -> str:
    names = view.new("fields") or []
    words = [str(CaseSubject._meta.get_field(n).verbose_name) for n in names if _is_field(n)]
    return f"Fields: {', '.join(words)}" if words else ""


def _is_field(name: str) -> bool:
    try:
        CaseSubject._meta.get_field(name)
    except Exception:  # noqa: BLE001 - a field since removed
        return False
    return True


def register_history() -> None:
    register_workflow_history(NOTIFICATION_WORKFLOW, NOTIFICATION_DONE)
    register_workflow_history(RAPID_REVIEW_WORKFLOW, RAPID_REVIEW_DONE)
    register_workflow_history(LOCAL_REVIEW_WORKFLOW, LOCAL_REVIEW_DONE)
    register_history_labels(
        {
            "case.raise": Label(
                text="Raised the concern",
                detail=lambda v: f"Lead agency: {v.agency('lead_agency')}",
                agencies=("lead_agency",),
            ),
            "case.update": Label(
                text="Changed the case details", detail=changed_fields(FIELD_LABELS)
            ),
            "case.stage": Label(
                text=lambda v: f"The case moved to {STAGES.get(v.new('stage'), 'a new stage')}",
                detail=_stage_moved,
            ),
            "case.member_add": Label(
                text=lambda v: f"Named {v.user('member')} on the case as {_part(v.new('part'))}",
                detail=_member_added,
                users=("member",),
            ),
            "case.member_remove": Label(
                text=lambda v: (
                    f"Took {v.user('member', old=True)} off the case as {_part(v.old('part'))}"
                ),
                users=("member",),
            ),
            "case.close": "Closed the case",
            "case.lesson_add": "Added a lesson",
            "case.recommendation_add": Label(
                text=lambda v: f"Added recommendation {v.words('recommendation')}"
            ),
            "case.recommendation_action": Label(
                text=lambda v: (
                    f"Made recommendation {v.words('recommendation')} into action "
                    f"{v.words('action')}"
                )
            ),
            "case_subject.create": Label(
                text="Started the restricted record", detail=_subject_fields
            ),
            "case_subject.update": Label(
                text="Changed the restricted record", detail=_subject_fields
            ),
            "case_subject.read": Label(text="Opened the restricted record", identity_reason=True),
            "case_subject.scan": "The publication guard checked a publication against the "
            "restricted record",
            "rapid_review.open": Label(
                text="Opened the rapid review",
                detail=lambda v: f"Its 15 working days count from {v.words('start_date')}",
            ),
            "rapid_review.update": Label(
                text="Changed the rapid review record", detail=changed_fields(FIELD_LABELS)
            ),
            "rapid_review.share_pack": "Shared the collated pack with the agencies",
            "rapid_review.export": Label(
                text=lambda v: (
                    "Downloaded the rapid review as the Panel receives it "
                    f"({FORMATS.get(v.new('format'), 'file')})"
                )
            ),
            "partner.sign_off": Label(
                text=lambda v: (
                    f"{v.agency()} partner lead signed off "
                    f"{SIGN_OFF_STAGES.get(v.new('stage'), 'the review')}"
                ),
                agencies=("agency",),
            ),
            "partner.sign_off_withdrawn": Label(
                text=lambda v: (
                    f"{v.agency(old=True)} partner lead's sign-off of "
                    f"{SIGN_OFF_STAGES.get(v.new('stage'), 'the review')} was withdrawn"
                ),
                agencies=("agency",),
            ),
            "notification.awareness": Label(
                text=lambda v: (
                    f"Recorded that the local authority became aware on {v.words('aware_date')}"
                )
            ),
            "agency_return.save": Label(
                text=lambda v: f"Saved a draft of the return for {_return_agency(v)}",
                detail=changed_fields(FIELD_LABELS),
            ),
            "agency_return.submit": Label(
                text=lambda v: f"Submitted the return for {_return_agency(v)}"
            ),
            "local_review.commission": Label(
                text="Commissioned the local review",
                detail=lambda v: f"Its 6 months count from {v.words('decision_date')}",
            ),
            "local_review.update": Label(
                text="Changed the local review record", detail=changed_fields(FIELD_LABELS)
            ),
            "local_review.engagement": Label(
                text=lambda v: (
                    f"Recorded engagement with a {v.choice('with_whom', EngagementEntry.With)}"
                )
            ),
            "local_review.proceeding_add": Label(
                text=lambda v: (
                    f"Recorded parallel proceedings: {v.choice('kind', ParallelProceeding.Kind)}"
                )
            ),
            "local_review.proceeding_update": Label(
                text="Updated parallel proceedings", detail=changed_fields(FIELD_LABELS)
            ),
            "local_review.monitoring": Label(
                text=lambda v: f"Recorded monitoring for {v.agency()}",
                detail=lambda v: (
                    "Asked for more information" if v.new("information_requested") else ""
                ),
                agencies=("agency",),
            ),
            "local_review.draft_add": Label(
                text=lambda v: f"Added a draft report: {v.words('label')}"
            ),
        }
    )


def case_scope(case: Case) -> HistoryScope:
    """The case and the records that belong to it: two queries whatever the case holds."""
    case = Case.objects.select_related(
        "notification", "rapid_review", "local_review", "subject"
    ).get(pk=case.pk)
    scope = HistoryScope().add(case)
    for name in ("notification", "rapid_review", "local_review", "subject"):
        scope.add(getattr(case, name, None))
    returns = AgencyReturn.objects.filter(rapid_review__case=case).select_related("agency")
    return scope.add_all(returns, keep=True)
