"""Who a user is in the partnership: roles and agencies, read once per request.

Every app's access.py builds its rules from `principal_for(user)`; nothing else reads
memberships to make an access decision.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.http import Http404

from sightline.accounts.models import (
    CASE_MATERIAL_ROLES,
    Agency,
    Membership,
    Role,
    RoleGrant,
    User,
)
from sightline.core.clocks import today
from sightline.core.events import record_event
from sightline.core.models import Event

# Roles that see every process's records, pseudonymised.
PARTNERSHIP_WIDE_ROLES = frozenset({Role.BUSINESS_UNIT, Role.PARTNER_LEAD, Role.SCRUTINEER})


@dataclass(frozen=True)
class Principal:
    user_id: int | None
    roles_by_agency: dict[int, frozenset[str]] = field(default_factory=dict)
    duties_by_agency: dict[int, frozenset[str]] = field(default_factory=dict)

    @property
    def roles(self) -> frozenset[str]:
        return (
            frozenset().union(*self.roles_by_agency.values())
            if self.roles_by_agency
            else frozenset()
        )

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))

    def agencies_with_role(self, *roles: str) -> frozenset[int]:
        wanted = set(roles)
        return frozenset(a for a, r in self.roles_by_agency.items() if r & wanted)

    def has_duty(self, duty: str, agency_id: int | None = None) -> bool:
        if agency_id is not None:
            return duty in self.duties_by_agency.get(agency_id, frozenset())
        return any(duty in d for d in self.duties_by_agency.values())

    @property
    def is_business_unit(self) -> bool:
        return Role.BUSINESS_UNIT in self.roles

    @property
    def sees_partnership_wide(self) -> bool:
        return bool(self.roles & PARTNERSHIP_WIDE_ROLES)

    @property
    def can_manage_settings(self) -> bool:
        return self.has_role(Role.BUSINESS_UNIT, Role.SYSTEM_ADMIN)

    @property
    def sees_case_material(self) -> bool:
        return bool(self.roles & CASE_MATERIAL_ROLES)

    @property
    def needs_mfa(self) -> bool:
        """Two-factor authentication is required of every signed-in user, not only the roles
        that see case material: system administrators manage the accounts that do."""
        return self.user_id is not None


ANONYMOUS = Principal(user_id=None)


def access_has_ended(user) -> bool:
    """A time-limited account stops working the day after its `access_ends_on`."""
    return bool(user.access_ends_on and user.access_ends_on < today())


def principal_for(user) -> Principal:
    """The user's active roles, cached on the user object for the request."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return ANONYMOUS
    cached = getattr(user, "_sightline_principal", None)
    if cached is not None:
        return cached
    if access_has_ended(user):
        result = Principal(user_id=user.pk)
    else:
        roles: dict[int, set[str]] = {}
        duties: dict[int, set[str]] = {}
        for agency_id, role, duty_list in Membership.objects.filter(
            user=user, active=True, archived_at__isnull=True, agency__active=True
        ).values_list("agency_id", "role", "duties"):
            roles.setdefault(agency_id, set()).add(role)
            duties.setdefault(agency_id, set()).update(duty_list or [])
        result = Principal(
            user_id=user.pk,
            roles_by_agency={a: frozenset(r) for a, r in roles.items()},
            duties_by_agency={a: frozenset(d) for a, d in duties.items()},
        )
    user._sightline_principal = result
    return result


def forget_principal(user) -> None:
    if hasattr(user, "_sightline_principal"):
        del user._sightline_principal


# Why `deny()` refused: the object does not exist, the user may not have it, or the user's
# access has ended (a time-limited account past its end date, or a part on a case that ended).
NOT_FOUND, NOT_ALLOWED, ENDED = "not found", "not allowed", "ended"


def deny(user, *, object_type: str, object_id: str, reason: str = NOT_ALLOWED) -> Http404:
    """Log a refused access and return the 404 to raise; the user sees "Page not found"
    whatever the reason, so nobody learns whether a record exists.

    A fetcher passes `reason=NOT_FOUND` when there is no such object (logged for signed-in
    users only, to show someone trying references) and `ENDED` when it knows the user's part
    has ended. A time-limited account past its end date is always logged as ENDED."""
    signed_in = user is not None and getattr(user, "is_authenticated", False)
    if reason == NOT_ALLOWED and signed_in and access_has_ended(user):
        reason = ENDED
    if signed_in or reason != NOT_FOUND:
        record_event(
            action="access.denied",
            kind=Event.Kind.DENIED,
            actor=user,
            object_type=object_type,
            object_id=str(object_id)[:64],
            reason=reason,
        )
    return Http404("Not found")


