"""Who holds a part: the one way to list people for recipient lists and person pickers.

`people_with()` applies the same rules as `principal_for()` (an active, unarchived membership
in an active agency, an active account whose access has not ended), so a list of people to tell
or to choose from never includes someone the access rules would not treat as holding the role.
`PersonChoiceField` shows each person with their role, agency and e-mail address, so two people
with the same name, or a scrutineer and a reviewer, cannot be confused.
"""

from __future__ import annotations

from collections.abc import Iterable

from django import forms
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from sightline.accounts.models import Agency, Membership, Role, User
from sightline.core.clocks import today


def current_memberships() -> QuerySet[Membership]:
    """Memberships that give their holder a role today."""
    return Membership.objects.filter(active=True, archived_at__isnull=True, agency__active=True)


def _duty_filter(duty: str) -> Q:
    # Duties are a JSON list of codes. `contains` on JSON is not available on SQLite, so match
    # the quoted code in the stored text, which both engines support.
    return Q(duties__icontains=f'"{duty}"')


def memberships_with(
    *roles: str,
    agencies: Iterable[int | Agency] | None = None,
    duty: str | None = None,
    agency_kind: str | None = None,
) -> QuerySet[Membership]:
    qs = current_memberships()
    if roles:
        qs = qs.filter(role__in=list(roles))
    if agencies is not None:
        qs = qs.filter(agency__in=list(agencies))
    if duty:
        qs = qs.filter(_duty_filter(duty))
    if agency_kind:
        qs = qs.filter(agency__kind=agency_kind)
    return qs


def active_users() -> QuerySet[User]:
    """Accounts that can sign in today."""
    return User.objects.filter(is_active=True).filter(
        Q(access_ends_on__isnull=True) | Q(access_ends_on__gte=today())
    )


def people_with(
    *roles: str,
    agencies: Iterable[int | Agency] | None = None,
    duty: str | None = None,
    agency_kind: str | None = None,
) -> QuerySet[User]:
    """People who hold one of `roles` (any role if none is named), optionally at one of
    `agencies`, with `duty`, at an agency of `agency_kind`. One row per person."""
    held = memberships_with(*roles, agencies=agencies, duty=duty, agency_kind=agency_kind)
    return active_users().filter(Exists(held.filter(user=OuterRef("pk")))).order_by("full_name")


def with_parts(users: QuerySet[User]) -> QuerySet[User]:
    """Prefetch each person's current memberships, for `person_label()`."""
    if any(
        getattr(lookup, "to_attr", None) == "current_parts"
        for lookup in users._prefetch_related_lookups
    ):
        return users
    return users.prefetch_related(
        Prefetch(
            "memberships",
            queryset=current_memberships().select_related("agency").order_by("agency__name"),
            to_attr="current_parts",
        )
    )


ROLE_LABELS = dict(Role.choices)


def person_label(user: User) -> str:
    """'Dr Asha Rao – Partner lead, Northshire Police – asha.rao@example.org'."""
    parts = getattr(user, "current_parts", None)
    if parts is None:
        parts = list(current_memberships().filter(user=user).select_related("agency"))
    held = "; ".join(f"{ROLE_LABELS.get(m.role, m.role)}, {m.agency.name}" for m in parts)
    return " – ".join(p for p in (user.full_name or user.email, held, user.email) if p)


class PersonChoiceField(forms.ModelChoiceField):
    """A person picker: each option names the person's role, agency and e-mail address."""

    def __init__(self, *args, queryset=None, **kwargs):
        super().__init__(
            *args, queryset=User.objects.none() if queryset is None else queryset, **kwargs
        )

    def _set_queryset(self, queryset):
        super()._set_queryset(with_parts(queryset) if queryset is not None else queryset)

    queryset = property(forms.ModelChoiceField._get_queryset, _set_queryset)

    def label_from_instance(self, obj: User) -> str:
        return person_label(obj)
