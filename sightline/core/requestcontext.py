"""The current request's client address, for the event log (set by RequestContextMiddleware)."""

from contextvars import ContextVar

current_ip: ContextVar[str | None] = ContextVar("current_ip", default=None)


def client_ip(request) -> str | None:
    """The peer address. X-Forwarded-For is never trusted: a deployment behind a proxy sets
    REMOTE_ADDR correctly at the WSGI server (gunicorn --forwarded-allow-ips)."""
    return request.META.get("REMOTE_ADDR") or None
