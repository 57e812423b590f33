"""The one way to fetch cases and their parts for a user.

Who sees a case: the business unit, partner leads and the scrutineer (pseudonymised); agency
leads and practitioners of an agency on the case (lead, raising or involved agency); people
named on the case until their access ends. Nobody else — not even to learn it exists (404).

Who sees identities (the restricted `CaseSubject`): the business unit, and case members granted
it. Never the scrutineer. Every read is logged with the reason given.

Agency returns (`agency_returns_visible_to`, the one rule every page, document, export and the
home page use): until the business unit shares the collated pack, a return is visible to its own
agency (its agency leads, practitioners and partner leads) and the business unit only; once the
pack is shared, to everyone who sees the case.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from sightline.accounts.access import ENDED, NOT_ALLOWED, NOT_FOUND, deny, principal_for
from sightline.accounts.models import Duty, Role
from sightline.accounts.people import people_with
from sightline.core.clocks import today
from sightline.core.events import record_event
from sightline.core.models import Event
from sightline.reviews.models import AgencyReturn, Case, CaseMember, CaseSubject, DraftVersion

CASE_AGENCY_ROLES = (Role.AGENCY_LEAD, Role.PRACTITIONER)
# The people of an agency who may read that agency's own return before the pack is shared. A
# reviewer's or scrutineer's membership of an agency does not make them its people.
RETURN_AGENCY_ROLES = (Role.AGENCY_LEAD, Role.PRACTITIONER, Role.PARTNER_LEAD)


def _active_memberships(user):
    day = today()
    return CaseMember.objects.filter(user_id=user.pk, archived_at__isnull=True).filter(
        Q(access_ends_on__isnull=True) | Q(access_ends_on__gte=day)
    )


def cases_visible_to(user) -> QuerySet[Case]:
    p = principal_for(user)
    qs = Case.objects.filter(archived_at__isnull=True)
    if p.sees_partnership_wide:
        return qs
    if p.user_id is None or not p.roles:
        # No active role (including an account past its end date): no cases at all.
        return qs.none()
    agencies = p.agencies_with_role(*CASE_AGENCY_ROLES)
    member_cases = _active_memberships(user).values("case_id")
    visible = Q(pk__in=member_cases)
    if agencies:
        visible |= (
            Q(lead_agency_id__in=agencies)
            | Q(raised_by_agency_id__in=agencies)
            | Q(
                pk__in=Case.involved_agencies.through.objects.filter(agency_id__in=agencies).values(
                    "case_id"
                )
            )
        )
    return qs.filter(visible)


def case_for_view(user, reference: str) -> Case:
    case = Case.objects.filter(reference=reference, archived_at__isnull=True).first()
    if case is None:
        raise deny(user, object_type="reviews.case", object_id=reference, reason=NOT_FOUND)
    if not cases_visible_to(user).filter(pk=case.pk).exists():
        ended = CaseMember.objects.filter(
            user_id=user.pk, case=case, archived_at__isnull=True, access_ends_on__lt=today()
        ).exists()
        reason = ENDED if ended else NOT_ALLOWED
        raise deny(user, object_type="reviews.case", object_id=reference, reason=reason)
    return case


# --- Roles on a case -------------------------------------------------------------------------


def is_business_unit(user, obj=None) -> bool:
    return principal_for(user).is_business_unit


def is_notifier(user, case: Case) -> bool:
    """The local authority's incident notifier: the duty held at the case's lead agency."""
    p = principal_for(user)
    return p.is_business_unit or p.has_duty(Duty.INCIDENT_NOTIFIER, case.lead_agency_id)


def partner_agency_ids(user) -> frozenset[int]:
    """The safeguarding-partner agencies the user can sign off for (as a partner lead)."""
    from sightline.accounts.models import Agency

    p = principal_for(user)
    mine = p.agencies_with_role(Role.PARTNER_LEAD)
    if not mine:
        return frozenset()
    return frozenset(
        Agency.objects.filter(
            pk__in=mine, kind=Agency.Kind.SAFEGUARDING_PARTNER, active=True
        ).values_list("pk", flat=True)
    )


def is_case_reviewer(user, case: Case) -> bool:
    return _active_memberships(user).filter(case=case, part=CaseMember.Part.REVIEWER).exists()


# Who may hold each part on a case. The independent reviewer is someone with a reviewer
# account; the scrutineer and system administrators are never named on a case.
PART_ROLES = {
    CaseMember.Part.REVIEWER: (Role.REVIEWER,),
    CaseMember.Part.CHAIR: (Role.BUSINESS_UNIT, Role.PARTNER_LEAD, Role.AGENCY_LEAD),
    CaseMember.Part.MEMBER: (
        Role.BUSINESS_UNIT,
        Role.PARTNER_LEAD,
        Role.AGENCY_LEAD,
        Role.PRACTITIONER,
    ),
}
PART_HOLDERS = {
    CaseMember.Part.REVIEWER: "someone with an independent reviewer account",
    CaseMember.Part.CHAIR: "a business unit member, a partner lead or an agency safeguarding lead",
    CaseMember.Part.MEMBER: (
        "a business unit member, a partner lead, an agency safeguarding lead or a practitioner"
    ),
}
# The case officer runs the case for the business unit.
CASE_OFFICER_ROLES = (Role.BUSINESS_UNIT,)


def people_for_part(part: str):
    """The people who may hold `part` on a case, for its picker and its check."""
    return people_with(*PART_ROLES[part])


def may_hold_part(user, part: str) -> bool:
    return part in PART_ROLES and people_for_part(part).filter(pk=user.pk).exists()


def local_authorities() -> QuerySet:
    """The agencies that may lead a case: the local authority where the incident happened
    notifies and leads. Settings marks which agencies are local authorities."""
    from sightline.accounts.models import Agency

    return Agency.objects.filter(is_local_authority=True, active=True, archived_at__isnull=True)


def case_officers():
    return people_with(*CASE_OFFICER_ROLES)


def can_edit_case(user, case: Case) -> bool:
    return principal_for(user).is_business_unit


def can_work_on_review(user, case: Case) -> bool:
    """Business unit, or the case's appointed independent reviewer."""
    return principal_for(user).is_business_unit or is_case_reviewer(user, case)


