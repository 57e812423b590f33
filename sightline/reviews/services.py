"""Writes for cases: the concern, the restricted record, case members, the notification
decision, closing and the daily reminders. The rapid review's writes are in services_rapid.py
and re-exported here, so `services.rapid_review_update(...)` and the like keep working; the
local review's are in services_local.py."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from sightline.accounts.access import principal_for
from sightline.accounts.models import Agency, Role, User
from sightline.core.clocks import today
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
    PartnerSignOff,
    RapidReview,
)
from sightline.reviews.reminders import ReturnReminders
from sightline.reviews.services_common import (
    _agency_leads,
    _notifiers,
    _partner_leads,
    _require_business_unit,
    _set_stage,
    business_unit_users,
    case_url,
    signed_content_change,
)
from sightline.reviews.services_rapid import (
    RETURN_FIELDS,
    RR_EDIT_FIELDS,
    agency_return_save,
    partner_sign_off,
    rapid_review_request_returns,
    rapid_review_share_pack,
    rapid_review_transition,
    rapid_review_update,
    sign_off_problem,
)
from sightline.reviews.workflow import NOTIFICATION_WORKFLOW

__all__ = [
    "CASE_FIELDS",
    "RETURN_FIELDS",
    "RR_EDIT_FIELDS",
    "SUBJECT_FIELDS",
    "agency_return_save",
    "business_unit_users",
    "case_close",
    "case_member_add",
    "case_member_remove",
    "case_raise",
    "case_send_reminders",
    "case_subject_update",
    "case_update",
    "case_url",
    "local_authority_aware_default",
    "notification_decide",
    "notification_record_awareness",
    "partner_sign_off",
    "rapid_review_request_returns",
    "rapid_review_share_pack",
    "rapid_review_start_date",
    "rapid_review_transition",
    "rapid_review_update",
    "reviewer_appoint",
    "sign_off_problem",
]

CASE_FIELDS = [
    "pseudonym",
    "age_band",
    "harm",
    "looked_after",
    "incident_date",
    "raised_aware_date",
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

# --- The concern ---------------------------------------------------------------------------


def local_authority_aware_default(
    *, raised_by_agency: Agency, lead_agency: Agency, raised_aware_date: date, raised_on: date
) -> date:
    """When the local authority became aware, until its notifier records it: the raising
    agency's own date when the local authority raised the concern itself, otherwise the day the
    concern reached the local authority's notifier through Sightline. The notification clock
    (`case_clock()`) runs from `Case.aware_date`, which only this and
    `notification_record_awareness()` set."""
    if raised_by_agency.pk == lead_agency.pk:
        return raised_aware_date
    return raised_on


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
    raised_aware_date: date,
    summary: str,
    involved_agencies: Iterable[Agency] = (),
    themes: Iterable = (),
    subject: Mapping[str, Any] | None = None,
    subject_reason: str = "",
) -> Case:
    """Any agency user raises a concern about a possible serious incident.

    `raised_aware_date` is when the raising agency became aware; the local authority's notifier
    later records when the local authority did. Anything given in `subject` (the child's and
    family's details, family members included) goes straight into the restricted record, with
    `subject_reason` logged as every restricted write is."""
    if raised_by_agency.pk not in principal_for(by).roles_by_agency:
        raise TransitionRefused(
            {"raised_by_agency": "You can only raise a concern for your agency"}
        )
    if not access.local_authorities().filter(pk=lead_agency.pk).exists():
        raise TransitionRefused(
            {
                "lead_agency": f"{lead_agency} is not a local authority. Select the lead local "
                "authority"
            }
        )
    if raised_aware_date < incident_date:
        raise TransitionRefused(
            {"raised_aware_date": "The date of awareness must be on or after the incident"}
        )
    details = {k: v for k, v in (subject or {}).items() if v not in (None, "")}
    if details and not subject_reason.strip():
        raise TransitionRefused(
            {"subject_reason": "Enter why you are recording the child's and family's details"}
        )
    aware_date = local_authority_aware_default(
        raised_by_agency=raised_by_agency,
        lead_agency=lead_agency,
        raised_aware_date=raised_aware_date,
        raised_on=today(),
    )

    def make(reference: str) -> Case:
        return create_record(
            Case(
                reference=reference,
                pseudonym=pseudonym,
                age_band=age_band,
                harm=harm,
                looked_after=looked_after,
                incident_date=incident_date,
                raised_aware_date=raised_aware_date,
                aware_date=aware_date,
                summary=summary,
                lead_agency=lead_agency,
                raised_by_agency=raised_by_agency,
            ),
            by=by,
        )

    case = create_with_reference(Case, f"SI-{raised_aware_date.year}", make)
    agencies = {a.pk: a for a in [*involved_agencies, lead_agency, raised_by_agency]}
    case.involved_agencies.set(agencies.values())
    case.themes.set(themes)
    create_record(CaseSubject(case=case, **details), by=by)
    create_record(IncidentNotification(case=case, raised_by=by), by=by)
    record_event(
        action="case.raise", actor=by, obj=case, changes=diff({}, snapshot(case, CASE_FIELDS))
    )
    record_event(
        action="case_subject.create",
        actor=by,
        obj=case.subject,
        changes={"fields": [None, sorted(details)]},
        reason=subject_reason.strip() if details else "",
    )
    notify(
        users=[*_notifiers(lead_agency.pk), *business_unit_users()],
        subject=f"Possible serious incident raised: {case.reference}",
        body=f"{raised_by_agency} raised a concern about {case.pseudonym}; it became aware on "
        f"{raised_aware_date:%-d %B %Y}. Record when the local authority became aware: the "
        "notification decision is due within 5 working days of it.",
        url=case_url(case, "reviews:notification"),
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
    officer = fields.get("case_officer")
    if officer is not None and not access.case_officers().filter(pk=officer.pk).exists():
        raise TransitionRefused(
            {"case_officer": f"{officer} is not in the business unit, so cannot be case officer"}
        )
    before = snapshot(case, CASE_FIELDS)
    # The case's details are in what the partners sign for the rapid review; once it has gone
    # to the Panel its document prints the content as signed, so the case may still change.
    with signed_content_change(
        case, by=by, stages=[PartnerSignOff.Stage.RAPID_REVIEW], refuse_when_closed=False
    ):
        for key, value in fields.items():
            setattr(case, key, value)
        save_versioned(case, by=by, expected_version=expected_version, fields=list(fields))
        if involved_agencies is not None:
            keep = {a.pk for a in involved_agencies} | {
                case.lead_agency_id,
                case.raised_by_agency_id,
            }
            case.involved_agencies.set(keep)
        if themes is not None:
            case.themes.set(themes)
        record_event(
            action="case.update",
            actor=by,
            obj=case,
            changes=diff(before, snapshot(case, CASE_FIELDS)),
        )
    return case


@transaction.atomic
def case_subject_update(
    *, subject: CaseSubject, by: User, expected_version: int, reason: str, **fields
) -> CaseSubject:
    """Edit the restricted record, giving the reason. The event names the changed fields and
    the reason, never the content."""
    if not access.can_see_identity(by, subject.case):
        raise TransitionRefused("You cannot edit this record.")
    if not reason.strip():
        raise TransitionRefused("Enter why you are changing the restricted record.")
    before = snapshot(subject, SUBJECT_FIELDS)
    for key, value in fields.items():
        setattr(subject, key, value)
    save_versioned(subject, by=by, expected_version=expected_version, fields=list(fields))
    changed = sorted(diff(before, snapshot(subject, SUBJECT_FIELDS)))
    record_event(
        action="case_subject.update",
        actor=by,
        obj=subject,
        changes={"fields": [None, changed]},
        reason=reason.strip(),
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
    """Name someone on the case in a part they may hold (`access.PART_ROLES`): the independent
    reviewer must have a reviewer account, so a scrutineer or anyone else is refused."""
    _require_business_unit(by)
    if not access.may_hold_part(user, part):
        label = CaseMember.Part(part).label.lower() if part in CaseMember.Part.values else part
        raise TransitionRefused(
            {
                "user": f"{user} cannot be named as the {label}: choose "
                f"{access.PART_HOLDERS.get(part, 'someone who may hold that part')}"
            }
        )
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
    if user is not None and (principal_for(user).roles - {Role.REVIEWER}):
        raise TransitionRefused(
            {
                "email": f"{email} belongs to {user}, who is not an independent reviewer. A "
                "reviewer needs a reviewer account of their own"
            }
        )
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


def _check_la_aware_date(case: Case, aware_date: date | None) -> None:
    if aware_date is not None and aware_date < case.incident_date:
        raise TransitionRefused(
            {
                "la_aware_date": "The date the local authority became aware must be on or after "
                "the incident"
            }
        )


def _set_clock_start(case: Case, aware_date: date, *, by: User) -> None:
    """The notification clock starts when the local authority became aware, as its notifier
    recorded it."""
    if case.aware_date == aware_date:
        return
    before = case.aware_date
    Case.objects.filter(pk=case.pk).update(aware_date=aware_date, updated_at=timezone.now())
    case.aware_date = aware_date
    record_event(
        action="notification.awareness",
        actor=by,
        obj=case,
        changes={"aware_date": [before, aware_date]},
    )


@transaction.atomic
def notification_record_awareness(
    *, notification: IncidentNotification, by: User, aware_date: date, expected_version: int
) -> IncidentNotification:
    """The local authority's notifier records when the local authority became aware: the
    statutory 5 working days to notify the Panel count from it."""
    case = notification.case
    if not access.is_notifier(by, case):
        raise TransitionRefused("Only the local authority's notifier can record this.")
    if notification.status != IncidentNotification.Status.CONCERN_RAISED:
        raise TransitionRefused(
            "The notification decision has been made; this can no longer change."
        )
    _check_la_aware_date(case, aware_date)
    notification.la_aware_date = aware_date
    save_versioned(notification, by=by, expected_version=expected_version, fields=["la_aware_date"])
    _set_clock_start(case, aware_date, by=by)
    return notification


@transaction.atomic
def notification_decide(
    *,
    notification: IncidentNotification,
    by: User,
    name: str,
    expected_version: int,
    fields: Mapping[str, Any],
) -> IncidentNotification:
    """The notifier's decision, with when the local authority became aware (`la_aware_date`,
    which the decision needs); the notification clock then runs from that date."""
    updates = dict(fields)
    if updates.get("la_aware_date") is None:
        updates.pop("la_aware_date", None)  # not given: the date already recorded stands
    updates["decided_by"] = by
    _check_la_aware_date(notification.case, updates.get("la_aware_date"))
    transition(
        NOTIFICATION_WORKFLOW,
        notification,
        name=name,
        by=by,
        expected_version=expected_version,
        updates=updates,
    )
    case = notification.case
    _set_clock_start(case, notification.la_aware_date, by=by)
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
            sent += len(
                notify(
                    users=owners, subject=subject, url=case_url(case), dedupe_key=key, about=case
                )
            )
    rule = ReturnReminders()
    returns = AgencyReturn.objects.filter(
        status=AgencyReturn.Status.REQUESTED,
        rapid_review__case__archived_at__isnull=True,
        due_date__lte=on,
    ).select_related("rapid_review__case", "agency")
    for ret in returns:
        case = ret.rapid_review.case
        for reminder in rule.due_on(ret, on):
            with transaction.atomic():
                sent += len(
                    notify(
                        users=_agency_leads([ret.agency_id]),
                        subject=f"Rapid review return for {case.reference} is due",
                        url=reverse("reviews:return", args=[case.reference, ret.agency_id]),
                        dedupe_key=reminder.key,
                        about=ret,
                    )
                )
    return sent
