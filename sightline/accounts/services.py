"""Every write to agencies, users, memberships and sign-in state.

Sign-in protection (the lockout, device cookies, recovery codes) is in `services_signin`, and
two-person grants of roles and duties in `services_grants`; the names other code reaches
through this module are re-exported here."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from sightline.accounts.models import (
    Agency,
    Invitation,
    Membership,
    RecoveryCodeDevice,
    User,
    UserSession,
)
from sightline.accounts.services_grants import (  # noqa: F401 - re-exported
    GrantRefused,
    direct_grant_problem,
    grant_confirm,
    grant_label,
    grant_propose,
    grant_refuse,
    grant_withdraw,
    membership_apply,
)
from sightline.accounts.services_signin import (  # noqa: F401 - re-exported
    device_remember,
    devices_forget,
    dummy_password_work,
    recovery_codes_issue,
    recovery_codes_left,
    signin_failed,
    signin_is_throttled,
    signin_succeeded,
    signin_throttled,
)
from sightline.core.events import diff, record_event, snapshot
from sightline.core.models import Event
from sightline.core.requestcontext import current_ip
from sightline.core.versioning import create_record, save_versioned

AGENCY_FIELDS = [
    "name",
    "short_name",
    "kind",
    "is_local_authority",
    "email_domains",
    "safeguarding_lead",
    "active",
]
USER_FIELDS = ["full_name", "job_title", "access_ends_on"]


# --- Sign-in protection (in services_signin) -----------------------------------------------


def signout_recorded(*, user: User) -> None:
    record_event(action="auth.signed_out", kind=Event.Kind.AUTH, actor=user)


def _end_sessions(user: User) -> int:
    keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    Session.objects.filter(session_key__in=keys).delete()
    UserSession.objects.filter(user=user).delete()
    devices_forget(user)
    User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
    user.refresh_from_db(fields=["session_epoch"])
    return len(keys)


# --- Agencies ------------------------------------------------------------------------------


@transaction.atomic
def agency_create(*, by: User, **fields) -> Agency:
    agency = create_record(Agency(**fields), by=by)
    record_event(
        action="agency.create",
        actor=by,
        obj=agency,
        changes=diff({}, snapshot(agency, AGENCY_FIELDS)),
    )
    return agency


@transaction.atomic
def agency_update(*, agency: Agency, by: User, expected_version: int, **fields) -> Agency:
    before = snapshot(agency, AGENCY_FIELDS)
    for key, value in fields.items():
        setattr(agency, key, value)
    save_versioned(agency, by=by, expected_version=expected_version, fields=list(fields))
    record_event(
        action="agency.update",
        actor=by,
        obj=agency,
        changes=diff(before, snapshot(agency, AGENCY_FIELDS)),
    )
    return agency


# --- Users and memberships -----------------------------------------------------------------


@transaction.atomic
def user_invite(
    *,
    by: User | None,
    email: str,
    full_name: str,
    agency: Agency,
    role: str,
    job_title: str = "",
    duties: list[str] | None = None,
    access_ends_on=None,
    reason: str = "",
    propose: bool = False,
) -> User:
    """Create the account with no usable password and send a set-password invitation.

    The role is a proposal that a second person confirms (`grant_propose`), unless it is a
    grant nobody needs to confirm (`direct_grant_problem`: made by the system, or the reviewer
    role the business unit gives with a case appointment) and `propose` is not asked for. The
    invitation is sent either way: the account works at once, the role once confirmed."""
    user = User(
        email=email.strip().lower(),
        full_name=full_name,
        job_title=job_title,
        access_ends_on=access_ends_on,
    )
    user.set_unusable_password()
    user.full_clean()
    user.save()
    direct = by is None or (
        not propose and direct_grant_problem(by=by, user=user, role=role, duties=duties) is None
    )
    record_event(
        action="user.invite",
        actor=by,
        obj=user,
        changes={
            "email": [None, user.email],
            "agency": [None, agency.pk],
            "role": [None, role],
            "role_pending": not direct,
        },
    )
    if direct:
        membership_apply(user=user, by=by, agency=agency, role=role, duties=duties)
    else:
        grant_propose(
            by=by,
            user=user,
            agency=agency,
            role=role,
            duties=duties,
            reason=reason or f"Invited to Sightline by {by}",
        )
    invitation = Invitation.objects.create(
        user=user,
        invited_by=by,
        # A random placeholder: the worker issues the real token when it sends the e-mail,
        # so no usable token is ever stored or queued.
        token_hash=invitation_token_hash(Invitation.new_token()),
        expires_at=timezone.now() + timedelta(days=settings.SIGHTLINE_INVITATION_DAYS),
    )
    from sightline.accounts.tasks import send_invitation

    transaction.on_commit(lambda: send_invitation.enqueue(invitation.pk))
    return user


def invitation_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def invitation_issue_token(*, invitation: Invitation) -> str:
    """A fresh single-use token for the invitation e-mail; only its hash is stored."""
    token = Invitation.new_token()
    Invitation.objects.filter(pk=invitation.pk).update(token_hash=invitation_token_hash(token))
    return token


def invitation_for_token(token: str) -> Invitation | None:
    invitation = (
        Invitation.objects.select_related("user")
        .filter(
            token_hash=invitation_token_hash(token),
            used_at__isnull=True,
            expires_at__gt=timezone.now(),
            user__is_active=True,
        )
        .first()
    )
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: Invitation, password: str) -> User | None:
    """Set the password, once: None if the invitation was used or expired meanwhile."""
    now = timezone.now()
    claimed = Invitation.objects.filter(
        pk=invitation.pk, used_at__isnull=True, expires_at__gt=now
    ).update(used_at=now)
    if not claimed:
        return None
    user = invitation.user
    user.set_password(password)
    user.save(update_fields=["password"])
    record_event(action="user.invitation_accepted", actor=user, obj=user, kind=Event.Kind.AUTH)
    return user


@transaction.atomic
def user_update(*, user: User, by: User, expected_version: int, **fields) -> User:
    before = snapshot(user, USER_FIELDS)
    for key, value in fields.items():
        setattr(user, key, value)
    save_versioned(user, by=by, expected_version=expected_version, fields=list(fields))
    record_event(
        action="user.update", actor=by, obj=user, changes=diff(before, snapshot(user, USER_FIELDS))
    )
    return user


@transaction.atomic
def user_deactivate(*, user: User, by: User, reason: str = "") -> User:
    """Deactivate and end every session the user holds."""
    User.objects.filter(pk=user.pk).update(is_active=False, version=F("version") + 1)
    ended = _end_sessions(user)
    user.refresh_from_db()
    record_event(
        action="user.deactivate",
        actor=by,
        obj=user,
        reason=reason,
        changes={"is_active": [True, False], "sessions_ended": ended},
    )
    return user


@transaction.atomic
def user_reactivate(*, user: User, by: User) -> User:
    User.objects.filter(pk=user.pk).update(is_active=True, version=F("version") + 1)
    user.refresh_from_db()
    record_event(action="user.reactivate", actor=by, obj=user, changes={"is_active": [False, True]})
    return user


@transaction.atomic
def user_reset_two_factor(*, user: User, by: User) -> None:
    """Remove the user's authenticator and recovery codes; they enrol again at next sign-in."""
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    RecoveryCodeDevice.objects.filter(user=user).delete()
    _end_sessions(user)
    record_event(action="user.two_factor_reset", actor=by, obj=user)


