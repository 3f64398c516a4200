"""What the retention settings reach: for each kind, the rows whose time is over.

Each selector answers None when the setting keeps its kind for good. Texts already
emptied (by an erasure or an earlier purge) are not reached again, so that a purge
run twice finds nothing the second time.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.sessions.models import Session
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django_tasks_db.models import DBTaskResult

from vocloop.audit.models import Read
from vocloop.cases.models import OPEN_STATUSES, Case, CaseEvent
from vocloop.customers.erasure import ERASED_TEXT
from vocloop.listening.models import Feedback, IdempotencyRecord
from vocloop.notifications.models import OutboxMessage
from vocloop.retention.models import RetentionSettings

# What stands where a text was once its retention is over: never empty, so that feedback
# "with a comment" stays so in every figure, as with an erasure's ERASED_TEXT.
EXPIRED_TEXT = "[removed after the retention period]"
EMPTIED = ("", ERASED_TEXT, EXPIRED_TEXT)

# Timeline entries that hold what the customer wrote: their messages, their verdict's
# reason, their reason for reopening, and further feedback added to the case (its comment).
_WRITTEN_BY_CUSTOMERS = Q(actor_kind=CaseEvent.Actor.CUSTOMER) | Q(
    kind__in=[
        CaseEvent.Kind.CUSTOMER_MESSAGE,
        CaseEvent.Kind.SATISFACTION,
        CaseEvent.Kind.FEEDBACK_ATTACHED,
    ]
)


def retention_settings() -> RetentionSettings:
    return RetentionSettings.objects.order_by("pk").first() or RetentionSettings.objects.create()


def _before(now: dt.datetime, days: int | None) -> dt.datetime | None:
    return None if days is None else now - dt.timedelta(days=days)


def cases_ended_before(moment: dt.datetime) -> QuerySet[Case]:
    """Cases resolved or closed before `moment` and not reopened since: counted from when
    they were closed, or resolved when the customer never closed them."""
    return (
        Case.objects.exclude(status__in=OPEN_STATUSES)
        .annotate(ended_at=Coalesce("closed_at", "resolved_at", "updated_at"))
        .filter(ended_at__lt=moment)
    )


def comments_expired(settings: RetentionSettings, now: dt.datetime) -> QuerySet[Feedback] | None:
    """Comments that arrived before the retention, in no case or in one that ended before it."""
    before = _before(now, settings.feedback_text_days)
    if before is None:
        return None
    return (
        Feedback.objects.filter(erased_at__isnull=True, received_at__lt=before)
        .exclude(comment="")
        .filter(Q(case__isnull=True) | Q(case__in=cases_ended_before(before).values("pk")))
    )


def customer_messages_expired(
    settings: RetentionSettings, now: dt.datetime
) -> QuerySet[CaseEvent] | None:
    """What customers wrote on cases before the retention, in cases that ended before it."""
    before = _before(now, settings.feedback_text_days)
    if before is None:
        return None
    return (
        CaseEvent.objects.filter(_WRITTEN_BY_CUSTOMERS, created_at__lt=before)
        .exclude(body__in=EMPTIED)
        .filter(case__in=cases_ended_before(before).values("pk"))
    )


def case_texts_expired(settings: RetentionSettings, now: dt.datetime) -> QuerySet[Case] | None:
    """Cases that ended before the retention with a resolution or timeline text left."""
    before = _before(now, settings.case_text_days)
    if before is None:
        return None
    texts_left = CaseEvent.objects.filter(case=OuterRef("pk")).exclude(body__in=EMPTIED)
    return cases_ended_before(before).filter(~Q(resolution__in=EMPTIED) | Q(Exists(texts_left)))


def case_texts_left(case_ids: list[int]) -> QuerySet[CaseEvent]:
    return CaseEvent.objects.filter(case__in=case_ids).exclude(body__in=EMPTIED)


def notifications_expired(
    settings: RetentionSettings, now: dt.datetime
) -> QuerySet[OutboxMessage] | None:
    """Emails and webhook calls sent, or given up on, before the retention."""
    before = _before(now, settings.sent_notifications_days)
    if before is None:
        return None
    Status = OutboxMessage.Status
    return OutboxMessage.objects.filter(
        Q(status=Status.SENT, sent_at__lt=before) | Q(status=Status.FAILED, created_at__lt=before)
    )


def api_answers_expired(
    settings: RetentionSettings, now: dt.datetime
) -> QuerySet[IdempotencyRecord] | None:
    before = _before(now, settings.api_answers_days)
    return None if before is None else IdempotencyRecord.objects.filter(created_at__lt=before)


def task_results_expired(
    settings: RetentionSettings, now: dt.datetime
) -> QuerySet[DBTaskResult] | None:
    """Results of tasks that finished (or failed) before the retention; none that waits or runs."""
    before = _before(now, settings.task_results_days)
    if before is None:
        return None
    return DBTaskResult.objects.finished().filter(finished_at__lt=before)


def sessions_expired(settings: RetentionSettings, now: dt.datetime) -> QuerySet[Session]:
    """Sessions past their expiry: of no use to anyone (VOCLOOP_SESSION_IDLE_MINUTES)."""
    return Session.objects.filter(expire_date__lt=now)


def audit_reads_expired(settings: RetentionSettings, now: dt.datetime) -> QuerySet[Read] | None:
    before = _before(now, settings.audit_reads_days)
    return None if before is None else Read.objects.filter(at__lt=before)
