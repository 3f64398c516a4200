"""Posting a queued webhook: signed with the subscription's secret at the moment it is
sent, to an address checked just before (webhook_targets.py), never following a
redirect, within a timeout (http.client: no extra dependency).

What is kept of a failure is the status code or why the receiver could not be
reached, in words of vocloop's own: never what the receiver answered. An address
inside the network would otherwise be read back through the settings area.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import socket
import ssl
import time

from vocloop.notifications.models import OutboxMessage, WebhookSubscription
from vocloop.notifications.webhook_targets import WebhookRefused, WebhookTarget, webhook_target

TIMEOUT_SECONDS = 20


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


class WebhookFailed(Exception):
    pass


def _connect(target: WebhookTarget, timeout: float | None) -> socket.socket:
    """A connection to the first of the checked addresses that answers; never a new lookup."""
    error: OSError = OSError("no address")
    for address in target.addresses:
        try:
            return socket.create_connection((str(address), target.port), timeout)
        except OSError as exc:
            error = exc
    raise error


class _CheckedHTTPConnection(http.client.HTTPConnection):
    """HTTP to the target's checked addresses; the Host header names the target's host."""

    def __init__(self, target: WebhookTarget, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self.target = target

    def connect(self) -> None:
        self.sock = _connect(self.target, self.timeout)


class _CheckedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to the target's checked addresses, the certificate verified against its host
    name (sent as SNI)."""

    def __init__(self, target: WebhookTarget, timeout: float) -> None:
        self.tls = ssl.create_default_context()
        super().__init__(target.host, target.port, timeout=timeout, context=self.tls)
        self.target = target

    def connect(self) -> None:
        sock = _connect(self.target, self.timeout)
        self.sock = self.tls.wrap_socket(sock, server_hostname=self.target.host)


def _post(target: WebhookTarget, body: bytes, headers: dict[str, str]) -> int:
    """The receiver's status code; its answer is not read."""
    connection: http.client.HTTPConnection
    if target.scheme == "https":
        connection = _CheckedHTTPSConnection(target, TIMEOUT_SECONDS)
    else:
        connection = _CheckedHTTPConnection(target, TIMEOUT_SECONDS)
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        return connection.getresponse().status
    finally:
        connection.close()


def webhook_send(message: OutboxMessage) -> None:
    """POST the payload, signed now; WebhookFailed unless the receiver answers 2xx."""
    subscription = WebhookSubscription.objects.filter(pk=message.recipient).first()
    if subscription is None or not subscription.active:
        raise WebhookFailed("The subscription was deleted or deactivated.")
    try:
        target = webhook_target(subscription.url)
    except WebhookRefused as exc:
        raise WebhookFailed(str(exc)) from None
    except OSError as exc:
        raise WebhookFailed(f"The receiver's host name does not resolve: {exc}") from None
    body = json.dumps(message.payload, separators=(",", ":"), ensure_ascii=False).encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "vocloop-webhooks",
        "X-Vocloop-Event": message.kind,
        "X-Vocloop-Delivery": message.delivery_id,
        "X-Vocloop-Signature": signature(subscription.secret, timestamp, body),
    }
    try:
        status = _post(target, body, headers)
    except http.client.HTTPException:
        # Its message would quote what the other end sent: a service that is no HTTP
        # receiver (a database, a mail server) greets with its name and version.
        raise WebhookFailed("The receiver did not answer in HTTP.") from None
    except OSError as exc:
        reason = str(exc) or type(exc).__name__
        raise WebhookFailed(f"The receiver could not be reached: {reason}") from None
    if 300 <= status < 400:
        # A redirect would turn the POST into a GET elsewhere, maybe inside: not followed.
        raise WebhookFailed(f"The receiver answered HTTP {status}, a redirect, not followed.")
    if not 200 <= status < 300:
        raise WebhookFailed(f"The receiver answered HTTP {status}.")
