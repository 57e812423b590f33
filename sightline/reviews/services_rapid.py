"""Writes for the rapid review: agency returns, the collated pack, the record's sections, its
workflow moves (the decision commissions the local review) and partner sign-off. Callers may
use them as `services.<name>`: reviews.services re-exports every public name here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from sightline.accounts.models import Agency, User
from sightline.core.events import diff, record_event, snapshot
from sightline.core.notifications import notify
from sightline.core.templatetags.govuk import govuk_datetime
from sightline.core.versioning import create_record, save_versioned
from sightline.core.workflow import TransitionRefused, page_updates, transition
from sightline.reviews import access, signoffs
from sightline.reviews.models import (
    AgencyReturn,
    Case,
    CaseStage,
    LocalReview,
    PartnerSignOff,
    RapidReview,
)
from sightline.reviews.services_common import (
    _agency_leads,
    _partner_leads,
    _require_business_unit,
    _set_stage,
    business_unit_users,
    case_url,
    signed_content_change,
    withdraw_stale_signoffs,
)
from sightline.reviews.workflow import RAPID_REVIEW_WORKFLOW

__all__ = [
    "RETURN_FIELDS",
    "RR_EDIT_FIELDS",
    "agency_return_save",
    "partner_sign_off",
    "rapid_review_request_returns",
    "rapid_review_share_pack",
    "rapid_review_transition",
    "rapid_review_update",
    "sign_off_problem",
]

RETURN_FIELDS = [
    "involvement",
    "key_practice_episodes",
    "immediate_safety_actions",
    "early_learning",
]


# --- Rapid review --------------------------------------------------------------------------


@transaction.atomic
def rapid_review_request_returns(
    *, rr: RapidReview, by: User, expected_version: int, agencies: Iterable[Agency], due_date: date
) -> RapidReview:
    _require_business_unit(by)
    agencies = list(agencies)
    if not agencies:
        raise TransitionRefused({"agencies": "Select at least one agency"})
    transition(
        RAPID_REVIEW_WORKFLOW,
        rr,
        name="request_returns",
        by=by,
        expected_version=expected_version,
        updates={"returns_due_date": due_date},
        extra_event={"agencies": [None, [a.pk for a in agencies]]},
    )
    for agency in agencies:
        AgencyReturn.objects.get_or_create(
            rapid_review=rr,
            agency=agency,
            defaults={"due_date": due_date, "created_by": by, "updated_by": by},
        )
        rr.case.involved_agencies.add(agency)
    notify(
        users=_agency_leads(a.pk for a in agencies),
        subject=f"Rapid review information requested: {rr.case.reference}",
        body=f"Complete your agency's return by {due_date:%-d %B %Y}: involvement, key practice "
        "episodes, immediate safety actions and early learning.",
        url=case_url(rr.case, "reviews:rapid-review"),
    )
    return rr


@transaction.atomic
def agency_return_save(
    *, ret: AgencyReturn, by: User, expected_version: int, submit: bool, **fields
) -> AgencyReturn:
    if ret.status == AgencyReturn.Status.SUBMITTED and not access.is_business_unit(by):
        raise TransitionRefused(
            "This return has been submitted. Ask the business unit to reopen it."
        )
    case = ret.rapid_review.case
    with signed_content_change(case, by=by, stages=[PartnerSignOff.Stage.RAPID_REVIEW]):
        _save_return(ret, by=by, expected_version=expected_version, submit=submit, fields=fields)
    if submit:
        notify(
            users=business_unit_users(),
            subject=f"{ret.agency} submitted its return for {case.reference}",
            url=case_url(case, "reviews:rapid-review"),
        )
    return ret


def _save_return(
    ret: AgencyReturn, *, by: User, expected_version: int, submit: bool, fields: dict
) -> None:
    before = snapshot(ret, RETURN_FIELDS)
    for key, value in fields.items():
        setattr(ret, key, value)
    names = list(fields)
    if submit:
        missing = {
            key: f"Enter the {label}"
            for key, label in (
                ("involvement", "involvement"),
                ("key_practice_episodes", "key practice episodes"),
            )
            if not (getattr(ret, key) or "").strip()
        }
        if missing:
            raise TransitionRefused(missing)
        ret.status, ret.submitted_by, ret.submitted_at = (
            AgencyReturn.Status.SUBMITTED,
            by,
            timezone.now(),
        )
        names += ["status", "submitted_by", "submitted_at"]
    save_versioned(ret, by=by, expected_version=expected_version, fields=names)
    record_event(
        action="agency_return.submit" if submit else "agency_return.save",
        actor=by,
        obj=ret,
        changes=diff(before, snapshot(ret, RETURN_FIELDS)),
    )


@transaction.atomic
def rapid_review_share_pack(*, rr: RapidReview, by: User) -> RapidReview:
    _require_business_unit(by)
    if rr.pack_shared_at is not None:
        return rr
    RapidReview.objects.filter(pk=rr.pk).update(pack_shared_at=timezone.now())
    rr.refresh_from_db()
    record_event(action="rapid_review.share_pack", actor=by, obj=rr.case)
    notify(
        users=_agency_leads(rr.returns.values_list("agency_id", flat=True)),
        subject=f"The collated rapid review pack is ready: {rr.case.reference}",
        url=case_url(rr.case, "reviews:rapid-review"),
    )
    return rr


RR_EDIT_FIELDS = [
    "meeting_date",
    "attendees",
    "facts",
    "immediate_actions",
    "learning_shared",
    "improvements",
    "family_context",
    "recommendation",
    "criterion_improvements",
    "criterion_recurrent_themes",
    "criterion_agencies_working_together",
    "criterion_panel_suggested",
    "recommendation_reasons",
    "alternative_learning",
    "sent_to_panel_date",
    "panel_response_date",
    "panel_response",
    "decision",
    "decision_date",
    "decision_reasons",
]


@transaction.atomic
def rapid_review_update(
    *, rr: RapidReview, by: User, expected_version: int, **fields
) -> RapidReview:
    _require_business_unit(by)
    unknown = set(fields) - set(RR_EDIT_FIELDS)
    if unknown:
        raise ValueError(f"Not editable here: {sorted(unknown)}")
    before = snapshot(rr, RR_EDIT_FIELDS)
    with signed_content_change(rr.case, by=by, stages=[PartnerSignOff.Stage.RAPID_REVIEW]):
        for key, value in fields.items():
            setattr(rr, key, value)
        save_versioned(rr, by=by, expected_version=expected_version, fields=list(fields))
        record_event(
            action="rapid_review.update",
            actor=by,
            obj=rr.case,
            changes=diff(before, snapshot(rr, RR_EDIT_FIELDS)),
        )
    rr.refresh_from_db()  # a withdrawn sign-off may have taken it back for sign-off
    return rr


@transaction.atomic
def rapid_review_transition(
    *,
    rr: RapidReview,
    by: User,
    name: str,
    expected_version: int,
    note: str = "",
    updates: Mapping[str, Any] | None = None,
) -> RapidReview:
    """Make one move. `updates` are record fields the move's page filled in (only the fields
    the sections edit), saved with the move in one step: like any other write of what the
    partners sign, they withdraw sign-offs given to other content, and are refused once the
    rapid review has gone to the Panel."""
    with signed_content_change(rr.case, by=by, stages=[PartnerSignOff.Stage.RAPID_REVIEW]):
        transition(
            RAPID_REVIEW_WORKFLOW,
            rr,
            name=name,
            by=by,
            expected_version=expected_version,
            note=note,
            updates=page_updates(updates, RR_EDIT_FIELDS),
        )
    case = rr.case
    if name == "recommend":
        _set_stage(case, CaseStage.RAPID_REVIEW, by=by)
        notify(
            users=_partner_leads(),
            subject=f"Rapid review ready for your sign-off: {case.reference}",
            url=case_url(case, "reviews:rapid-review"),
        )
    elif name in {"send_to_panel", "record_panel_response"}:
        _set_stage(case, CaseStage.DECISION, by=by)
    elif name == "decide":
        if rr.decision == RapidReview.Decision.LCSPR:
            create_record(LocalReview(case=case, decision_date=rr.decision_date), by=by)
            record_event(
                action="local_review.commission",
                actor=by,
                obj=case,
                changes={"decision_date": [None, rr.decision_date]},
            )
            _set_stage(case, CaseStage.LOCAL_REVIEW, by=by)
        elif rr.decision == RapidReview.Decision.NATIONAL:
            _set_stage(case, CaseStage.NATIONAL_REVIEW, by=by)
        else:
            _set_stage(case, CaseStage.ALTERNATIVE_LEARNING, by=by)
    return rr


def sign_off_problem(case: Case, stage: str) -> str | None:
    """Why the partners cannot sign this stage off now, or None when they can."""
    if stage == PartnerSignOff.Stage.RAPID_REVIEW:
        rr = RapidReview.objects.filter(case=case).first()
        if rr is None or rr.status in (
            RapidReview.Status.OPEN,
            RapidReview.Status.RETURNS_REQUESTED,
            RapidReview.Status.MEETING_HELD,
        ):
            return "The rapid review is not ready for sign-off: its recommendation is not recorded."
        if rr.status != RapidReview.Status.RECOMMENDATION_MADE:
            return (
                "The business unit has confirmed the partners' sign-off of the rapid review, "
                "so it can no longer be signed."
            )
        if rr.pack_shared_at is None:
            return (
                "The business unit has not shared the collated pack yet, so you cannot read "
                "every agency's return. You can sign off once it is shared."
            )
        return None
    review = LocalReview.objects.filter(case=case).first()
    if review is not None and review.status in signoffs.CLOSED[stage]:
        return "The final report has been agreed, so it can no longer be signed."
    if review is None or review.status != LocalReview.Status.PARTNER_QA:
        return "The report is not with the partners for quality assurance."
    return None


@transaction.atomic
def partner_sign_off(
    *,
    case: Case,
    by: User,
    stage: str,
    agency: Agency,
    comment: str = "",
    fingerprint_seen: str = "",
) -> PartnerSignOff:
    """A safeguarding partner signs off, for an agency they lead, exactly the content as it is
    now: the sign-off keeps its fingerprint and the content as signed. `fingerprint_seen` is
    the fingerprint of the version the partner read; if the content has changed since, the
    sign-off is refused."""
    Case.objects.select_for_update().filter(pk=case.pk).first()
    if agency.pk not in access.partner_agency_ids(by):
        raise TransitionRefused("You cannot sign off for that agency.")
    problem = sign_off_problem(case, stage)
    if problem:
        raise TransitionRefused(problem)
    withdraw_stale_signoffs(case, stage, by=by)
    given = (
        PartnerSignOff.objects.filter(
            case=case, stage=stage, agency=agency, withdrawn_at__isnull=True
        )
        .select_related("signed_by")
        .first()
    )
    if given is not None:
        who = "You" if given.signed_by_id == by.pk else given.signed_by.full_name
        raise TransitionRefused(
            f"{who} signed this off for {agency} on {govuk_datetime(given.signed_at)}."
        )
    content = signoffs.signed_content(case, stage)
    current = signoffs.fingerprint(content)
    if fingerprint_seen and fingerprint_seen != current:
        raise TransitionRefused(
            "It changed while you were reading it. Read the current version before signing off."
        )
    signoff = PartnerSignOff.objects.create(
        case=case,
        stage=stage,
        agency=agency,
        signed_by=by,
        comment=comment,
        fingerprint=current,
        content=signoffs.to_stored(content),
    )
    record_event(
        action="partner.sign_off",
        actor=by,
        obj=case,
        changes={
            "stage": [None, stage],
            "agency": [None, agency.pk],
            "fingerprint": [None, current],
        },
    )
    notify(
        users=business_unit_users(),
        subject=(
            f"{agency} signed off {PartnerSignOff.Stage(stage).label.lower()} for {case.reference}"
        ),
        url=case_url(case),
    )
    return signoff
