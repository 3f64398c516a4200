"""Webhook payloads, queued in the outbox for every active subscription.

Sending them (signed, one POST) is webhook_posting.py. A case's payload carries the
case and the change in the API's shapes (cases/representation.py: the API's CaseOut
and CaseEventOut), as a reader who is not the case's own sees them: the text people
wrote only for entries the customer reads too (a reply, the customer's message, the
resolution), never an internal note's or an escalation's, since a chat channel may
be read more widely than the case; the customer's name and email null. No payload
carries the customer's tracking link (it opens their case to whoever holds it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from vocloop.notifications.memo import remembered
from vocloop.notifications.models import WebhookSubscription
from vocloop.notifications.outbox import Channel, outbox_enqueue


def webhook_enqueue(*, event: str, payload: Callable[[], dict[str, Any]], chat_text: str) -> None:
    """Queue the payload for every active subscription to the event.

    The payload is built only when someone subscribes: a case's reads its related rows.
    """
    subscriptions = remembered(
        "webhook subscriptions", lambda: list(WebhookSubscription.objects.filter(active=True))
    )
    built: dict[str, Any] | None = None
    for subscription in subscriptions:
        if event not in (subscription.events or []):
            continue
        if built is None:
            built = payload()
        body = dict(built)
        if subscription.format == WebhookSubscription.Format.CHAT:
            body["text"] = chat_text
        outbox_enqueue(
            channel=Channel.WEBHOOK,
            recipient=str(subscription.pk),
            kind=event,
            dedup_key=f"{built['id']}:webhook:{subscription.pk}",
            payload=body,
        )
