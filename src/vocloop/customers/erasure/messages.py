"""Erasing what was sent, or was to be sent, to and about the customer, and their opt-outs.

The outbox holds each email and webhook call whole (addresses, names, comments in a
payload). A message not yet sent is deleted: nothing goes out about an erased
customer. A sent one stays as the record that something of its kind went out then,
emptied of its recipient, its wording and its payload.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from functools import reduce
from operator import or_
from typing import TypeVar

from django.db import connection
from django.db.models import CharField, Q, Value
from django.db.models.functions import Cast, Concat

from vocloop.customers.erasure.reach import Reach
from vocloop.notifications.models import OutboxMessage, Unsubscribe, UpdatesSubscription

T = TypeVar("T")

CHUNK = 200  # conditions or ids a statement: well inside every database's limits


def notifications_erase(reach: Reach) -> Counter[str]:
    counts = outbox_empty(outbox_about(reach))
    subscriptions = UpdatesSubscription.objects.filter(feedback__in=reach.feedback)
    counts["updates_subscriptions"] = subscriptions.delete()[0]
    if reach.emails:
        counts["unsubscribes"] = Unsubscribe.objects.filter(_any_address(reach.emails)).delete()[0]
    return +counts


def outbox_empty(ids: Iterable[int]) -> Counter[str]:
    """Delete the outbox rows not sent yet; empty the sent ones of all but their kind and time."""
    counts: Counter[str] = Counter()
    for chunk in _chunks(sorted(ids)):
        rows = OutboxMessage.objects.filter(pk__in=chunk)
        counts["notifications_deleted"] += rows.exclude(status=OutboxMessage.Status.SENT).delete()[
            0
        ]
        counts["notifications_emptied"] += rows.update(
            recipient="",
            subject="",
            body_text="",
            body_html="",
            headers={},
            payload=None,
            last_error="",
            claim_token="",
            dedup_key=Concat(Value("erased:"), Cast("pk", CharField())),
        )
    return counts


def outbox_about(reach: Reach) -> set[int]:
    """The outbox rows to or about the customer: sent to one of their addresses, or caused by
    their feedback, a change of their cases, or a confirmation link sent for their feedback
    (the causes' keys are notifications' dedup keys and webhook payload ids)."""
    causes = [
        f"{prefix}{pk}:"
        for pk in reach.feedback.values_list("pk", flat=True)
        for prefix in ("feedback:", "feedback-")
    ]
    causes += [
        f"{prefix}{pk}:"
        for pk in reach.events.values_list("pk", flat=True)
        for prefix in ("case-event:", "case-event-")
    ]
    causes += [
        f"updates-confirm:{pk}:"
        for pk in UpdatesSubscription.objects.filter(feedback__in=reach.feedback).values_list(
            "pk", flat=True
        )
    ]
    conditions = [_key_starts(cause) for cause in causes]
    conditions += [Q(recipient__iexact=email) for email in reach.emails]
    found: set[int] = set()
    for chunk in _chunks(conditions):
        found.update(OutboxMessage.objects.filter(reduce(or_, chunk)).values_list("pk", flat=True))
    return found


def _key_starts(prefix: str) -> Q:
    """Dedup keys that start with the prefix. SQLite reads every row for a LIKE, so there
    it is the range of the keys' unique index from the prefix to the prefix with its last
    character raised by one (the keys compare byte by byte); PostgreSQL's LIKE uses the
    index Django makes for it."""
    if connection.vendor != "sqlite":
        return Q(dedup_key__startswith=prefix)
    return Q(dedup_key__gte=prefix, dedup_key__lt=prefix[:-1] + chr(ord(prefix[-1]) + 1))


def _any_address(emails: Iterable[str]) -> Q:
    return reduce(or_, (Q(email__iexact=email) for email in emails))


def _chunks(items: list[T]) -> Iterator[list[T]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]
