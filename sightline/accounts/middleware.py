"""Session policy: idle and absolute timeouts, and two-factor enforcement."""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse


class SessionPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            started = request.session.get("auth_started", now)
            seen = request.session.get("auth_seen", now)
            idle = settings.SIGHTLINE_SESSION_IDLE_MINUTES * 60
            absolute = settings.SIGHTLINE_SESSION_ABSOLUTE_HOURS * 3600
            if now - seen > idle or now - started > absolute:
                logout(request)
                return redirect(reverse("accounts:sign-in") + "?timed_out=1")
            if self._mfa_missing(request, user) or self._access_ended(user):
                logout(request)
                return redirect("accounts:sign-in")
            request.session["auth_started"] = started
            if now - seen >= 60 or "auth_seen" not in request.session:
                request.session["auth_seen"] = now
        return self.get_response(request)

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
