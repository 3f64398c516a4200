"""How often one token may call the API: VOCLOOP_API_RATE_LIMIT requests a minute, then 429.

Per token, not per client address: an integration spread over several machines gets
its limit once, and one runaway script cannot starve the others. The count is shared
by every server process (limits/counters.py: the database, or Redis when
VOCLOOP_CACHE_URL names it), in a fixed window that starts with the token's first
request. Every authenticated request counts, refused ones too.
"""

from __future__ import annotations

from django.conf import settings

from vocloop.accounts.models import ApiToken
from vocloop.api.errors import ApiError
from vocloop.lib.words import counted
from vocloop.limits.counters import RateDecision, allowance

WINDOW_SECONDS = 60


def api_rate_check(token: ApiToken) -> RateDecision:
    """Count this request against the token's allowance; a 429 with Retry-After past it."""
    limit = settings.API_RATE_LIMIT
    decision = allowance(f"api:token:{token.token_hash[:32]}", limit=limit, window=WINDOW_SECONDS)
    if decision.allowed:
        return decision
    wait = counted(decision.retry_after, "second")
    raise ApiError(
        429,
        f"The API token “{token.name}” has made its {counted(limit, 'request')} for this "
        f"minute (VOCLOOP_API_RATE_LIMIT): try again in {wait}.",
        headers={"Retry-After": str(decision.retry_after)},
    )
