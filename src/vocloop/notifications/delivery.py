"""Sending what the outbox holds, safely with several workers and across crashes.

The trade-off: at-least-once, with repeats recognisable. A message is claimed
(status "sending", a lease until `claimed_until`), sent, and marked sent in its
own transaction straight after. A worker killed between the receiver accepting
a message and that commit leaves it claimed; when the lease runs out it is sent
again, with the same Message-ID (email) or X-Vocloop-Delivery header (webhooks),
so the receiver can drop the repeat. Losing a reply to a customer is worse than
a rare duplicate that carries its own identity; at-most-once would lose it.
A lease is renewed just before each send and is longer than any send may take
(timeouts of 20 s), so no two workers ever hold the same message at once.

Call deliver_due outside any transaction: each step commits on its own.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from vocloop.notifications.models import OutboxMessage
from vocloop.notifications.webhook_posting import webhook_send

Channel = OutboxMessage.Channel
Status = OutboxMessage.Status

logger = logging.getLogger(__name__)


def message_id(message: OutboxMessage) -> str:
    """An email's Message-ID: the same on every attempt."""
    domain = urlsplit(settings.BASE_URL).hostname or "vocloop.invalid"
    return f"<{message.delivery_id}@{domain}>"


BACKOFF_BASE = dt.timedelta(minutes=1)
BACKOFF_CAP = dt.timedelta(hours=6)


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the n-th failed attempt: 1, 2, 4 … minutes, at most six hours."""
    return min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_CAP)


def _due(now: dt.datetime) -> Q:
    return Q(status=Status.PENDING, next_attempt_at__lte=now) | Q(
        status=Status.SENDING, claimed_until__lte=now
    )


def _claim(*, batch: int, now: dt.datetime) -> tuple[str, list[OutboxMessage]]:
    """Mark up to `batch` due messages as ours. Counts an attempt for each."""
    token = uuid.uuid4().hex
    lease = dt.timedelta(seconds=settings.NOTIFICATIONS_LEASE_SECONDS)
    with transaction.atomic():
        due = OutboxMessage.objects.filter(_due(now)).order_by("next_attempt_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            # PostgreSQL: concurrent workers each take rows the others have not locked.
            # SQLite takes its write lock when the transaction begins (IMMEDIATE),
            # so there claims are serialised instead.
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("id", flat=True)[:batch])
        if ids:
            OutboxMessage.objects.filter(_due(now), id__in=ids).update(
                status=Status.SENDING,
                claim_token=token,
                claimed_until=now + lease,
                attempts=F("attempts") + 1,
            )
    claimed = list(OutboxMessage.objects.filter(claim_token=token, status=Status.SENDING))
    claimed.sort(key=lambda m: (m.next_attempt_at, m.pk))
    return token, claimed


def email_send(message: OutboxMessage) -> None:
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.recipient],
        headers={
            "Message-ID": message_id(message),
            "Auto-Submitted": "auto-generated",
            **message.headers,
        },
        connection=get_connection(fail_silently=False),
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    email.send()


SENDERS: dict[str, Callable[[OutboxMessage], None]] = {
    Channel.EMAIL: email_send,
    Channel.WEBHOOK: webhook_send,
}


def deliver_batch(*, batch: int = 50, now: dt.datetime | None = None) -> tuple[int, int]:
    """Claim and send one batch: (how many were claimed, how many were sent)."""

    def clock() -> dt.datetime:
        return now or timezone.now()

    lease = dt.timedelta(seconds=settings.NOTIFICATIONS_LEASE_SECONDS)
    token, messages = _claim(batch=batch, now=clock())
    sent = 0
    for message in messages:
        mine = OutboxMessage.objects.filter(pk=message.pk, claim_token=token, status=Status.SENDING)
        # The batch's lease started at the claim; renew it for this one send, and
        # leave the message alone if another worker took it over meanwhile.
        if not mine.update(claimed_until=clock() + lease):
            continue
        try:
            SENDERS[message.channel](message)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"[:2000]
            if message.attempts >= settings.NOTIFICATIONS_MAX_ATTEMPTS:
                mine.update(status=Status.FAILED, last_error=error, claimed_until=None)
                logger.warning(
                    "Gave up on %s after %d attempts: %s", message, message.attempts, error
                )
            else:
                mine.update(
                    status=Status.PENDING,
                    last_error=error,
                    claimed_until=None,
                    next_attempt_at=clock() + backoff(message.attempts),
                )
            continue
        mine.update(status=Status.SENT, sent_at=clock(), claimed_until=None, last_error="")
        sent += 1
    return len(messages), sent


def deliver_due(*, batch: int = 50, now: dt.datetime | None = None) -> int:
    """Send up to `batch` notifications that are due; how many were sent.

    For `vocloop worker` and `vocloop notifications deliver`: call it outside a
    transaction, as often as you like, from as many processes as you like.
    """
    return deliver_batch(batch=batch, now=now)[1]


def deliver_all_due(*, batch: int = 50) -> int:
    """Send everything due now, batch after batch; how many were sent.

    A burst (a sweep's escalations, say) goes out at once rather than one batch per
    turn of the worker's loop.
    """
    sent = 0
    while True:
        claimed, delivered = deliver_batch(batch=batch)
        sent += delivered
        if claimed < batch:
            return sent
