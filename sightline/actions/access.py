"""The one way to fetch actions and plans for a user.

Read: the business unit, partner leads and the scrutineer see every action; an agency lead sees
their agency's actions; anyone sees the actions they own. Missing and forbidden give the same 404.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from sightline.accounts.access import NOT_FOUND, deny, principal_for
from sightline.accounts.models import Role
from sightline.actions.models import Action, ActionPlan, ActionUpdate


def actions_visible_to(user) -> QuerySet[Action]:
    p = principal_for(user)
    qs = Action.objects.filter(archived_at__isnull=True)
    if p.sees_partnership_wide:
        return qs
    if p.user_id is None:
        return qs.none()
    lead_agencies = p.agencies_with_role(Role.AGENCY_LEAD)
    return qs.filter(Q(owner_agency_id__in=lead_agencies) | Q(owner_id=p.user_id))


def plans_visible_to(user) -> QuerySet[ActionPlan]:
    p = principal_for(user)
    qs = ActionPlan.objects.filter(archived_at__isnull=True)
    if p.sees_partnership_wide:
        return qs
    return qs.filter(pk__in=actions_visible_to(user).values("plan_id")).distinct()


def can_view_action(user, action: Action) -> bool:
    p = principal_for(user)
    if p.sees_partnership_wide:
        return True
    return action.owner_id == p.user_id or action.owner_agency_id in p.agencies_with_role(
        Role.AGENCY_LEAD
    )


def can_progress_action(user, action: Action) -> bool:
    """Add progress updates and move an open action between statuses. The scrutineer is
    read-only, even when named as an owner."""
    p = principal_for(user)
    if p.is_business_unit:
        return True
    if not (p.roles - {Role.SCRUTINEER}):
        return False
    return action.owner_id == p.user_id or action.owner_agency_id in p.agencies_with_role(
        Role.AGENCY_LEAD
    )


def can_manage_plans(user) -> bool:
    """Create plans and actions, edit them, sign actions off."""
    return principal_for(user).is_business_unit


def can_see_all_actions(user) -> bool:
    return principal_for(user).sees_partnership_wide


def _get_action(user, reference: str) -> Action:
    try:
        return Action.objects.select_related("plan", "owner_agency", "owner").get(
            reference=reference, archived_at__isnull=True
        )
    except Action.DoesNotExist:
        raise deny(
            user, object_type="actions.action", object_id=reference, reason=NOT_FOUND
        ) from None


def action_for_view(user, reference: str) -> Action:
    action = _get_action(user, reference)
    if not can_view_action(user, action):
        raise deny(user, object_type="actions.action", object_id=reference)
    return action


def action_for_progress(user, reference: str) -> Action:
    action = _get_action(user, reference)
    if not can_progress_action(user, action):
        raise deny(user, object_type="actions.action", object_id=reference)
    return action


def action_for_management(user, reference: str) -> Action:
    action = _get_action(user, reference)
    if not can_manage_plans(user):
        raise deny(user, object_type="actions.action", object_id=reference)
    return action


def plan_for_view(user, reference: str) -> ActionPlan:
    try:
        plan = ActionPlan.objects.get(reference=reference, archived_at__isnull=True)
    except ActionPlan.DoesNotExist:
        raise deny(
            user, object_type="actions.actionplan", object_id=reference, reason=NOT_FOUND
        ) from None
    if not plans_visible_to(user).filter(pk=plan.pk).exists():
        raise deny(user, object_type="actions.actionplan", object_id=reference)
    return plan


def plan_for_management(user, reference: str) -> ActionPlan:
    plan = plan_for_view(user, reference)
    if not can_manage_plans(user):
        raise deny(user, object_type="actions.actionplan", object_id=reference)
    return plan


def update_for_document(user, owner_id: str, document=None) -> bool:
    """Evidence files on a progress update are readable by whoever may view the action."""
    update = ActionUpdate.objects.select_related("action").filter(pk=owner_id).first()
    if update is None or update.action.archived_at is not None:
        return False
    return can_view_action(user, update.action)
