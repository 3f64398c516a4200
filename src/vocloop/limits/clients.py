"""Who a request comes from, as far as a limit is concerned."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


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
