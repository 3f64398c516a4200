"""Posting a queued webhook: signed with the subscription's secret at the moment it is
sent, never following a redirect, within a timeout (urllib: no extra dependency)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from typing import Any

from vocloop.notifications.models import OutboxMessage, WebhookSubscription

TIMEOUT_SECONDS = 20


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


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
            "X-Vocloop-Delivery": message.delivery_id,
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
