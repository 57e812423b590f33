"""Sign-in with password and two-factor, enrolment, recovery codes, sign-out, invitations and
password reset.

A user is only logged in (Django `login()`) after the second factor, so every signed-in session
is verified. Between the steps the session holds the pending user id, bound to their session
hash and a short expiry. Every step that checks a secret (password, code, enrolment code) asks
`signin_is_throttled` first, for this browser if its device cookie names the account
(`device_cookie`); a complete sign-in gives the browser a new device cookie.
"""

from __future__ import annotations

import base64
import time

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from sightline.accounts import device_cookie, middleware, services
from sightline.accounts.access import access_has_ended, principal_for
from sightline.accounts.forms import (
    ChangePasswordForm,
    CodeForm,
    EnrolForm,
    PasswordResetRequestForm,
    SetPasswordForm,
    SignInForm,
)
from sightline.accounts.models import RecoveryCodeDevice, SignInDevice, User
from sightline.accounts.tasks import send_password_reset
from sightline.core.requestcontext import client_ip

PENDING_SECONDS = 600
GENERIC_FAILURE = "Enter a correct email address and password"
WAIT_MESSAGE = "You entered a code a moment ago. Wait a few seconds, then enter the code again"
# `_match_code` answers this when the device asks for a pause between attempts: not a failure.
WAIT = object()


def _throttled_message() -> str:
    return (
        "There have been too many attempts to sign in. "
        f"Wait {settings.SIGHTLINE_LOCKOUT_MINUTES} minutes and try again"
    )


def _set_pending(request, user: User) -> None:
    request.session.cycle_key()
    request.session["pending_user"] = user.pk
    request.session["pending_hash"] = user.get_session_auth_hash()
    request.session["pending_at"] = int(time.time())


def _pending_user(request) -> User | None:
    pk = request.session.get("pending_user")
    started = request.session.get("pending_at", 0)
    if pk is None or time.time() - started > PENDING_SECONDS:
        return None
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None or user.get_session_auth_hash() != request.session.get("pending_hash"):
        return None
    return user


def _clear_pending(request) -> None:
    for key in ("pending_user", "pending_hash", "pending_at"):
        request.session.pop(key, None)


def _complete_sign_in(
    request, user: User, device=None, method: str = "password", known: SignInDevice | None = None
) -> str:
    """Log the user in; the new device-cookie token for this browser is returned, for
    `_remember_browser` to put on the response."""
    _clear_pending(request)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    if device is not None:
        otp_login(request, device)
    now = middleware.clock()
    request.session["auth_started"] = now
    request.session["auth_seen"] = now
    services.signin_succeeded(user=user, method=method, device=known)
    return services.device_remember(user=user, device=known)


def _remember_browser(request, response, user: User, token: str):
    device_cookie.remember(request, response, user, token)
    return response


def _throttled(request, user: User, stage: str, known: SignInDevice | None):
    """An attempt refused by the lockout: logged, not counted, back to the start."""
    _clear_pending(request)
    services.signin_throttled(username=user.email, stage=stage, device=known)
    messages.error(request, _throttled_message())
    return redirect("accounts:sign-in")


def _safe_next(request) -> str:
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return settings.LOGIN_REDIRECT_URL


@never_cache
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def sign_in(request):
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].lower()
        password = form.cleaned_data["password"]
        ip = client_ip(request)
        known = device_cookie.known_device_for_email(request, email)
        if services.signin_is_throttled(username=email, ip=ip, device=known):
            services.dummy_password_work(password)
            services.signin_throttled(username=email, stage="password", device=known)
            form.add_error(None, _throttled_message())
        else:
            user = authenticate(request, username=email, password=password)
            if user is None or access_has_ended(user):
                services.signin_failed(username=email, ip=ip, device=known)
                form.add_error(None, GENERIC_FAILURE)
            else:
                return _after_password(request, user, known)
    timed_out = request.GET.get("timed_out")
    return render(
        request,
        "accounts/sign_in.html",
        {
            "form": form,
            "timed_out": timed_out if timed_out in ("idle", "absolute") else None,
            "idle_minutes": settings.SIGHTLINE_SESSION_IDLE_MINUTES,
            "absolute_hours": settings.SIGHTLINE_SESSION_ABSOLUTE_HOURS,
            "next": _safe_next(request),
        },
    )


