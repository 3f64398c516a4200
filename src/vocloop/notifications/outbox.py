"""Writing to the outbox: one row per cause and recipient, in the caller's transaction."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from vocloop.notifications.memo import deferred
from vocloop.notifications.models import OutboxMessage
from vocloop.notifications.tasks import deliver_after_commit

Channel = OutboxMessage.Channel
Status = OutboxMessage.Status


def outbox_enqueue(
    *,
    channel: str,
    recipient: str,
    kind: str,
    dedup_key: str,
    subject: str = "",
    body_text: str = "",
    body_html: str = "",
    headers: dict[str, str] | None = None,
    payload: dict[str, Any] | None = None,
) -> OutboxMessage:
    """The message for this cause and recipient: created once, found on any later call.

    The insert runs in a savepoint, so a duplicate key (a retried transaction, a
    concurrent enqueue of the same cause) leaves the caller's transaction usable.
    Inside a notifications batch (memo.py) the insert waits for the batch's end and
    goes in with the others in one statement that skips existing keys.
    """
    message = OutboxMessage(
        channel=channel,
        recipient=recipient,
        kind=kind,
        dedup_key=dedup_key,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        headers=headers or {},
        payload=payload,
    )
    if deferred("outbox", message, _insert_new):
        deliver_after_commit()
        return message
    try:
        with transaction.atomic():
            message.save(force_insert=True)
    except IntegrityError:
        return OutboxMessage.objects.get(dedup_key=dedup_key)
    # After the insert: outside a transaction the task is queued at once, and must
    # find the message there.
    deliver_after_commit()
    return message


def _insert_new(messages: list[OutboxMessage]) -> None:
    unique = {message.dedup_key: message for message in reversed(messages)}
    OutboxMessage.objects.bulk_create(unique.values(), batch_size=500, ignore_conflicts=True)


def outbox_retry(*, messages: Any) -> int:
    """Give failed (or waiting) messages a fresh set of attempts, starting now."""
    return int(
        messages.exclude(status__in=[Status.SENT, Status.SENDING]).update(
            status=Status.PENDING, attempts=0, next_attempt_at=timezone.now(), claim_token=""
        )
    )
