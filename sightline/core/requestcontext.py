"""The current request's client address, for the event log (set by RequestContextMiddleware)
and for the sign-in throttle."""

from __future__ import annotations

import ipaddress
from contextvars import ContextVar
from functools import lru_cache

from django.conf import settings

current_ip: ContextVar[str | None] = ContextVar("current_ip", default=None)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def trusted_proxies() -> tuple[Network, ...]:
    """The networks of `SIGHTLINE_TRUSTED_PROXIES` (checked at start-up by the settings)."""
    return _networks(tuple(getattr(settings, "SIGHTLINE_TRUSTED_PROXIES", ())))


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """One hop of X-Forwarded-For: an address, perhaps with a port ("192.0.2.1:443",
    "[2001:db8::1]:443"); None for anything else."""
    text = text.strip()
    if text.startswith("["):
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def _is_trusted(address, networks: tuple[Network, ...]) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def client_ip(request) -> str | None:
    """The client's address.

    The peer address (REMOTE_ADDR) unless the peer is one of `SIGHTLINE_TRUSTED_PROXIES`. Only
    then is X-Forwarded-For read, from the right: each trusted proxy appends the address it
    received the request from, so the right-most hop that is not itself a trusted proxy is the
    client as the outermost trusted proxy saw it. Anything to its left was written by the client
    and is ignored. A malformed hop where the client should be leaves the peer address. With no
    trusted proxies configured the header is never read, so a client cannot choose the address
    it is throttled and logged under. (Behind a proxy that speaks the PROXY protocol to
    gunicorn, REMOTE_ADDR is already the client and no proxies need be trusted.)"""
    remote = request.META.get("REMOTE_ADDR") or None
    networks = trusted_proxies()
    if not remote or not networks:
        return remote
    peer = _address(remote)
    if peer is None or not _is_trusted(peer, networks):
        return remote
    hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            return remote
        if not _is_trusted(address, networks):
            return str(address)
    return remote
