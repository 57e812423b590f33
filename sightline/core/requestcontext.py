"""The current request's client address, for the event log (set by RequestContextMiddleware)."""

from contextvars import ContextVar

current_ip: ContextVar[str | None] = ContextVar("current_ip", default=None)


def client_ip(request) -> str | None:
    """The peer address. X-Forwarded-For is never trusted: behind a proxy, the proxy passes the
    client address with the PROXY protocol (gunicorn --proxy-protocol), which sets REMOTE_ADDR."""
    return request.META.get("REMOTE_ADDR") or None
