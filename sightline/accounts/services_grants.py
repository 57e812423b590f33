"""Two-person grants: a role or duty that reaches case material or approvals is proposed by one
person and takes effect only when a second person confirms it
(docs/decisions/0018-two-person-grants.md).

- The business unit and system administrators propose (`grant_propose`), never for themselves.
- The business unit confirms, except a grant of the business-unit role, which a partner lead
  confirms, and of the system-administrator role, which another system administrator or the
  business unit confirms (`RoleGrant.confirmer_roles_for`). Nobody confirms a grant for
  themselves, and the proposer never confirms their own proposal.
- A confirmer may refuse instead, with a reason; the proposer may withdraw.
- Each step is an event, and the people it concerns are told.

`membership_apply` is the one place a membership is written. `membership_add` (in `services`)
reaches it directly only for grants that need no second person: those made by the system itself
(`by=None`, for the demo and the tests) and the independent reviewer role the business unit
gives with a case appointment.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from sightline.accounts.access import (
    grant_confirm_problem,
    grant_withdraw_problem,
    principal_for,
)
from sightline.accounts.models import Agency, Duty, Membership, Role, RoleGrant, User
from sightline.core.events import record_event
from sightline.core.notifications import notify
from sightline.core.versioning import create_record

ROLE_LABELS = dict(Role.choices)
DUTY_LABELS = dict(Duty.choices)


class GrantRefused(ValueError):
    """A grant, or a step on one, that the rules do not allow; the message says why."""

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else "This cannot be done"


def grant_label(role: str, agency: Agency, duties: list[str] | None = None) -> str:
    """'Partner lead, Northshire Police (publication approver)'."""
    text = f"{ROLE_LABELS.get(role, role)}, {agency}"
    if duties:
        text += " (" + ", ".join(DUTY_LABELS.get(d, d).lower() for d in duties) + ")"
    return text


def confirmers_label(role: str) -> str:
    """Who may confirm a grant of `role`, in words."""
    if role == Role.BUSINESS_UNIT:
        return "a partner lead"
    if role == Role.SYSTEM_ADMIN:
        return "another system administrator or the business unit"
    return "the business unit"


def _current_membership(user: User, agency: Agency, role: str) -> Membership | None:
    return Membership.objects.filter(
        user=user, agency=agency, role=role, active=True, archived_at__isnull=True
    ).first()


def _what_is_new(user: User, agency: Agency, role: str, duties) -> tuple[bool, list[str]]:
    """Whether the role itself is new to the user at that agency, and which duties are."""
    wanted = sorted(set(duties or []))
    current = _current_membership(user, agency, role)
    if current is None:
        return True, wanted
    return False, [d for d in wanted if d not in (current.duties or [])]


# --- The one place a membership is written -------------------------------------------------


def membership_apply(
    *, user: User, by: User | None, agency: Agency, role: str, duties=None
) -> Membership:
    """Give `user` the role at `agency` with `duties` added to those they hold there. A role
    they held before and lost comes back with only the duties given now. Nothing is written
    (and no event recorded) when they already hold all of it."""
    duties = sorted(set(duties or []))
    existing = Membership.objects.filter(user=user, agency=agency, role=role).first()
    if existing is None:
        membership = create_record(
            Membership(user=user, agency=agency, role=role, duties=duties), by=by
        )
        before = None
    else:
        current = existing.active and existing.archived_at is None
        held = list(existing.duties or []) if current else []
        merged = sorted(set(held) | set(duties))
        if current and merged == sorted(held):
            return existing
        Membership.objects.filter(pk=existing.pk).update(
            active=True,
            archived_at=None,
            duties=merged,
            updated_by=by,
            updated_at=timezone.now(),
            version=F("version") + 1,
        )
        existing.refresh_from_db()
        membership = existing
        before = f"{agency.pk}:{role}" if current else None
        duties = merged
    record_event(
        action="membership.add",
        actor=by,
        obj=user,
        changes={"membership": [before, f"{agency.pk}:{role}"], "duties": [None, duties]},
    )
    return membership


def direct_grant_problem(*, by: User, user: User, role: str, duties=None) -> str | None:
    """Why `by` may not give this role without a second person; None if they may.

    The one grant a person makes alone is the independent reviewer role (with no duties) that
    the business unit gives when it appoints someone to review a case: the reviewer sees only
    the cases the business unit names them on, and the business unit is who would confirm it."""
    if by.pk == user.pk:
        return "Nobody can give themselves a role or duty"
    if role == Role.REVIEWER and not duties and principal_for(by).is_business_unit:
        return None
    return (
        f"{ROLE_LABELS.get(role, role)} takes two people: propose it, and "
        f"{confirmers_label(role)} confirms it"
    )


# --- Proposals -----------------------------------------------------------------------------


def _confirmers(grant: RoleGrant):
    from sightline.accounts.people import people_with

    return people_with(*RoleGrant.confirmer_roles_for(grant.role)).exclude(
        pk__in=[grant.user_id, grant.proposed_by_id]
    )


def _grant_url(grant: RoleGrant) -> str:
    return reverse("settings:grant-detail", args=[grant.pk])


@transaction.atomic
def grant_propose(
    *, by: User, user: User, agency: Agency, role: str, duties=None, reason: str
) -> RoleGrant:
    """Propose a role, or duties on a role the user already holds, for a second person to
    confirm. Raises `GrantRefused` with the reason when it cannot be proposed."""
    if by is None or not principal_for(by).can_manage_settings:
        raise GrantRefused("Only the business unit and system administrators propose roles")
    if by.pk == user.pk:
        raise GrantRefused(
            "You cannot propose a role or duty for yourself. Ask another administrator"
        )
    if role not in Role.values:
        raise GrantRefused("Select a role")
    unknown = [d for d in (duties or []) if d not in Duty.values]
    if unknown:
        raise GrantRefused("Select only the duties listed")
    if not user.is_active:
        raise GrantRefused(f"{user} has a deactivated account. Reactivate it first")
    if not agency.active:
        raise GrantRefused(f"{agency} is not an active agency")
    reason = (reason or "").strip()
    if not reason:
        raise GrantRefused("Enter why they need this role")
    new_role, new_duties = _what_is_new(user, agency, role, duties)
    if not new_role and not new_duties:
        raise GrantRefused(f"{user} already has {grant_label(role, agency, duties)}")
    try:
        with transaction.atomic():
            grant = RoleGrant.objects.create(
                user=user,
                agency=agency,
                role=role,
                duties=new_duties,
                reason=reason,
                proposed_by=by,
                proposed_at=timezone.now(),
            )
    except IntegrityError:
        raise GrantRefused(
            f"A proposal of {ROLE_LABELS.get(role, role)}, {agency} for {user} is already "
            "waiting for confirmation"
        ) from None
    record_event(
        action="role_grant.propose",
        actor=by,
        obj=user,
        reason=reason,
        changes={
            "grant": grant.pk,
            "agency": agency.pk,
            "role": role,
            "new_role": new_role,
            "duties": new_duties,
        },
    )
    notify(
        users=_confirmers(grant),
        subject=f"Confirm or refuse a role for {user}: {grant_label(role, agency, new_duties)}",
        body=f"Proposed by {by}. Reason: {reason}",
        url=_grant_url(grant),
    )
    return grant


def _decide(grant: RoleGrant, *, by: User, status: str, note: str = "") -> RoleGrant:
    """Move a proposal on, once: a second request for the same proposal finds it decided."""
    now = timezone.now()
    moved = RoleGrant.objects.filter(pk=grant.pk, status=RoleGrant.Status.PROPOSED).update(
        status=status, decided_by=by, decided_at=now, decision_note=note
    )
    if not moved:
        raise GrantRefused("This proposal has already been decided")
    grant.refresh_from_db()
    return grant


def _fresh(grant: RoleGrant) -> RoleGrant:
    return RoleGrant.objects.select_for_update().select_related("user", "agency").get(pk=grant.pk)


@transaction.atomic
def grant_confirm(*, grant: RoleGrant, by: User) -> Membership:
    """The second person confirms: the role or duties take effect now, and the person is told."""
    grant = _fresh(grant)
    problem = grant_confirm_problem(by, grant)
    if problem:
        raise GrantRefused(problem)
    if not grant.user.is_active:
        raise GrantRefused(f"{grant.user} has a deactivated account. Reactivate it first")
    if not grant.agency.active:
        raise GrantRefused(f"{grant.agency} is no longer an active agency")
    grant = _decide(grant, by=by, status=RoleGrant.Status.CONFIRMED)
    membership = membership_apply(
        user=grant.user, by=by, agency=grant.agency, role=grant.role, duties=grant.duties
    )
    record_event(
        action="role_grant.confirm",
        actor=by,
        obj=grant.user,
        changes={
            "grant": grant.pk,
            "agency": grant.agency_id,
            "role": grant.role,
            "duties": grant.duties,
            "proposed_by": grant.proposed_by_id,
        },
    )
    label = grant_label(grant.role, grant.agency, grant.duties)
    notify(
        users=[grant.user],
        subject=f"You now have {label} in Sightline",
        body=f"Proposed by {grant.proposed_by} and confirmed by {by}.",
        url=reverse("accounts:account"),
    )
    notify(
        users=[grant.proposed_by],
        subject=f"{by} confirmed {label} for {grant.user}",
        url=_grant_url(grant),
    )
    return membership


@transaction.atomic
def grant_refuse(*, grant: RoleGrant, by: User, reason: str) -> RoleGrant:
    """A confirmer refuses, saying why; nothing is granted and the proposer is told."""
    grant = _fresh(grant)
    problem = grant_confirm_problem(by, grant, verb="refuse")
    if problem:
        raise GrantRefused(problem)
    reason = (reason or "").strip()
    if not reason:
        raise GrantRefused("Enter why you are refusing it")
    grant = _decide(grant, by=by, status=RoleGrant.Status.REFUSED, note=reason)
    record_event(
        action="role_grant.refuse",
        actor=by,
        obj=grant.user,
        reason=reason,
        changes={"grant": grant.pk, "agency": grant.agency_id, "role": grant.role},
    )
    notify(
        users=[grant.proposed_by],
        subject=(
            f"{by} refused {grant_label(grant.role, grant.agency, grant.duties)} for {grant.user}"
        ),
        body=f"Reason: {reason}",
        url=_grant_url(grant),
    )
    return grant


@transaction.atomic
def grant_withdraw(*, grant: RoleGrant, by: User) -> RoleGrant:
    """The proposer takes a proposal back before anyone decides it."""
    grant = _fresh(grant)
    problem = grant_withdraw_problem(by, grant)
    if problem:
        raise GrantRefused(problem)
    grant = _decide(grant, by=by, status=RoleGrant.Status.WITHDRAWN)
    record_event(
        action="role_grant.withdraw",
        actor=by,
        obj=grant.user,
        changes={"grant": grant.pk, "agency": grant.agency_id, "role": grant.role},
    )
    return grant
