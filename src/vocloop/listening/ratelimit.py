"""Limits on the public pages: per client, so that one client cannot flood the teams' inboxes,
and per email address, so that nobody can flood someone's mailbox through vocloop.

Every public POST counts, valid or not: a script probing the forms is exactly what
the limit is for. The window is fixed: it starts with a client's first POST and
the count starts again once it ends.

The counts live in Django's cache. The default local-memory cache is per process,
which is right for `vocloop serve` (one process, many threads); a deployment with
several processes needs a shared cache for the limit to hold across them.
"""

from __future__ import annotations

import hashlib
import ipaddress
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

KEY_PREFIX = "vocloop:public-posts"
ADDRESS_KEY_PREFIX = "vocloop:address-sends"
# Emails with a confirmation link that the public pages send to one address, whoever
# asks for them (a receipt to an address typed into a form, "Email me updates"):
# enough for a customer who asks again, too few to make vocloop a nuisance to it.
ADDRESS_SENDS = 3
ADDRESS_WINDOW_SECONDS = 3600


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    retry_after: int = 0
    """Seconds until the client may send again; 0 when allowed."""


def client_address(request: HttpRequest) -> str:
    """Who is sending, as far as the limit is concerned.

    REMOTE_ADDR, unless settings.TRUSTED_PROXY_COUNT proxies stand in front: then
    the address the outermost trusted proxy saw, read from the right-hand end of
    X-Forwarded-For (what lies further left is whatever the client sent). An IPv6
    client usually holds a whole /64, so the limit applies to the /64.
    """
    raw = request.META.get("REMOTE_ADDR", "") or "unknown"
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [h for h in hops if h]
        if len(hops) >= proxies:
            raw = hops[-proxies]
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return raw[:100]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def _increment(key: str, window: int) -> int:
    cache.add(key, 0, timeout=window)
    try:
        return cache.incr(key)
    except ValueError:  # the key expired between add() and incr()
        cache.set(key, 1, timeout=window)
        return 1


def _allowance(prefix: str, who: str, *, limit: int, window: int) -> RateDecision:
    """Count one more against `who`'s allowance in the current window."""
    now = time.time()
    cache.add(f"{prefix}:start:{who}", now, timeout=window)
    count = _increment(f"{prefix}:count:{who}", window)
    if count <= limit:
        return RateDecision(allowed=True)
    started = cache.get(f"{prefix}:start:{who}", now)
    return RateDecision(allowed=False, retry_after=max(1, round(started + window - now)))


def public_post_allowed(request: HttpRequest) -> RateDecision:
    """Count this POST against the client's allowance and say whether it may go ahead."""
    return _allowance(
        KEY_PREFIX,
        client_address(request),
        limit=settings.PUBLIC_RATE_LIMIT,
        window=settings.PUBLIC_RATE_WINDOW_SECONDS,
    )


def address_send_allowed(email: str) -> bool:
    """Count one email to this address that a public page asks for; False past the allowance.

    The caller answers the same either way, so that the answer says nothing about the
    address.
    """
    key = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    decision = _allowance(
        ADDRESS_KEY_PREFIX, key, limit=ADDRESS_SENDS, window=ADDRESS_WINDOW_SECONDS
    )
    return decision.allowed
