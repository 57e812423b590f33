"""Writes for cases: the concern, the restricted record, case members, the notification decision
and the rapid review. Local-review writes are in services_local.py."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from sightline.accounts.access import principal_for
from sightline.accounts.models import Agency, Duty, Membership, Role, User
from sightline.core.events import diff, record_event, snapshot
from sightline.core.notifications import notify
from sightline.core.references import create_with_reference
from sightline.core.versioning import create_record, save_versioned
from sightline.core.workflow import TransitionRefused, transition
from sightline.reviews import access
from sightline.reviews.models import (
    AgencyReturn,
    Case,
    CaseMember,
    CaseStage,
    CaseSubject,
    IncidentNotification,
    LocalReview,
    PartnerSignOff,
    RapidReview,
)
from sightline.reviews.workflow import NOTIFICATION_WORKFLOW, RAPID_REVIEW_WORKFLOW

CASE_FIELDS = [
    "pseudonym",
    "age_band",
    "harm",
    "looked_after",
    "incident_date",
    "aware_date",
    "summary",
    "lead_agency",
    "case_officer",
    "involved_agencies",
    "themes",
]
SUBJECT_FIELDS = [
    "child_name",
    "other_names",
    "date_of_birth",
    "address",
    "postcode",
    "nhs_number",
    "school",
    "family_members",
    "ethnicity",
    "protected_characteristics",
    "residence_local_authority",
]
RETURN_FIELDS = [
    "involvement",
    "key_practice_episodes",
    "immediate_safety_actions",
    "early_learning",
]


def case_url(case: Case, name: str = "reviews:case") -> str:
    return reverse(name, args=[case.reference])


def business_unit_users() -> list[User]:
    return list(
        User.objects.filter(
            is_active=True, memberships__role=Role.BUSINESS_UNIT, memberships__active=True
        ).distinct()
    )


def _agency_leads(agency_ids: Iterable[int]) -> list[User]:
    return list(
        User.objects.filter(
            is_active=True,
            memberships__agency_id__in=list(agency_ids),
            memberships__role=Role.AGENCY_LEAD,
            memberships__active=True,
        ).distinct()
    )


def _notifiers(agency_id: int) -> list[User]:
    return [
        m.user
        for m in Membership.objects.select_related("user").filter(
            agency_id=agency_id, active=True, user__is_active=True
        )
        if Duty.INCIDENT_NOTIFIER in (m.duties or [])
    ]


def _partner_leads() -> list[User]:
    return list(
        User.objects.filter(
            is_active=True,
            memberships__role=Role.PARTNER_LEAD,
            memberships__active=True,
            memberships__agency__kind=Agency.Kind.SAFEGUARDING_PARTNER,
        ).distinct()
    )


def _require_business_unit(by: User) -> None:
    if not access.is_business_unit(by):
        raise TransitionRefused("Only the business unit can do that.")


def _set_stage(case: Case, stage: str, *, by: User) -> None:
    if case.stage == stage:
        return
    before = case.stage
    closed_at = timezone.now() if stage in (CaseStage.CLOSED,) else None
    Case.objects.filter(pk=case.pk).update(
        stage=stage, closed_at=closed_at, updated_at=timezone.now()
    )
    case.stage, case.closed_at = stage, closed_at
    record_event(action="case.stage", actor=by, obj=case, changes={"stage": [before, stage]})


# --- The concern ---------------------------------------------------------------------------


@transaction.atomic
def case_raise(
    *,
    by: User,
    raised_by_agency: Agency,
    lead_agency: Agency,
    pseudonym: str,
    age_band: str,
    harm: str,
    looked_after: bool,
    incident_date: date,
    aware_date: date,
    summary: str,
    involved_agencies: Iterable[Agency] = (),
    themes: Iterable = (),
    subject: Mapping[str, Any] | None = None,
) -> Case:
    """Any agency user raises a concern about a possible serious incident."""
    if raised_by_agency.pk not in principal_for(by).roles_by_agency:
        raise TransitionRefused(
            {"raised_by_agency": "You can only raise a concern for your agency"}
        )
    if aware_date < incident_date:
        raise TransitionRefused(
            {"aware_date": "The date of awareness must be on or after the incident"}
        )
    year = aware_date.year

    def make(reference: str) -> Case:
        return create_record(
            Case(
                reference=reference,
                pseudonym=pseudonym,
                age_band=age_band,
                harm=harm,
                looked_after=looked_after,
                incident_date=incident_date,
                aware_date=aware_date,
                summary=summary,
                lead_agency=lead_agency,
                raised_by_agency=raised_by_agency,
            ),
            by=by,
        )

    case = create_with_reference(
        Case,
        f"SI-{year}",
        make,
    )
    agencies = {a.pk: a for a in [*involved_agencies, lead_agency, raised_by_agency]}
    case.involved_agencies.set(agencies.values())
    case.themes.set(themes)
    create_record(CaseSubject(case=case, **(subject or {})), by=by)
    create_record(IncidentNotification(case=case, raised_by=by), by=by)
    record_event(
        action="case.raise", actor=by, obj=case, changes=diff({}, snapshot(case, CASE_FIELDS))
    )
    record_event(
        action="case_subject.create",
        actor=by,
        obj=case.subject,
        changes={"fields": [None, sorted(k for k, v in (subject or {}).items() if v)]},
    )
    notify(
        users=[*_notifiers(lead_agency.pk), *business_unit_users()],
        subject=f"Possible serious incident raised: {case.reference}",
        body=f"{raised_by_agency} raised a concern about {case.pseudonym}. The notification "
        "decision is due within 5 working days of awareness.",
        url=case_url(case),
    )
    return case


@transaction.atomic
def case_update(
    *,
    case: Case,
    by: User,
    expected_version: int,
    involved_agencies: Iterable[Agency] | None = None,
    themes: Iterable | None = None,
    **fields,
) -> Case:
    _require_business_unit(by)
    before = snapshot(case, CASE_FIELDS)
    for key, value in fields.items():
        setattr(case, key, value)
    save_versioned(case, by=by, expected_version=expected_version, fields=list(fields))
    if involved_agencies is not None:
        keep = {a.pk for a in involved_agencies} | {case.lead_agency_id, case.raised_by_agency_id}
        case.involved_agencies.set(keep)
    if themes is not None:
        case.themes.set(themes)
    record_event(
        action="case.update", actor=by, obj=case, changes=diff(before, snapshot(case, CASE_FIELDS))
    )
    return case


@transaction.atomic
def case_subject_update(
    *, subject: CaseSubject, by: User, expected_version: int, **fields
) -> CaseSubject:
    """Edit the restricted record. The event names the changed fields, never their content."""
    if not access.can_see_identity(by, subject.case):
        raise TransitionRefused("You cannot edit this record.")
    before = snapshot(subject, SUBJECT_FIELDS)
    for key, value in fields.items():
        setattr(subject, key, value)
    save_versioned(subject, by=by, expected_version=expected_version, fields=list(fields))
    changed = sorted(diff(before, snapshot(subject, SUBJECT_FIELDS)))
    record_event(
        action="case_subject.update", actor=by, obj=subject, changes={"fields": [None, changed]}
    )
    return subject


@transaction.atomic
def case_member_add(
    *,
    case: Case,
    by: User,
    user: User,
    part: str,
    can_see_identity: bool = False,
    access_ends_on: date | None = None,
) -> CaseMember:
    _require_business_unit(by)
    member, created = CaseMember.objects.get_or_create(
        case=case,
        user=user,
        part=part,
        defaults={
            "can_see_identity": can_see_identity,
            "access_ends_on": access_ends_on,
            "created_by": by,
            "updated_by": by,
        },
    )
    if not created:
        CaseMember.objects.filter(pk=member.pk).update(
            can_see_identity=can_see_identity,
            access_ends_on=access_ends_on,
            archived_at=None,
            updated_by=by,
            updated_at=timezone.now(),
        )
        member.refresh_from_db()
    record_event(
        action="case.member_add",
        actor=by,
        obj=case,
        changes={
            "member": [None, user.pk],
            "part": [None, part],
            "can_see_identity": [None, can_see_identity],
            "access_ends_on": [None, access_ends_on],
        },
    )
    notify(
        users=[user],
        subject=f"You have been named on case {case.reference}",
        body=f"Your part: {CaseMember.Part(part).label}.",
        url=case_url(case),
    )
    return member


@transaction.atomic
def case_member_remove(*, member: CaseMember, by: User) -> None:
    _require_business_unit(by)
    CaseMember.objects.filter(pk=member.pk).update(archived_at=timezone.now(), updated_by=by)
    record_event(
        action="case.member_remove",
        actor=by,
        obj=member.case,
        changes={"member": [member.user_id, None], "part": [member.part, None]},
    )


@transaction.atomic
def reviewer_appoint(
    *,
    case: Case,
    by: User,
    email: str,
    full_name: str,
    agency: Agency,
    access_ends_on: date,
    can_see_identity: bool = True,
) -> CaseMember:
    """Name an independent reviewer: an account limited to this case and an end date."""
    _require_business_unit(by)
    from sightline.accounts.services import membership_add, user_invite

    user = User.objects.filter(email=email.strip().lower()).first()
    if user is None:
        user = user_invite(
            by=by,
            email=email,
            full_name=full_name,
            agency=agency,
            role=Role.REVIEWER,
            access_ends_on=access_ends_on,
        )
    else:
        membership_add(user=user, by=by, agency=agency, role=Role.REVIEWER)
    return case_member_add(
        case=case,
        by=by,
        user=user,
        part=CaseMember.Part.REVIEWER,
        can_see_identity=can_see_identity,
        access_ends_on=access_ends_on,
    )


# --- Notification decision -----------------------------------------------------------------


def rapid_review_start_date(notification: IncidentNotification) -> date:
    """Day 0 of the rapid review clock: the date the notification was sent, or (setting) the
    date of awareness."""
    if settings.SIGHTLINE_RAPID_REVIEW_CLOCK_FROM == "awareness":
        return notification.case.aware_date
    return notification.sent_date or notification.case.aware_date


@transaction.atomic
def notification_decide(
    *,
    notification: IncidentNotification,
    by: User,
    name: str,
    expected_version: int,
    fields: Mapping[str, Any],
) -> IncidentNotification:
    updates = dict(fields)
    updates["decided_by"] = by
    transition(
        NOTIFICATION_WORKFLOW,
        notification,
        name=name,
        by=by,
        expected_version=expected_version,
        updates=updates,
    )
    case = notification.case
    if notification.status == IncidentNotification.Status.NOTIFIED:
        rr = create_record(
            RapidReview(case=case, start_date=rapid_review_start_date(notification)), by=by
        )
        record_event(
            action="rapid_review.open",
            actor=by,
            obj=case,
            changes={"start_date": [None, rr.start_date]},
        )
        _set_stage(case, CaseStage.RAPID_REVIEW, by=by)
        notify(
            users=[*business_unit_users(), *_partner_leads()],
            subject=f"Serious incident notified: {case.reference}",
            body="The rapid review has opened. It is due within 15 working days.",
            url=case_url(case),
        )
    else:
        _set_stage(case, CaseStage.NOT_NOTIFIED, by=by)
        notify(
            users=business_unit_users(),
            subject=f"Decided not to notify: {case.reference}",
            body=(
                "Referred to Line of Sight learning."
                if notification.referred_to_line_of_sight
                else ""
            ),
            url=case_url(case),
        )
    return notification


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
        missing = [
            label
            for key, label in (
                ("involvement", "involvement"),
                ("key_practice_episodes", "key practice episodes"),
            )
            if not (getattr(ret, key) or "").strip()
        ]
        if missing:
            raise TransitionRefused([f"Enter the {m}" for m in missing])
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
    *, rr: RapidReview, by: User, name: str, expected_version: int, note: str = ""
) -> RapidReview:
    transition(
        RAPID_REVIEW_WORKFLOW, rr, name=name, by=by, expected_version=expected_version, note=note
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


@transaction.atomic
def case_close(*, case: Case, by: User, reason: str) -> Case:
    """Close a case that has no local review (not notified, national review, alternative
    learning), once its actions are complete or carried into another plan."""
    from sightline.reviews.workflow import actions_outstanding

    if not access.is_business_unit(by):
        raise TransitionRefused("Only the business unit can close a case.")
    if case.stage in (
        CaseStage.CLOSED,
        CaseStage.CONCERN,
        CaseStage.RAPID_REVIEW,
        CaseStage.DECISION,
        CaseStage.LOCAL_REVIEW,
        CaseStage.READY_FOR_PUBLICATION,
    ):
        raise TransitionRefused("This case cannot be closed at its current stage.")
    outstanding = actions_outstanding(case)
    if outstanding:
        raise TransitionRefused(
            "These actions must be complete or carried into another plan first: "
            + ", ".join(outstanding)
        )
    if not reason.strip():
        raise TransitionRefused("Enter the reason for closing the case")
    record_event(action="case.close", actor=by, obj=case, reason=reason)
    _set_stage(case, CaseStage.CLOSED, by=by)
    return case


def case_send_reminders(*, on: date) -> int:
    """Daily: remind owners as a statutory clock nears its deadline; escalate to the business
    unit once it is missed; chase agency returns. Idempotent per deadline."""
    from sightline.core.clocks import ClockBook
    from sightline.reviews.selectors import OPEN_STAGES, _with_stages, case_clock

    book = ClockBook()
    sent = 0
    bu = business_unit_users()
    for case in _with_stages(Case.objects.filter(archived_at__isnull=True, stage__in=OPEN_STAGES)):
        clock = case_clock(case, book, on)
        if clock is None or clock.status.rag == "on_track":
            continue
        owners = list(bu)
        if clock.code == "sin-notification":
            owners += _notifiers(case.lead_agency_id)
        if case.case_officer_id:
            owners.append(case.case_officer)
        due = clock.status.due
        if clock.status.rag == "overdue":
            subject = f"Overdue: {clock.label} for {case.reference} was due {due:%-d %B %Y}"
            key = f"case-overdue-{case.pk}-{clock.code}-{due:%Y%m%d}"
        else:
            subject = f"Due soon: {clock.label} for {case.reference} by {due:%-d %B %Y}"
            key = f"case-due-{case.pk}-{clock.code}-{due:%Y%m%d}"
        with transaction.atomic():
            sent += len(notify(users=owners, subject=subject, url=case_url(case), dedupe_key=key))
    returns = AgencyReturn.objects.filter(
        status=AgencyReturn.Status.REQUESTED,
        rapid_review__case__archived_at__isnull=True,
        due_date__lte=on,
    ).select_related("rapid_review__case", "agency")
    for ret in returns:
        case = ret.rapid_review.case
        key = f"return-due-{ret.pk}-{ret.due_date:%Y%m%d}"
        with transaction.atomic():
            sent += len(
                notify(
                    users=_agency_leads([ret.agency_id]),
                    subject=f"Rapid review return for {case.reference} is due",
                    url=reverse("reviews:return", args=[case.reference, ret.agency_id]),
                    dedupe_key=key,
                )
            )
    return sent