def _after_password(request, user: User, known: SignInDevice | None = None):
    next_url = _safe_next(request)
    _set_pending(request, user)
    request.session["pending_next"] = next_url
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return redirect("accounts:sign-in-code")
    if settings.SIGHTLINE_MFA_REQUIRED and principal_for(user).needs_mfa:
        return redirect("accounts:two-factor-setup")
    token = _complete_sign_in(
        request, user, method="password only (two-factor not required)", known=known
    )
    response = redirect(request.session.pop("pending_next", settings.LOGIN_REDIRECT_URL))
    return _remember_browser(request, response, user, token)


@never_cache
@require_http_methods(["GET", "POST"])
def sign_in_code(request):
    user = _pending_user(request)
    if user is None:
        return redirect("accounts:sign-in")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ip = client_ip(request)
        known = device_cookie.known_device(request, user)
        if services.signin_is_throttled(username=user.email, ip=ip, device=known):
            return _throttled(request, user, "code", known)
        device = _match_code(user, form.cleaned_data["code"])
        if device is WAIT:
            form.add_error("code", WAIT_MESSAGE)
        elif device is None:
            services.signin_failed(username=user.email, ip=ip, stage="code", device=known)
            form.add_error("code", "The code is not correct or has already been used")
        else:
            method = "recovery code" if isinstance(device, RecoveryCodeDevice) else "authenticator"
            token = _complete_sign_in(request, user, device, method=method, known=known)
            response = redirect(request.session.pop("pending_next", settings.LOGIN_REDIRECT_URL))
            return _remember_browser(request, response, user, token)
    return render(request, "accounts/sign_in_code.html", {"form": form})


def _waiting(device) -> bool:
    """Whether the device asks for a pause before the next attempt (django-otp's growing delay
    after a wrong code, if a deployment switches it on). A code refused for that is not a
    wrong code, so it is not counted as a failure."""
    allowed = getattr(device, "verify_is_allowed", None)
    return allowed is not None and not allowed()[0]


def _match_code(user: User, code: str):
    """The device that accepts the code, or `WAIT`, or None: an authenticator code is tried only
    on the authenticator and a recovery code only on the recovery codes, so a mistyped code of
    one kind does not throttle the other."""
    with transaction.atomic():
        devices = list(devices_for_user(user, for_verify=True))
        lengths = {d.digits for d in devices if isinstance(d, TOTPDevice)}
        authenticator_code = code.isdigit() and len(code) in lengths
        candidates = [d for d in devices if isinstance(d, TOTPDevice) == authenticator_code]
        if candidates and all(_waiting(d) for d in candidates):
            return WAIT
        for device in candidates:
            if device.verify_token(code):
                return device
    return None


def _qr_data_uri(device: TOTPDevice, user: User) -> tuple[str, str]:
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    issuer = "Sightline"
    uri = (
        f"otpauth://totp/{issuer}:{user.email}?secret={secret}&issuer={issuer}"
        f"&digits={device.digits}&period={device.step}"
    )
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2), secret


