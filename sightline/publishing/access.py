"""The one way to fetch publication plans for a user.

Who sees plans: the business unit, partner leads and the independent scrutineer (read-only).
Nobody else, not even to learn that a plan exists: missing and forbidden both give 404.

Who changes them: the business unit prepares, submits, schedules, removes and records decisions
not to publish. Approving is separate: a publication approver is someone holding the
publication approver duty on a membership, as a partner lead or business unit member, at an
active safeguarding-partner agency. Approvals are per agency; a system administrator has no
part in publishing.

Removing an item before its minimum public period ends needs the confirmation of the person
the business unit names: a partner lead of a safeguarding partner other than the requester's
own agencies (`removal_approvers`), never the requester. They confirm or refuse it themselves.

The public never reaches these pages; the public library shows only `LibraryItem`s.
"""

from __future__ import annotations

from django.db.models import QuerySet

from sightline.accounts.access import NOT_FOUND, deny, principal_for
from sightline.accounts.models import Agency, Duty, Role, User
from sightline.accounts.people import people_with
from sightline.core.events import record_event
from sightline.core.models import Event
from sightline.publishing.models import PublicationPlan

APPROVER_ROLES = (Role.PARTNER_LEAD, Role.BUSINESS_UNIT)
READER_ROLES = (Role.BUSINESS_UNIT, Role.PARTNER_LEAD, Role.SCRUTINEER)
S = PublicationPlan.Status
# Statuses that a clean guard result was needed to reach.
CLEARED_STATUSES = (S.AWAITING_APPROVAL, S.SCHEDULED, S.PUBLISHED, S.REMOVED)


def can_see_plans(user) -> bool:
    return principal_for(user).has_role(*READER_ROLES)


def can_manage_plans(user) -> bool:
    """Create, edit, submit, schedule, remove and withhold."""
    return principal_for(user).is_business_unit


def approver_agency_ids(user) -> frozenset[int]:
    """The safeguarding-partner agencies this user may approve publication for."""
    p = principal_for(user)
    candidates = {
        agency_id
        for agency_id, roles in p.roles_by_agency.items()
        if roles & set(APPROVER_ROLES) and p.has_duty(Duty.PUBLICATION_APPROVER, agency_id)
    }
    if not candidates:
        return frozenset()
    return frozenset(
        Agency.objects.filter(
            pk__in=candidates,
            kind=Agency.Kind.SAFEGUARDING_PARTNER,
            active=True,
            archived_at__isnull=True,
        ).values_list("pk", flat=True)
    )


def is_approver(user) -> bool:
    return bool(approver_agency_ids(user))


def removal_approvers(requester) -> QuerySet[User]:
    """Who may confirm an early removal that `requester` asks for: partner leads of active
    safeguarding partners other than the requester's own agencies, and never the requester."""
    own = set(principal_for(requester).roles_by_agency)
    partners = Agency.objects.filter(
        kind=Agency.Kind.SAFEGUARDING_PARTNER, active=True, archived_at__isnull=True
    ).exclude(pk__in=own)
    return people_with(
        Role.PARTNER_LEAD, agencies=partners, agency_kind=Agency.Kind.SAFEGUARDING_PARTNER
    ).exclude(pk=requester.pk)


def may_confirm_removal(user, request) -> bool:
    """The named person, still a partner lead of a partner other than the requester's."""
    if user is None or user.pk != request.approver_id or user.pk == request.requested_by_id:
        return False
    return removal_approvers(request.requested_by).filter(pk=user.pk).exists()


def plans_visible_to(user) -> QuerySet[PublicationPlan]:
    qs = PublicationPlan.objects.filter(archived_at__isnull=True)
    if not can_see_plans(user):
        return qs.none()
    return qs


def _get(user, reference: str) -> PublicationPlan:
    plan = (
        PublicationPlan.objects.select_related("case", "briefing", "document", "published_document")
        .filter(reference=reference, archived_at__isnull=True)
        .first()
    )
    if plan is None:
        raise deny(
            user, object_type="publishing.publicationplan", object_id=reference, reason=NOT_FOUND
        )
    return plan


def plan_for_view(user, reference: str) -> PublicationPlan:
    plan = _get(user, reference)
    if not can_see_plans(user):
        raise deny(user, object_type="publishing.publicationplan", object_id=reference)
    return plan


def plan_for_management(user, reference: str) -> PublicationPlan:
    plan = _get(user, reference)
    if not can_manage_plans(user):
        raise deny(user, object_type="publishing.publicationplan", object_id=reference)
    return plan


def plan_for_document(user, owner_id: str, document=None) -> bool:
    """Files attached to a plan (drafts and the cleaned published copy): the business unit
    always; partner leads and the scrutineer, who never see identities, only once the guard has
    cleared the current version (or it has been scheduled or published). The public gets a
    published file only through the library."""
    from sightline.publishing import guard

    if not can_see_plans(user) or not str(owner_id).isdigit():
        return False
    plan = PublicationPlan.objects.filter(pk=int(owner_id), archived_at__isnull=True).first()
    if plan is None:
        return False
    if can_manage_plans(user):
        return True
    # Others read only the plan's current file and its published copy: a replaced draft may
    # hold what the guard found, and they never see identities.
    current = {plan.document_id, plan.published_document_id} - {None}
    if document is not None and document.pk not in current:
        return False
    if plan.status in CLEARED_STATUSES:
        return True
    return bool(
        plan.guard_checked_at
        and not plan.guard_findings
        and plan.guard_fingerprint == guard.fingerprint(plan)
    )


def refuse(user, plan: PublicationPlan, *, action: str, reason: str) -> None:
    """Log a refusal shown to someone who may see the plan (they are told why, with a 403)."""
    record_event(
        action=f"{action}.refused",
        kind=Event.Kind.DENIED,
        actor=user,
        obj=plan,
        reason=reason,
    )
