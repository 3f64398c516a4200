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

from django.conf import settings
from django.http import HttpRequest

from vocloop.limits.clients import client_address
from vocloop.limits.counters import RateDecision, allowance

__all__ = ["RateDecision", "address_send_allowed", "client_address", "public_post_allowed"]

KEY_PREFIX = "vocloop:public-posts"
ADDRESS_KEY_PREFIX = "vocloop:address-sends"
# Emails with a confirmation link that the public pages send to one address, whoever
# asks for them (a receipt to an address typed into a form, "Email me updates"):
# enough for a customer who asks again, too few to make vocloop a nuisance to it.
ADDRESS_SENDS = 3
ADDRESS_WINDOW_SECONDS = 3600


def public_post_allowed(request: HttpRequest) -> RateDecision:
    """Count this POST against the client's allowance and say whether it may go ahead."""
    return allowance(
        f"{KEY_PREFIX}:{client_address(request)}",
        limit=settings.PUBLIC_RATE_LIMIT,
        window=settings.PUBLIC_RATE_WINDOW_SECONDS,
    )


def address_send_allowed(email: str) -> bool:
    """Count one email to this address that a public page asks for; False past the allowance.

    The caller answers the same either way, so that the answer says nothing about the
    address.
    """
    key = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    decision = allowance(
        f"{ADDRESS_KEY_PREFIX}:{key}", limit=ADDRESS_SENDS, window=ADDRESS_WINDOW_SECONDS
    )
    return decision.allowed
