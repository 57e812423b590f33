"""Deployment checks of Sightline's own, run by `manage.py check --deploy`.

Django's checks look at each transport setting alone. These look at what the settings add up
to: Sightline is served behind a proxy that terminates TLS, and HSTS is only sent on responses
Django knows went out over HTTPS. Without the proxy's header every request looks like plain
HTTP, so HSTS is silently never sent, and without the redirect a visit over plain HTTP never
reaches a response that carries it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register

HSTS_MINIMUM_SECONDS = 365 * 24 * 60 * 60  # one year


@register(Tags.security, deploy=True)
def hsts_is_sent(app_configs=None, **kwargs) -> list[Error]:
    errors = []
    seconds = settings.SECURE_HSTS_SECONDS or 0
    if seconds < HSTS_MINIMUM_SECONDS:
        errors.append(
            Error(
                f"HSTS lasts {seconds} seconds; a deployment needs at least {HSTS_MINIMUM_SECONDS}"
                " (a year).",
                hint="Leave SIGHTLINE_HSTS_SECONDS and SIGHTLINE_SECURE_COOKIES at their defaults.",
                id="sightline.E001",
            )
        )
    if not settings.SECURE_SSL_REDIRECT:
        errors.append(
            Error(
                "Plain HTTP is not redirected to HTTPS, so a visit over plain HTTP never gets "
                "the HSTS header.",
                hint="Leave SIGHTLINE_SSL_REDIRECT at its default (true).",
                id="sightline.E002",
            )
        )
    if not settings.SECURE_PROXY_SSL_HEADER:
        errors.append(
            Error(
                "Sightline cannot tell which requests reached the TLS proxy over HTTPS, so it "
                "never sends HSTS (and redirects every request to HTTPS).",
                hint=(
                    "Set SIGHTLINE_BEHIND_TLS_PROXY=true, with the proxy in front setting "
                    "X-Forwarded-Proto on every request and overwriting any value the client sent."
                ),
                id="sightline.E003",
            )
        )
    return errors


@register(Tags.security, deploy=True)
def no_local_demo_settings(app_configs=None, **kwargs) -> list[Error]:
    path = getattr(settings, "SIGHTLINE_LOCAL_ENV_FILE", "")
    if not path:
        return []
    return [
        Error(
            f"Settings were read from the local demo's file {path}.",
            hint="Remove the file: a deployment sets every setting in its environment.",
            id="sightline.E004",
        )
    ]
