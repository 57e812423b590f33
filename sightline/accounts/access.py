"""Who a user is in the partnership: roles and agencies, read once per request.

Every app's access.py builds its rules from `principal_for(user)`; nothing else reads
memberships to make an access decision.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import Http404

from sightline.accounts.models import CASE_MATERIAL_ROLES, Agency, Membership, Role, User
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
