"""The purge: what customers wrote and vocloop's own records, emptied or deleted once their
retention (RetentionSettings) is over. The one home of it; the worker runs it nightly
(nightly.py), `vocloop retention purge` on demand.

Texts are emptied the way an erasure empties a customer's (customers.erasure, the same
functions): a comment, a customer's message, a case's resolution and timeline texts
become EXPIRED_TEXT; the unmasked originals, similarity signatures, the themes'
example comments and the emails, webhook calls and API answers about them go with
them. No feedback or case is deleted, so every figure stays as it was, in the rollups
and in a rebuild of them. Unlike an erasure, the tracking link keeps working: the
customer still follows their case, and reads that the text was removed.

Records that hold no figure are deleted: emails and webhook calls sent (or given up
on), the API's answers kept for an Idempotency-Key, finished task results, expired
sessions, the audit of reads. The unmasked originals follow their own rule
(insights.originals), run here too.

The work goes in chunks of CHUNK rows, each in a transaction of its own, so that on
SQLite the purge of a large database never holds the write lock for long; a purge cut
short is taken up by the next, and a purge run twice finds nothing the second time.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from vocloop.cases.models import Case, CaseEvent
from vocloop.customers.erasure.messages import outbox_about, outbox_empty
from vocloop.customers.erasure.reach import Reach
from vocloop.customers.erasure.records import api_answers_erase, task_results_erase
from vocloop.customers.erasure.storage import free_pages_clear_after_commit
from vocloop.customers.erasure.texts import case_texts_erase, feedback_texts_erase
from vocloop.insights.originals import originals_expired, originals_purge
from vocloop.lib.words import counted
from vocloop.listening.models import Feedback
from vocloop.retention.models import Purge, RetentionSettings
from vocloop.retention.selectors import (
    EXPIRED_TEXT,
    api_answers_expired,
    audit_reads_expired,
    case_texts_expired,
    case_texts_left,
    comments_expired,
    customer_messages_expired,
    notifications_expired,
    retention_settings,
    sessions_expired,
    task_results_expired,
)

CHUNK = 200

Selector = Callable[[RetentionSettings, dt.datetime], "QuerySet[Any] | None"]

# What is deleted outright, in this order and before the texts are emptied (so that
# emptying the notifications about a text finds fewer rows), with its name in the counts.
DELETED: list[tuple[str, Selector]] = [
    ("sent_notifications", notifications_expired),
    ("api_answers", api_answers_expired),
    ("task_results", task_results_expired),
    ("sessions", sessions_expired),
    ("audit_reads", audit_reads_expired),
]
# How a count reads in a sentence: one, many.
SAID = {
    "sent_notifications": ("sent notification", "sent notifications"),
    "api_answers": ("API answer kept for retries", "API answers kept for retries"),
    "task_results": ("task result", "task results"),
    "sessions": ("expired session", "expired sessions"),
    "audit_reads": ("read in the audit", "reads in the audit"),
    "unmasked_originals": ("unmasked original", "unmasked originals"),
    "comments": ("comment", "comments"),
    "customer_messages": ("customer's message on a case", "customers' messages on cases"),
    "case_texts": ("closed case's texts", "closed cases' texts"),
}


@dataclass
class PurgeSummary:
    """Rows of each kind emptied or deleted (for a dry run: that would be), kinds in SAID's
    order, none left out; and what went with them (not known in a dry run)."""

    counts: dict[str, int]
    dry_run: bool = False
    related: Counter[str] = field(default_factory=Counter)
    purge: Purge | None = None

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def said(self) -> str:
        """The counts in a line, for a command's output or the worker's log."""
        done = counts_said(self.counts)
        if not done:
            return "nothing is past its retention"
        return ("would remove " if self.dry_run else "removed ") + done


def related_said(related: dict[str, int]) -> str:
    """What went with the texts, in the erasure's words: "12 signatures, 3 notifications
    emptied"."""
    return ", ".join(f"{n:,} {kind.replace('_', ' ')}" for kind, n in sorted(related.items()) if n)


def counts_said(counts: dict[str, int]) -> str:
    """ "12 comments, 1 sent notification": the kinds with a count, "" when none."""
    return ", ".join(counted(n, *SAID.get(kind, (kind, kind))) for kind, n in counts.items() if n)


def retention_purge(
    *, now: dt.datetime, dry_run: bool = False, by: str = "command line"
) -> PurgeSummary:
    """Empty or delete what is past its retention at `now`; a dry run only counts it."""
    settings = retention_settings()
    if dry_run:
        return PurgeSummary(counts=_counted(settings, now), dry_run=True)
    summary = PurgeSummary(counts=dict.fromkeys(SAID, 0))
    summary.purge = Purge.objects.create(started_at=now, by=by)
    for kind, selector in DELETED:
        _delete(summary, kind, selector(settings, now))
    summary.counts["unmasked_originals"] = originals_purge(now=now)
    _texts_empty(summary, settings, now)
    if summary.total:
        free_pages_clear_after_commit()  # at once, unless the caller holds a transaction
    summary.purge.finished_at = timezone.now()
    _record(summary)
    return summary