@transaction.atomic
def user_password_changed(*, user: User, keep_session_key: str | None = None) -> None:
    """After a password change: end every other session on the server and log it. The session
    that made the change (its key is new after `update_session_auth_hash`) stays, recorded so
    that a later deactivation still ends it."""
    others = UserSession.objects.filter(user=user).exclude(session_key=keep_session_key or "")
    ended = list(others.values_list("session_key", flat=True))
    Session.objects.filter(session_key__in=ended).delete()
    others.delete()
    devices_forget(user)
    if keep_session_key:
        UserSession.objects.update_or_create(
            session_key=keep_session_key, defaults={"user": user, "ip_address": current_ip.get()}
        )
    record_event(action="user.password_changed", actor=user, obj=user, kind=Event.Kind.AUTH)


@transaction.atomic
def membership_add(
    *, user: User, by: User | None, agency: Agency, role: str, duties: list[str] | None = None
) -> Membership:
    """Give a role directly, without a second person. Only for grants nobody needs to confirm:
    made by the system (`by=None`: the demo, the tests), or the independent reviewer role the
    business unit gives with a case appointment (`direct_grant_problem`). Every other grant is
    proposed with `grant_propose` and takes effect when confirmed; this raises `GrantRefused`
    for them. No page calls this with `by=None`."""
    if by is not None:
        problem = direct_grant_problem(by=by, user=user, role=role, duties=duties)
        if problem:
            raise GrantRefused(problem)
    return membership_apply(user=user, by=by, agency=agency, role=role, duties=duties)


@transaction.atomic
def membership_remove(*, membership: Membership, by: User) -> None:
    """Taking a role away needs one person (it only narrows access), but not oneself."""
    if by is not None and by.pk == membership.user_id:
        raise GrantRefused("You cannot remove your own role. Ask another administrator")
    Membership.objects.filter(pk=membership.pk).update(
        active=False, archived_at=timezone.now(), version=F("version") + 1
    )
    record_event(
        action="membership.remove",
        actor=by,
        obj=membership.user,
        changes={"membership": [f"{membership.agency_id}:{membership.role}", None]},
    )