@never_cache
@require_http_methods(["GET", "POST"])
def two_factor_setup(request):
    user = _pending_user(request)
    if user is None:
        return redirect("accounts:sign-in")
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return redirect("accounts:sign-in-code")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Enrolment checks a code against the new authenticator's secret, shown on this page:
        # it is throttled exactly like the code step, against this browser or the account.
        ip = client_ip(request)
        known = device_cookie.known_device(request, user)
        if services.signin_is_throttled(username=user.email, ip=ip, device=known):
            return _throttled(request, user, "enrol", known)
        if _waiting(device):
            form.add_error("code", WAIT_MESSAGE)
        elif device.verify_token(form.cleaned_data["code"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            codes = services.recovery_codes_issue(user=user)
            token = _complete_sign_in(
                request, user, device, method="authenticator (enrolled)", known=known
            )
            # The codes are shown in this response only: they are never stored in clear, in
            # the session or anywhere else, so reloading or going back cannot show them again.
            response = render(request, "accounts/recovery_codes.html", {"codes": codes})
            return _remember_browser(request, response, user, token)
        else:
            services.signin_failed(username=user.email, ip=ip, stage="enrol", device=known)
            form.add_error(
                "code", "The code is not correct. Check the time on your phone and try again"
            )
    qr, secret = _qr_data_uri(device, user)
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return render(
        request, "accounts/two_factor_setup.html", {"form": form, "qr": qr, "secret": grouped}
    )


@require_POST
def sign_out(request):
    if request.user.is_authenticated:
        services.signout_recorded(user=request.user)
    logout(request)
    messages.success(request, "You have signed out")
    return redirect("accounts:sign-in")


@never_cache
@sensitive_post_parameters("new_password1", "new_password2")
@require_http_methods(["GET", "POST"])
def invitation(request, token: str):
    invite = services.invitation_for_token(token)
    if invite is None:
        return render(request, "accounts/link_expired.html", status=404)
    form = SetPasswordForm(invite.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        password = form.cleaned_data["new_password1"]
        if services.invitation_accept(invitation=invite, password=password) is None:
            return render(request, "accounts/link_expired.html", status=404)
        messages.success(
            request, "Your password has been set. Sign in to set up two-factor authentication"
        )
        return redirect("accounts:sign-in")
    return render(
        request,
        "accounts/set_password.html",
        {"form": form, "title": "Set your password", "invite_user": invite.user},
    )


@never_cache
@require_http_methods(["GET", "POST"])
def password_reset(request):
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = User.objects.filter(email=form.cleaned_data["email"].lower(), is_active=True).first()
        if user is not None:
            send_password_reset.enqueue(user.pk)
        return render(request, "accounts/password_reset_sent.html")
    return render(request, "accounts/password_reset.html", {"form": form})


@never_cache
@sensitive_post_parameters("new_password1", "new_password2")
@require_http_methods(["GET", "POST"])
def password_reset_confirm(request, uidb64: str, token: str):
    try:
        user = User.objects.get(pk=force_str(urlsafe_base64_decode(uidb64)), is_active=True)
    except (User.DoesNotExist, ValueError, TypeError, OverflowError):
        user = None
    if user is None or not default_token_generator.check_token(user, token):
        return render(request, "accounts/link_expired.html", status=404)
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user.set_password(form.cleaned_data["new_password1"])
        user.save(update_fields=["password"])
        services.user_password_changed(user=user)
        messages.success(
            request,
            "Your password has been changed. "
            "Sign in with your new password and your authenticator app",
        )
        return redirect("accounts:sign-in")
    return render(
        request, "accounts/set_password.html", {"form": form, "title": "Choose a new password"}
    )


@never_cache
@login_required
@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@require_http_methods(["GET", "POST"])
def change_password(request):
    form = ChangePasswordForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        request.user.set_password(form.cleaned_data["new_password1"])
        request.user.save(update_fields=["password"])
        update_session_auth_hash(request, request.user)
        services.user_password_changed(
            user=request.user, keep_session_key=request.session.session_key
        )
        messages.success(request, "Your password has been changed. Your other sessions have ended")
        return redirect("accounts:account")
    return render(request, "accounts/change_password.html", {"form": form})


@never_cache
@login_required
def account(request):
    return render(
        request,
        "accounts/account.html",
        {
            "memberships": request.user.memberships.filter(active=True).select_related("agency"),
            "has_authenticator": TOTPDevice.objects.filter(
                user=request.user, confirmed=True
            ).exists(),
            "recovery_left": services.recovery_codes_left(request.user),
        },
    )
