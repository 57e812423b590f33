"""Every write to agencies, users, memberships and sign-in state."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from sightline.accounts.models import (
    Agency,
    Invitation,
    Membership,
    SignInFailure,
    User,
    UserSession,
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


# --- Sign-in protection --------------------------------------------------------------------


def _normalise(username: str) -> str:
    return (username or "").strip().lower()[:254]


def signin_is_throttled(*, username: str, ip: str | None) -> bool:
    """Locked when this e-mail has too many recent failures (whatever address they came from),
    or this address has too many failures across e-mails."""
    since = timezone.now() - timedelta(minutes=settings.SIGHTLINE_LOCKOUT_MINUTES)
    recent = SignInFailure.objects.filter(at__gte=since)
    if recent.filter(username=_normalise(username)).count() >= settings.SIGHTLINE_LOCKOUT_FAILURES:
        return True
    if ip and recent.filter(ip_address=ip).count() >= settings.SIGHTLINE_IP_THROTTLE_FAILURES:
        return True
    return False


@transaction.atomic
def signin_failed(*, username: str, ip: str | None, stage: str = "password") -> None:
    SignInFailure.objects.create(username=_normalise(username), ip_address=ip, stage=stage)
    record_event(
        action=f"auth.{stage}_failed",
        kind=Event.Kind.AUTH,
        actor_label=_normalise(username),
    )


@transaction.atomic
def signin_succeeded(*, user: User, method: str) -> None:
    SignInFailure.objects.filter(username=_normalise(user.email)).delete()
    record_event(
        action="auth.signed_in", kind=Event.Kind.AUTH, actor=user, changes={"method": method}
    )


def signout_recorded(*, user: User) -> None:
    record_event(action="auth.signed_out", kind=Event.Kind.AUTH, actor=user)


def _end_sessions(user: User) -> int:
    keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    Session.objects.filter(session_key__in=keys).delete()
    UserSession.objects.filter(user=user).delete()
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
    by: User,
    email: str,
    full_name: str,
    agency: Agency,
    role: str,
    job_title: str = "",
    duties: list[str] | None = None,
    access_ends_on=None,
) -> User:
    """Create the account with no usable password and send a set-password invitation."""
    user = User(
        email=email.strip().lower(),
        full_name=full_name,
        job_title=job_title,
        access_ends_on=access_ends_on,
    )
    user.set_unusable_password()
    user.full_clean()
    user.save()
    create_record(Membership(user=user, agency=agency, role=role, duties=duties or []), by=by)
    record_event(
        action="user.invite",
        actor=by,
        obj=user,
        changes={"email": [None, user.email], "agency": [None, agency.pk], "role": [None, role]},
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
    if keep_session_key:
        UserSession.objects.update_or_create(
            session_key=keep_session_key, defaults={"user": user, "ip_address": current_ip.get()}
        )
    record_event(action="user.password_changed", actor=user, obj=user, kind=Event.Kind.AUTH)


@transaction.atomic
def membership_add(
    *, user: User, by: User, agency: Agency, role: str, duties: list[str] | None = None
) -> Membership:
    existing = Membership.objects.filter(user=user, agency=agency, role=role).first()
    if existing is not None:
        Membership.objects.filter(pk=existing.pk).update(
            active=True, archived_at=None, duties=duties or [], version=F("version") + 1
        )
        existing.refresh_from_db()
        membership = existing
    else:
        membership = create_record(
            Membership(user=user, agency=agency, role=role, duties=duties or []), by=by
        )
    record_event(
        action="membership.add",
        actor=by,
        obj=user,
        changes={"membership": [None, f"{agency.pk}:{role}"], "duties": [None, duties or []]},
    )
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, by: User) -> None:
    Membership.objects.filter(pk=membership.pk).update(
        active=False, archived_at=timezone.now(), version=F("version") + 1
    )
    record_event(
        action="membership.remove",
        actor=by,
        obj=membership.user,
        changes={"membership": [f"{membership.agency_id}:{membership.role}", None]},
    )


def dummy_password_work(password: str) -> None:
    """Spend the same time as a real check, so a throttled or unknown account is not revealed."""
    make_password(password)
