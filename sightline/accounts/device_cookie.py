"""The device cookie: the accounts this browser has signed in to, so the sign-in throttle can
tell a known browser from an unknown one (OWASP, "Slow down online guessing attacks with
device cookies"; docs/decisions/0019-sign-in-throttle-proxies-and-device-cookies.md).

The cookie holds, for up to `MAX_ACCOUNTS` accounts, the account's id and a random token,
signed with the secret key and timestamped. The server keeps only each token's hash
(`SignInDevice`), so a cookie is valid only while its row exists: revoking the row (password
change, deactivation, two-factor reset) makes the browser unknown again. The cookie is
HttpOnly, SameSite=Strict and, outside the local demo, Secure with the `__Host-` prefix.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing

from sightline.accounts.models import SignInDevice, User
from sightline.accounts.services_signin import device_for_token

SALT = "sightline.accounts.device-cookie"
MAX_ACCOUNTS = 5


def cookie_name() -> str:
    return "__Host-sightline_device" if settings.SECURE_COOKIES else "sightline_device"


def _max_age() -> int:
    return settings.SIGHTLINE_DEVICE_COOKIE_DAYS * 24 * 3600


def _entries(request) -> list[tuple[int, str]]:
    raw = request.COOKIES.get(cookie_name())
    if not raw:
        return []
    try:
        data = signing.loads(raw, salt=SALT, max_age=_max_age())
    except signing.BadSignature:
        return []
    entries = []
    for item in data if isinstance(data, list) else []:
        if (
            isinstance(item, list)
            and len(item) == 2
            and isinstance(item[0], int)
            and isinstance(item[1], str)
        ):
            entries.append((item[0], item[1]))
    return entries[:MAX_ACCOUNTS]


def known_device(request, user: User | None) -> SignInDevice | None:
    """The browser's device record for `user`, if its cookie holds a valid one."""
    if user is None:
        return None
    for user_id, token in _entries(request):
        if user_id == user.pk:
            return device_for_token(user=user, token=token)
    return None


def known_device_for_email(request, email: str) -> SignInDevice | None:
    """The same, for the account an e-mail address names (none if no active account does)."""
    if not _entries(request):
        return None
    return known_device(request, User.objects.filter(email=email, is_active=True).first())


def remember(request, response, user: User, token: str) -> None:
    """Put `user`'s new token first in this browser's cookie, keeping the other accounts."""
    entries = [(user.pk, token)] + [e for e in _entries(request) if e[0] != user.pk]
    response.set_cookie(
        cookie_name(),
        signing.dumps([list(e) for e in entries[:MAX_ACCOUNTS]], salt=SALT),
        max_age=_max_age(),
        path="/",
        secure=settings.SECURE_COOKIES,
        httponly=True,
        samesite="Strict",
    )
