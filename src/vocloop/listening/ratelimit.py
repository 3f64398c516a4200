"""Limits on the public pages: per client, so that one client cannot flood the teams' inboxes,
and per email address, so that nobody can flood someone's mailbox through vocloop.

Every public POST counts, valid or not: a script probing the forms is exactly what
the limit is for. The window is fixed: it starts with a client's first POST and
the count starts again once it ends.

The counts are shared by every server process (limits/counters.py: the database, or
Redis when VOCLOOP_CACHE_URL names it), so the limit holds however many serve.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest

from vocloop.lib.outage import in_brief
from vocloop.limits.clients import client_address
from vocloop.limits.counters import CountsUnavailable, shared_counts

__all__ = ["RateDecision", "address_send_allowed", "client_address", "public_post_allowed"]

logger = logging.getLogger(__name__)

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


def _allowance(prefix: str, who: str, *, limit: int, window: int) -> RateDecision:
    """Count one more against `who`'s allowance in the current window.

    A database that cannot count (a large import holds SQLite's lock after a brief
    wait, a restarted PostgreSQL dropped the connection), or a Redis away, lets the
    request through: what
    it would store meets the same database and is refused with its form as typed, and
    a limit must not turn a busy moment into a 500.
    """
    try:
        tally = shared_counts().add(f"{prefix}:{who}", window=window)
    except (OperationalError, InterfaceError, CountsUnavailable) as error:
        # Debug only: the request says it met a busy database in its own line.
        logger.debug("%s: not counted, the database is busy (%s)", prefix, in_brief(error))
        return RateDecision(allowed=True)
    if tally.count <= limit:
        return RateDecision(allowed=True)
    return RateDecision(allowed=False, retry_after=tally.retry_after)


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
