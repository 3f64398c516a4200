"""Erasing a customer's data (GDPR art. 17; ISO 10002's confidentiality): the one home.

In one transaction, everywhere vocloop keeps something of the customer, their personal
data and free text are deleted or emptied, while every figure stays as it was: no
feedback or case is deleted, so the rollups, a rebuild of them and every dashboard
count them as before.

- the customer's record: emptied (name, email, external id, industry, size, region),
  kept as "Erased customer N" so that their feedback and cases still have a customer;
- their feedback: comments become ERASED_TEXT, unmasked originals are deleted, the
  tracking links answer 410; the scores, dates, touch points, references and what was
  read of the comments (sentiment, themes) stay, and nothing reads them again;
- their cases: the resolution and every timeline entry's text become ERASED_TEXT, the
  customer's unmasked messages are deleted; statuses, dates and SLA figures stay;
- insights: similarity signatures, similar-comment groups, themes' example comments
  and open theme proposals let go of them (texts.py);
- notifications: unsent emails and webhook calls to or about them are deleted, sent
  ones emptied; updates subscriptions and opt-outs of their addresses deleted
  (messages.py);
- the API's answers kept for retries, task results, the settings area's change
  history (records.py).

An Erasure row records who erased which customer number, when, and how many rows of
each kind: never what they held. On SQLite the connections overwrite deleted content
(PRAGMA secure_delete, config.py) and the write-ahead log is checkpointed and truncated
after the erasure (storage.py), so the text is not left in the file's free pages.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from vocloop.customers.erasure.messages import notifications_erase, outbox_about
from vocloop.customers.erasure.reach import ERASED_TEXT, reach_of
from vocloop.customers.erasure.records import records_erase
from vocloop.customers.erasure.storage import free_pages_clear_after_commit
from vocloop.customers.erasure.texts import case_texts_erase, feedback_texts_erase
from vocloop.customers.models import Customer, Erasure

__all__ = [
    "ERASED_TEXT",
    "ErasurePreview",
    "ErasureRefused",
    "ErasureSummary",
    "customer_erase",
    "customer_erase_preview",
]


class ErasureRefused(ValueError):
    """The customer cannot be erased (already erased); nothing changed. Says why."""


@dataclass(frozen=True)
class ErasurePreview:
    """What erasing a customer would reach, to be confirmed first."""

    customer: Customer
    feedback: int
    cases: int
    timeline_entries: int
    notifications: int  # emails and webhook calls, sent or not


@dataclass(frozen=True)
class ErasureSummary:
    erasure: Erasure
    counts: dict[str, int]  # rows emptied or deleted, by kind; kinds with none left out

    def said(self) -> str:
        """The counts in a line, for a message or a command's output."""
        if not self.counts:
            return "nothing of theirs was stored beyond their record"
        return ", ".join(f"{n:,} {kind.replace('_', ' ')}" for kind, n in self.counts.items())


def customer_erase_preview(customer: Customer) -> ErasurePreview:
    reach = reach_of(customer)
    return ErasurePreview(
        customer=customer,
        feedback=reach.feedback.count(),
        cases=reach.cases.count(),
        timeline_entries=reach.events.exclude(body="").count(),
        notifications=len(outbox_about(reach)),
    )


def customer_erase(
    *, customer: Customer, actor: Any = None, actor_label: str = ""
) -> ErasureSummary:
    """Erase the customer's personal data and free text everywhere; keep every figure.

    `actor` is the user who erases (None from the command line or an integration),
    `actor_label` how the record names them when there is no user (or it is deleted).
    """
    with transaction.atomic():
        locked = Customer.objects.select_for_update().filter(pk=customer.pk).first()
        if locked is None:
            raise ErasureRefused(f"There is no customer {customer.pk}.")
        if locked.erased_at is not None:
            raise ErasureRefused(
                f"Customer {locked.pk} was erased on "
                f"{timezone.localtime(locked.erased_at):%Y-%m-%d %H:%M}."
            )
        now = timezone.now()
        reach = reach_of(locked)
        counts: Counter[str] = Counter()
        counts += feedback_texts_erase(reach, now=now)
        counts += case_texts_erase(reach)
        counts += notifications_erase(reach)
        counts += records_erase(reach, tombstone=f"Erased customer {locked.pk}")
        _record_empty(locked, now=now)
        label = actor_label or (actor.get_username() if actor is not None else "")
        erasure = Erasure.objects.create(
            customer_number=locked.pk,
            erased_by=actor,
            erased_by_label=label or "unknown",
            erased_at=now,
            counts=dict(sorted(counts.items())),
        )
        free_pages_clear_after_commit()
    customer.refresh_from_db()
    return ErasureSummary(erasure=erasure, counts=erasure.counts)


def _record_empty(customer: Customer, *, now: Any) -> None:
    customer.name = customer.email = customer.industry = customer.size = customer.region = ""
    customer.external_id = None
    customer.erased_at = now
    customer.save()
