"""Helpers shared by the reviews services: who is told, the link to a case, the business unit
check and the case's stage."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse
from django.utils import timezone

from sightline.accounts.models import Agency, Duty, Membership, Role, User
from sightline.core.events import record_event
from sightline.core.workflow import TransitionRefused
from sightline.reviews import access
from sightline.reviews.models import Case, CaseStage


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
