"""Sign-in protection: the lockout and the address throttle, the browsers that have signed in
before (device cookies), and recovery codes.

The rules (docs/decisions/0019-sign-in-throttle-proxies-and-device-cookies.md, after OWASP's
"Slow down online guessing attacks with device cookies"):

- A failure from a browser that presents a valid device cookie for the account counts against
  that browser only, and only that browser's failures can lock it out.
- Every other failure counts against the account (for browsers it does not know) and against
  the client address. Either reaching its limit refuses further attempts from unknown browsers.
- An attempt refused because of a lockout is logged but not counted, so it cannot extend the
  lockout: the lock ends `SIGHTLINE_LOCKOUT_MINUTES` after the failures that caused it.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from sightline.accounts.models import (
    RecoveryCode,
    RecoveryCodeDevice,
    SignInDevice,
    SignInFailure,
    User,
)
from sightline.core.events import record_event
from sightline.core.models import Event

RECOVERY_CODES = 10
RECOVERY_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread
RECOVERY_CODE_LENGTH = 10


def _normalise(username: str) -> str:
    return (username or "").strip().lower()[:254]


def _window_start():
    return timezone.now() - timedelta(minutes=settings.SIGHTLINE_LOCKOUT_MINUTES)


# --- The lockout and the throttle ----------------------------------------------------------


def signin_is_throttled(
    *, username: str, ip: str | None, device: SignInDevice | None = None
) -> bool:
    """Whether an attempt to sign in to `username` from here is refused.

    A known browser (`device`, already checked to belong to this account) is refused only
    when it has made too many failures itself. An unknown one is refused when the account has
    too many failures from unknown browsers, or the address too many across all accounts."""
    recent = SignInFailure.objects.filter(at__gte=_window_start())
    if device is not None:
        return recent.filter(device=device).count() >= settings.SIGHTLINE_LOCKOUT_FAILURES
    unknown = recent.filter(device__isnull=True)
    if unknown.filter(username=_normalise(username)).count() >= settings.SIGHTLINE_LOCKOUT_FAILURES:
        return True
    if ip and unknown.filter(ip_address=ip).count() >= settings.SIGHTLINE_IP_THROTTLE_FAILURES:
        return True
    return False


@transaction.atomic
def signin_failed(
    *, username: str, ip: str | None, stage: str = "password", device: SignInDevice | None = None
) -> None:
    SignInFailure.objects.create(
        username=_normalise(username), ip_address=ip, stage=stage, device=device, at=timezone.now()
    )
    record_event(
        action=f"auth.{stage}_failed",
        kind=Event.Kind.AUTH,
        actor_label=_normalise(username),
        changes={"known_browser": device is not None},
    )


@transaction.atomic
def signin_throttled(
    *, username: str, stage: str = "password", device: SignInDevice | None = None
) -> None:
    """Log an attempt refused by the lockout. It is not a failure: counting it would let anyone
    who keeps trying keep the account locked."""
    record_event(
        action="auth.throttled",
        kind=Event.Kind.AUTH,
        actor_label=_normalise(username),
        changes={"stage": stage, "known_browser": device is not None},
    )


@transaction.atomic
def signin_succeeded(*, user: User, method: str, device: SignInDevice | None = None) -> None:
    """Clear the failures of the browser that signed in: a known browser's own, or (for an
    unknown one) the account's failures from unknown browsers. A known browser signing in does
    not clear what others did, so an attack on the account stays throttled."""
    if device is not None:
        SignInFailure.objects.filter(device=device).delete()
    else:
        SignInFailure.objects.filter(username=_normalise(user.email), device__isnull=True).delete()
    record_event(
        action="auth.signed_in",
        kind=Event.Kind.AUTH,
        actor=user,
        changes={"method": method, "known_browser": device is not None},
    )


# --- Browsers that have signed in before ---------------------------------------------------


def device_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def device_for_token(*, user: User | None, token: str | None) -> SignInDevice | None:
    """The known browser, if `token` (from its device cookie) belongs to `user` and has been
    used to sign in within `SIGHTLINE_DEVICE_COOKIE_DAYS`."""
    if user is None or not token:
        return None
    since = timezone.now() - timedelta(days=settings.SIGHTLINE_DEVICE_COOKIE_DAYS)
    return SignInDevice.objects.filter(
        user=user, token_hash=device_token_hash(token), last_used_at__gte=since
    ).first()


@transaction.atomic
def device_remember(*, user: User, device: SignInDevice | None = None) -> str:
    """After a complete sign-in: a new token for this browser's device cookie. A browser that
    was known gets a fresh token (so a copied cookie stops working once its owner signs in
    again); an unknown one becomes known. Only the token's hash is stored."""
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    # Browsers that have not signed in for the cookie's lifetime are forgotten.
    SignInDevice.objects.filter(
        user=user, last_used_at__lt=now - timedelta(days=settings.SIGHTLINE_DEVICE_COOKIE_DAYS)
    ).delete()
    if device is not None:
        SignInDevice.objects.filter(pk=device.pk).update(
            token_hash=device_token_hash(token), last_used_at=now
        )
    else:
        SignInDevice.objects.create(
            user=user, token_hash=device_token_hash(token), created_at=now, last_used_at=now
        )
    return token


def devices_forget(user: User) -> int:
    """Revoke every device cookie of the user (password change, deactivation, two-factor
    reset): their browsers are unknown again at the next sign-in."""
    deleted, _ = SignInDevice.objects.filter(user=user).delete()
    return deleted


# --- Recovery codes ------------------------------------------------------------------------


def _new_recovery_code() -> str:
    return "".join(secrets.choice(RECOVERY_CODE_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))


@transaction.atomic
def recovery_codes_issue(*, user: User) -> list[str]:
    """New single-use recovery codes, replacing any the user had. The codes are returned once,
    for the page that shows them; only their hashes are stored."""
    device = RecoveryCodeDevice.objects.filter(user=user).first()
    if device is None:
        device = RecoveryCodeDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    device.codes.all().delete()
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODES)]
    RecoveryCode.objects.bulk_create(
        RecoveryCode(device=device, code_hash=make_password(code)) for code in codes
    )
    record_event(
        action="user.recovery_codes_issued",
        kind=Event.Kind.AUTH,
        actor=user,
        obj=user,
        changes={"codes": len(codes)},
    )
    return codes


def recovery_codes_left(user: User) -> int:
    return RecoveryCode.objects.filter(device__user=user).count()


def dummy_password_work(password: str) -> None:
    """Spend the same time as a real check, so a throttled or unknown account is not revealed."""
    make_password(password)
