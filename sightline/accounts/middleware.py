"""Session policy: idle and absolute timeouts, and two-factor enforcement.

The idle timeout is measured from the last request to the second, without writing the
database session on every request. The session records activity at most once a minute
(`auth_seen`); each signed-in response also carries a small signed cookie with the time of that
request, bound to the session key, so the next request knows exactly when the last one was.
The cookie can only make the session last as long as real requests say: it is signed by the
server, bound to this session, and never later than the request that set it. If it is missing
or not valid, the session's own record is read in the person's favour (a request up to a minute
after it may not have been written), so nobody is signed out before their idle time is up.
"""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.core import signing
from django.shortcuts import redirect
from django.urls import reverse

# Activity is written to the session when the recorded time is at least this old.
SEEN_GRANULARITY = 60
SEEN_SALT = "sightline.accounts.last-request"


def clock() -> int:
    """The time now, in whole seconds (a function, so tests can move it)."""
    return int(time.time())


def seen_cookie_name() -> str:
    return "__Host-sightline_seen" if settings.SECURE_COOKIES else "sightline_seen"


class SessionPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        now = clock()
        session = request.session
        started = session.get("auth_started", now)
        seen = session.get("auth_seen", now)
        if now - started > settings.SIGHTLINE_SESSION_ABSOLUTE_HOURS * 3600:
            return self._timed_out(request, "absolute")
        if (
            now - self._last_request(request, seen, now)
            > settings.SIGHTLINE_SESSION_IDLE_MINUTES * 60
        ):
            return self._timed_out(request, "idle")
        if self._mfa_missing(request, user) or self._access_ended(user):
            logout(request)
            return redirect("accounts:sign-in")
        # Assigning marks the session for saving, so write only what changed.
        if "auth_started" not in session:
            session["auth_started"] = started
        if now - seen >= SEEN_GRANULARITY or "auth_seen" not in session:
            session["auth_seen"] = now
        response = self.get_response(request)
        if request.user.is_authenticated and request.session.session_key:
            response.set_signed_cookie(
                seen_cookie_name(),
                str(now),
                salt=SEEN_SALT + request.session.session_key,
                path="/",
                secure=settings.SECURE_COOKIES,
                httponly=True,
                samesite="Lax",
            )
        return response

    @staticmethod
    def _last_request(request, seen: int, now: int) -> int:
        """When the session's last request was made, as exactly as can be known."""
        key = request.session.session_key or ""
        try:
            stamp = int(request.get_signed_cookie(seen_cookie_name(), salt=SEEN_SALT + key))
        except (KeyError, ValueError, signing.BadSignature):
            stamp = None
        if stamp is not None and seen <= stamp <= now:
            return stamp
        # Requests less than SEEN_GRANULARITY after `seen` are not written to the session.
        return min(seen + SEEN_GRANULARITY - 1, now)

    @staticmethod
    def _timed_out(request, why: str):
        logout(request)
        response = redirect(reverse("accounts:sign-in") + f"?timed_out={why}")
        response.delete_cookie(seen_cookie_name(), path="/", samesite="Lax")
        return response

    @staticmethod
    def _access_ended(user) -> bool:
        from sightline.accounts.access import access_has_ended

        return access_has_ended(user)

    @staticmethod
    def _mfa_missing(request, user) -> bool:
        from sightline.accounts.access import principal_for

        if not settings.SIGHTLINE_MFA_REQUIRED:
            return False
        verified = getattr(user, "is_verified", lambda: False)()
        return not verified and principal_for(user).needs_mfa
