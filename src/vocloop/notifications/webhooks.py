"""Webhook payloads, their signature, and the HTTP call (urllib: no extra dependency).

A case's payload carries the case and the change in the API's shapes
(cases/representation.py: the API's CaseOut and CaseEventOut), as a reader who is
not the case's own sees them: the text people wrote only for entries the customer
reads too (a reply, the customer's message, the resolution), never an internal
note's or an escalation's, since a chat channel may be read more widely than the
case; the customer's name and email null. No payload carries the customer's
tracking link (it opens their case to whoever holds it).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

from vocloop.notifications.memo import remembered
from vocloop.notifications.models import OutboxMessage, WebhookSubscription
from vocloop.notifications.outbox import Channel, delivery_id, outbox_enqueue

TIMEOUT_SECONDS = 20


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


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


class WebhookFailed(Exception):
    pass


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirect would turn the POST into a GET elsewhere: report it as a failure.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def webhook_send(message: OutboxMessage) -> None:
    """POST the payload, signed now; WebhookFailed unless the receiver answers 2xx."""
    subscription = WebhookSubscription.objects.filter(pk=message.recipient).first()
    if subscription is None or not subscription.active:
        raise WebhookFailed("The subscription was deleted or deactivated.")
    body = json.dumps(message.payload, separators=(",", ":"), ensure_ascii=False).encode()
    timestamp = int(time.time())
    request = urllib.request.Request(
        subscription.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "vocloop-webhooks",
            "X-Vocloop-Event": message.kind,
            "X-Vocloop-Delivery": delivery_id(message),
            "X-Vocloop-Signature": signature(subscription.secret, timestamp, body),
        },
    )
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        detail = exc.read(200).decode(errors="replace").strip()
        raise WebhookFailed(f"HTTP {exc.code} from {subscription.url}: {detail}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise WebhookFailed(f"{subscription.url} unreachable: {reason}") from None
    if not 200 <= status < 300:
        raise WebhookFailed(f"HTTP {status} from {subscription.url}")