def _counted(settings: RetentionSettings, now: dt.datetime) -> dict[str, int]:
    counts = {kind: _count(selector(settings, now)) for kind, selector in DELETED}
    comments, messages = originals_expired(now=now)
    counts["unmasked_originals"] = comments.count() + messages.count()
    counts["comments"] = _count(comments_expired(settings, now))
    counts["customer_messages"] = _count(customer_messages_expired(settings, now))
    counts["case_texts"] = _count(case_texts_expired(settings, now))
    return counts


def _count(rows: QuerySet[Any] | None) -> int:
    return 0 if rows is None else rows.count()


def _record(summary: PurgeSummary) -> None:
    """The purge's record as it stands: a purge cut short says how far it came."""
    assert summary.purge is not None
    summary.purge.counts = summary.counts
    summary.purge.related = dict(sorted((+summary.related).items()))
    summary.purge.save()


def _pages(rows: QuerySet[Any]) -> Iterator[list[Any]]:
    """The rows' keys, CHUNK at a time, in order: each page is read after the one before
    was dealt with, and a row left as it was is not met again."""
    last = None
    while True:
        page = rows if last is None else rows.filter(pk__gt=last)
        keys = list(page.order_by("pk").values_list("pk", flat=True)[:CHUNK])
        if not keys:
            return
        yield keys
        last = keys[-1]


def _delete(summary: PurgeSummary, kind: str, rows: QuerySet[Any] | None) -> None:
    if rows is None:
        return
    label = rows.model._meta.label
    for keys in _pages(rows):
        with transaction.atomic():
            summary.counts[kind] += rows.filter(pk__in=keys).delete()[1].get(label, 0)
        _record(summary)


def _reach(
    *, feedback: Sequence[int] = (), cases: Sequence[int] = (), events: Sequence[int] = ()
) -> Reach:
    """Rows chosen by their age, by key: what the erasure's functions empty."""
    return Reach(
        customer=None,
        feedback=Feedback.objects.filter(pk__in=list(feedback)),
        cases=Case.objects.filter(pk__in=list(cases)),
        events=CaseEvent.objects.filter(pk__in=list(events)),
        emails=frozenset(),
    )


def _case_reach(cases: list[int]) -> Reach:
    return _reach(cases=cases, events=list(case_texts_left(cases).values_list("pk", flat=True)))


@dataclass(frozen=True)
class Texts:
    """A kind of text emptied: its rows past their retention, and the reach of some of them."""

    kind: str
    selector: Selector
    reach: Callable[[list[int]], Reach]
    of_feedback: bool = False  # comments, not what is on a case's timeline


TEXTS = [
    Texts("comments", comments_expired, lambda keys: _reach(feedback=keys), of_feedback=True),
    Texts("customer_messages", customer_messages_expired, lambda keys: _reach(events=keys)),
    Texts("case_texts", case_texts_expired, _case_reach),
]


def _texts_empty(summary: PurgeSummary, settings: RetentionSettings, now: dt.datetime) -> None:
    for texts in TEXTS:
        rows = texts.selector(settings, now)
        if rows is None:
            continue
        for keys in _pages(rows):
            summary.counts[texts.kind] += _chunk_empty(summary, texts, rows, keys, now=now)
            _record(summary)


def _chunk_empty(
    summary: PurgeSummary,
    texts: Texts,
    rows: QuerySet[Any],
    keys: list[int],
    *,
    now: dt.datetime,
) -> int:
    """Empty one chunk of texts and what was sent or kept about them; how many rows.

    The notifications about them are looked up first, outside the transaction: on SQLite
    that search reads the whole outbox, and the write lock is held for the writes only.
    """
    outbox = outbox_about(texts.reach(keys))
    with transaction.atomic():
        # Those still past their retention, read under the write lock: a case reopened
        # meanwhile keeps its texts.
        still = list(rows.filter(pk__in=keys).order_by("pk").values_list("pk", flat=True))
        if not still:
            return 0
        reach = texts.reach(still)
        if still != keys:
            outbox = outbox_about(reach)
        related = (
            feedback_texts_erase(reach, now=now, text=EXPIRED_TEXT)
            if texts.of_feedback
            else case_texts_erase(reach, text=EXPIRED_TEXT)
        )
        related += outbox_empty(outbox)
        related["api_answers"] += api_answers_erase(reach)
        related["task_results"] += task_results_erase(reach)
    for counted_already in ("feedback", "comments", "cases"):
        del related[counted_already]
    summary.related += related
    return len(still)
