"""The one way to fetch briefings and their dissemination records for a user.

Read: the business unit, partner leads and the independent scrutineer see every briefing; an
author sees their own; agency leads and practitioners see published briefings and any briefing
sent to their agency. Everyone else sees none. Missing and forbidden give the same 404, and a
refused read of a briefing that exists is logged.

Write: the business unit and partner leads write briefings (an author edits their own draft; the
business unit edits any draft); the business unit or a partner lead approves one, never its
author; the business unit publishes, withdraws and sends briefings to agencies. An agency's
safeguarding lead records that agency's acknowledgement; the dissemination pages and the
dashboard are for the business unit, partner leads and the scrutineer.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from sightline.accounts.access import NOT_ALLOWED, NOT_FOUND, deny, principal_for
from sightline.accounts.models import Role
from sightline.learning.models import Briefing, Dissemination

READER_ROLES = (
    Role.BUSINESS_UNIT,
    Role.PARTNER_LEAD,
    Role.SCRUTINEER,
    Role.AGENCY_LEAD,
    Role.PRACTITIONER,
)
AGENCY_ROLES = (Role.AGENCY_LEAD, Role.PRACTITIONER)
AUTHOR_ROLES = (Role.BUSINESS_UNIT, Role.PARTNER_LEAD)
S = Briefing.Status


def can_use_briefings(user) -> bool:
    """The briefings pages (and the menu entry) are for these roles; others get a 404."""
    return principal_for(user).has_role(*READER_ROLES)


def briefings_visible_to(user) -> QuerySet[Briefing]:
    p = principal_for(user)
    qs = Briefing.objects.filter(archived_at__isnull=True)
    if p.sees_partnership_wide:
        return qs
    if p.user_id is None:
        return qs.none()
    visible = Q(author_id=p.user_id)
    agencies = p.agencies_with_role(*AGENCY_ROLES)
    if agencies:
        sent = Dissemination.objects.filter(archived_at__isnull=True, agency_id__in=agencies)
        visible |= Q(status=S.PUBLISHED) | Q(pk__in=sent.values("briefing_id"))
    return qs.filter(visible)


def can_view_briefing(user, briefing: Briefing) -> bool:
    p = principal_for(user)
    if p.sees_partnership_wide or (p.user_id and briefing.author_id == p.user_id):
        return True
    agencies = p.agencies_with_role(*AGENCY_ROLES)
    if not agencies:
        return False
    if briefing.status == S.PUBLISHED:
        return True
    return briefing.disseminations.filter(archived_at__isnull=True, agency_id__in=agencies).exists()


def can_author(user) -> bool:
    """Write new briefings."""
    return principal_for(user).has_role(*AUTHOR_ROLES)


def _is_author(user, briefing: Briefing) -> bool:
    return briefing.author_id is not None and briefing.author_id == getattr(user, "pk", None)


def can_edit_briefing(user, briefing: Briefing) -> bool:
    """Change the content: only while it is a draft, by its author or the business unit."""
    if briefing.status != S.DRAFT:
        return False
    p = principal_for(user)
    return p.is_business_unit or (_is_author(user, briefing) and can_author(user))


def can_submit(user, briefing: Briefing) -> bool:
    """Send for review: the author or the business unit."""
    p = principal_for(user)
    return p.is_business_unit or (_is_author(user, briefing) and can_author(user))


def can_approve(user, briefing: Briefing) -> bool:
    """Approve or return to the author: the business unit or a partner lead, and never the
    briefing's own author, so two people have read every briefing before it goes out."""
    return principal_for(user).has_role(*AUTHOR_ROLES) and not _is_author(user, briefing)


def can_publish(user, briefing: Briefing | None = None) -> bool:
    """Publish, withdraw and send to agencies."""
    return principal_for(user).is_business_unit


def can_send(user, briefing: Briefing) -> bool:
    return can_publish(user) and briefing.status == S.PUBLISHED


def can_see_dissemination(user) -> bool:
    """Every agency's acknowledgement, for one briefing or across them all."""
    return principal_for(user).sees_partnership_wide


def lead_agency_ids(user) -> frozenset[int]:
    return principal_for(user).agencies_with_role(Role.AGENCY_LEAD)


def can_acknowledge(user, dissemination: Dissemination) -> bool:
    return dissemination.agency_id in lead_agency_ids(user)


# --------------------------------------------------------------------------- fetching


def _require_reader(user) -> None:
    if not can_use_briefings(user):
        raise Http404("Not found")


def _get(user, reference: str) -> Briefing:
    try:
        return Briefing.objects.select_related(
            "author", "approver", "source_case", "created_by", "updated_by"
        ).get(reference=reference, archived_at__isnull=True)
    except Briefing.DoesNotExist:
        raise _denied(user, reference, reason=NOT_FOUND) from None


def _denied(user, reference: str, reason: str = NOT_ALLOWED) -> Http404:
    return deny(user, object_type="learning.briefing", object_id=reference, reason=reason)


def briefing_for_view(user, reference: str) -> Briefing:
    briefing = _get(user, reference)
    if not can_view_briefing(user, briefing):
        raise _denied(user, reference)
    return briefing


def briefing_for_edit(user, reference: str) -> Briefing:
    briefing = _get(user, reference)
    if not can_edit_briefing(user, briefing):
        raise _denied(user, reference)
    return briefing


def briefing_for_send(user, reference: str) -> Briefing:
    briefing = _get(user, reference)
    if not can_send(user, briefing):
        raise _denied(user, reference)
    return briefing


def briefing_for_dissemination(user, reference: str) -> Briefing:
    briefing = _get(user, reference)
    if not can_see_dissemination(user):
        raise _denied(user, reference)
    return briefing


def dissemination_for_acknowledge(user, reference: str, pk: int) -> Dissemination:
    """An agency's record for one briefing, for that agency's safeguarding lead, while the
    briefing is published."""
    try:
        dissemination = Dissemination.objects.select_related(
            "briefing", "agency", "acknowledged_by"
        ).get(
            pk=pk,
            briefing__reference=reference,
            archived_at__isnull=True,
            briefing__archived_at__isnull=True,
        )
    except (Dissemination.DoesNotExist, ValueError, TypeError):
        raise deny(
            user, object_type="learning.dissemination", object_id=str(pk), reason=NOT_FOUND
        ) from None
    if not can_acknowledge(user, dissemination) or dissemination.briefing.status != S.PUBLISHED:
        raise deny(user, object_type="learning.dissemination", object_id=str(pk))
    return dissemination