# --- Settings objects: agencies and users -------------------------------------------------


def _require_settings_manager(user) -> None:
    if not principal_for(user).can_manage_settings:
        raise Http404("Not found")


def agency_for_settings(user, pk: int) -> Agency:
    _require_settings_manager(user)
    try:
        return Agency.objects.get(pk=pk)
    except (Agency.DoesNotExist, ValueError, TypeError):
        raise Http404("Not found") from None


def user_for_settings(user, pk: int) -> User:
    _require_settings_manager(user)
    try:
        return User.objects.get(pk=pk)
    except (User.DoesNotExist, ValueError, TypeError):
        raise Http404("Not found") from None


def require_settings_manager(user) -> None:
    """Function-level check for the settings pages (404 for everyone else)."""
    _require_settings_manager(user)


# --- Two-person grants ---------------------------------------------------------------------


def can_see_grants(user) -> bool:
    """The grant pages: settings managers, and partner leads (who confirm business-unit
    grants)."""
    p = principal_for(user)
    return p.can_manage_settings or p.has_role(Role.PARTNER_LEAD)


def require_grant_viewer(user) -> None:
    if not can_see_grants(user):
        raise Http404("Not found")


def grants_visible_to(user) -> QuerySet[RoleGrant]:
    """Settings managers see every proposal; a partner lead sees those of the business-unit
    role, which they confirm; nobody else sees any."""
    p = principal_for(user)
    qs = RoleGrant.objects.select_related("user", "agency", "proposed_by", "decided_by")
    if p.can_manage_settings:
        return qs
    if p.has_role(Role.PARTNER_LEAD):
        return qs.filter(role=Role.BUSINESS_UNIT)
    return qs.none()


def grant_for_view(user, pk) -> RoleGrant:
    require_grant_viewer(user)
    try:
        grant = grants_visible_to(user).get(pk=pk)
    except (RoleGrant.DoesNotExist, ValueError, TypeError):
        if RoleGrant.objects.filter(pk=pk).exists():
            raise deny(user, object_type="accounts.rolegrant", object_id=str(pk)) from None
        raise Http404("Not found") from None
    return grant


def grant_confirm_problem(user, grant: RoleGrant, verb: str = "confirm") -> str | None:
    """Why `user` may not confirm (or refuse) the proposal, in words for the page; None if
    they may."""
    if grant.status != RoleGrant.Status.PROPOSED:
        return f"This proposal has already been {grant.get_status_display().lower()}"
    if user.pk == grant.user_id:
        return f"You cannot {verb} a role or duty for yourself"
    if user.pk == grant.proposed_by_id:
        return f"You proposed this, so someone else must {verb} it"
    if not (principal_for(user).roles & grant.confirmer_roles):
        if grant.role == Role.BUSINESS_UNIT:
            return f"Only a partner lead can {verb} the business unit role"
        if grant.role == Role.SYSTEM_ADMIN:
            return (
                f"Only another system administrator or the business unit can {verb} "
                "the system administrator role"
            )
        return f"Only the business unit can {verb} this"
    return None


def grant_withdraw_problem(user, grant: RoleGrant) -> str | None:
    if grant.status != RoleGrant.Status.PROPOSED:
        return f"This proposal has already been {grant.get_status_display().lower()}"
    if user.pk != grant.proposed_by_id:
        return "Only the person who proposed it can withdraw it"
    return None


def grants_to_confirm(user) -> QuerySet[RoleGrant]:
    """Open proposals this user may confirm: not their own, not for themselves, of a role
    their own role confirms."""
    p = principal_for(user)
    roles = [r for r in Role.values if RoleGrant.confirmer_roles_for(r) & p.roles]
    if p.user_id is None or not roles:
        return RoleGrant.objects.none()
    return (
        grants_visible_to(user)
        .filter(status=RoleGrant.Status.PROPOSED, role__in=roles)
        .exclude(user_id=p.user_id)
        .exclude(proposed_by_id=p.user_id)
    )