def can_monitor(user, case: Case) -> bool:
    return principal_for(user).is_business_unit or bool(partner_agency_ids(user))


def case_for_edit(user, reference: str) -> Case:
    case = case_for_view(user, reference)
    if not can_edit_case(user, case):
        raise deny(user, object_type="reviews.case", object_id=reference)
    return case


# --- Restricted identities -------------------------------------------------------------------


def can_see_identity(user, case: Case) -> bool:
    p = principal_for(user)
    if p.has_role(Role.SCRUTINEER) and not p.is_business_unit:
        return False
    if p.is_business_unit:
        return True
    return _active_memberships(user).filter(case=case, can_see_identity=True).exists()


def subject_for_read(user, case: Case, *, reason: str) -> CaseSubject:
    """Open the restricted record: only for those allowed, only with a reason, always logged."""
    if not can_see_identity(user, case):
        raise deny(user, object_type="reviews.casesubject", object_id=case.reference)
    if not reason.strip():
        raise ValueError("A reason is required to open the restricted record.")
    subject, _ = CaseSubject.objects.get_or_create(case=case)
    record_event(
        action="case_subject.read",
        kind=Event.Kind.READ,
        actor=user,
        obj=subject,
        reason=reason.strip(),
    )
    return subject


# --- Agency returns --------------------------------------------------------------------------


def agency_returns_visible_to(user) -> QuerySet[AgencyReturn]:
    """Every agency return the user may read, on every case they see: the business unit reads
    them all; anyone else reads their own agency's return, and every return of a rapid review
    whose collated pack has been shared."""
    qs = AgencyReturn.objects.filter(rapid_review__case__in=cases_visible_to(user))
    p = principal_for(user)
    if p.is_business_unit:
        return qs
    own = p.agencies_with_role(*RETURN_AGENCY_ROLES)
    return qs.filter(Q(rapid_review__pack_shared_at__isnull=False) | Q(agency_id__in=own))


def returns_visible_to(user, case: Case) -> QuerySet[AgencyReturn]:
    return (
        agency_returns_visible_to(user)
        .filter(rapid_review__case=case)
        .select_related("agency", "submitted_by")
    )


def can_see_all_returns(user, case: Case) -> bool:
    """Every agency's return, and so the rapid review as the Panel receives it: the business
    unit, and once the collated pack is shared everyone who sees the case."""
    if not cases_visible_to(user).filter(pk=case.pk).exists():
        return False
    if principal_for(user).is_business_unit:
        return True
    rr = getattr(case, "rapid_review", None)
    return rr is not None and rr.pack_shared_at is not None


def can_read_rapid_review_record(user, case: Case) -> bool:
    """The rapid review's own record (the meeting, the recommendation, the Panel and the
    decision), which holds no agency's return: the partnership-wide roles and the case's
    reviewer, and everyone on the case once the pack is shared."""
    if principal_for(user).sees_partnership_wide or is_case_reviewer(user, case):
        return True
    return can_see_all_returns(user, case)


def can_complete_return(user, agency_id: int) -> bool:
    """The business unit, or an agency lead of the return's agency."""
    p = principal_for(user)
    return p.is_business_unit or agency_id in p.agencies_with_role(Role.AGENCY_LEAD)


def return_for_completion(user, case: Case, agency_id: int) -> AgencyReturn:
    """An agency lead completes their own agency's return (the business unit may too)."""
    ret = (
        AgencyReturn.objects.filter(rapid_review__case=case, agency_id=agency_id)
        .select_related("agency", "rapid_review")
        .first()
    )
    if ret is None:
        raise deny(
            user,
            object_type="reviews.agencyreturn",
            object_id=f"{case.reference}/{agency_id}",
            reason=NOT_FOUND,
        )
    if not can_complete_return(user, agency_id):
        raise deny(user, object_type="reviews.agencyreturn", object_id=str(ret.pk))
    return ret


def can_read_drafts(user, case: Case) -> bool:
    """Draft reports: the business unit, partner leads, the scrutineer and the case's reviewer."""
    return cases_visible_to(user).filter(pk=case.pk).exists() and (
        principal_for(user).sees_partnership_wide or is_case_reviewer(user, case)
    )


def draft_for_document(user, owner_id: str, document=None) -> bool:
    draft = DraftVersion.objects.select_related("local_review__case").filter(pk=owner_id).first()
    if draft is None:
        return False
    return can_read_drafts(user, draft.local_review.case)
