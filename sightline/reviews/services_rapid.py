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
from sightline.core.versioning import create_record, save_versioned
from sightline.core.workflow import TransitionRefused, page_updates, transition
from sightline.reviews import access
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
    if submit:
        notify(
            users=business_unit_users(),
            subject=f"{ret.agency} submitted its return for {ret.rapid_review.case.reference}",
            url=case_url(ret.rapid_review.case, "reviews:rapid-review"),
        )
    return ret


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
    for key, value in fields.items():
        setattr(rr, key, value)
    save_versioned(rr, by=by, expected_version=expected_version, fields=list(fields))
    record_event(
        action="rapid_review.update",
        actor=by,
        obj=rr.case,
        changes=diff(before, snapshot(rr, RR_EDIT_FIELDS)),
    )
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
    the sections edit), saved with the move in one step."""
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


@transaction.atomic
def partner_sign_off(
    *, case: Case, by: User, stage: str, agency: Agency, comment: str = ""
) -> PartnerSignOff:
    """A safeguarding partner signs off, once per stage, only for an agency they lead."""
    if agency.pk not in access.partner_agency_ids(by):
        raise TransitionRefused("You cannot sign off for that agency.")
    if stage == PartnerSignOff.Stage.RAPID_REVIEW:
        rr = RapidReview.objects.filter(case=case).first()
        if rr is None or rr.status != RapidReview.Status.RECOMMENDATION_MADE:
            raise TransitionRefused(
                "The rapid review is not ready for sign-off: its recommendation is not recorded."
            )
    else:
        review = LocalReview.objects.filter(case=case).first()
        if review is None or review.status != LocalReview.Status.PARTNER_QA:
            raise TransitionRefused("The report is not with the partners for quality assurance.")
    if PartnerSignOff.objects.filter(case=case, stage=stage, agency=agency).exists():
        raise TransitionRefused(f"{agency} has already signed off.")
    signoff = PartnerSignOff.objects.create(
        case=case, stage=stage, agency=agency, signed_by=by, comment=comment
    )
    record_event(
        action="partner.sign_off",
        actor=by,
        obj=case,
        changes={"stage": [None, stage], "agency": [None, agency.pk]},
    )
    notify(
        users=business_unit_users(),
        subject=(
            f"{agency} signed off {PartnerSignOff.Stage(stage).label.lower()} for {case.reference}"
        ),
        url=case_url(case),
    )
    return signoff
