"""A per-client limit on the public forms, so that one client cannot flood the teams' inboxes.

Every public POST counts, valid or not: a script probing the forms is exactly what
the limit is for. The window is fixed: it starts with a client's first POST and
the count starts again once it ends.

The counts live in Django's cache. The default local-memory cache is per process,
which is right for `vocloop serve` (one process, many threads); a deployment with
several processes needs a shared cache for the limit to hold across them.
"""

from __future__ import annotations

import ipaddress
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

KEY_PREFIX = "vocloop:public-posts"


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


def public_post_allowed(request: HttpRequest) -> RateDecision:
    """Count this POST against the client's allowance and say whether it may go ahead."""
    window = settings.PUBLIC_RATE_WINDOW_SECONDS
    client = client_address(request)
    now = time.time()
    cache.add(f"{KEY_PREFIX}:start:{client}", now, timeout=window)
    count = _increment(f"{KEY_PREFIX}:count:{client}", window)
    if count <= settings.PUBLIC_RATE_LIMIT:
        return RateDecision(allowed=True)
    started = cache.get(f"{KEY_PREFIX}:start:{client}", now)
    return RateDecision(allowed=False, retry_after=max(1, round(started + window - now)))
