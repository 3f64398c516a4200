"""Erasing the customer from the records vocloop keeps of its own work: the API's answers
kept for retries, background task results, and the settings area's change history."""

from __future__ import annotations

from collections import Counter

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from vocloop.customers.erasure.reach import Reach
from vocloop.customers.models import Customer
from vocloop.listening.models import IdempotencyRecord

# The one task whose arguments name a piece of feedback (conductor.reading.read_comment).
READ_COMMENT_TASK = "vocloop.conductor.reading.read_comment"


def records_erase(reach: Reach, *, tombstone: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    counts["api_answers"] = api_answers_erase(reach)
    counts["task_results"] = task_results_erase(reach)
    counts["change_history"] = _change_history_erase(reach, tombstone=tombstone)
    return +counts


def api_answers_erase(reach: Reach) -> int:
    """An answer kept for an Idempotency-Key holds the feedback or case it created or
    changed (a case's with the customer's name, email and messages), and its request's
    fingerprint. Both go; the key stays, so that a retry with it is refused rather than
    sending the erased customer's feedback in again."""
    references = list(reach.feedback.values_list("reference", flat=True))
    references += list(reach.cases.values_list("reference", flat=True))
    if not references:
        return 0
    kept = IdempotencyRecord.objects.filter(response__reference__in=references)
    return int(kept.update(request_hash="", response={}))


def task_results_erase(reach: Reach) -> int:
    """Results of reading the customer's comments: a failure's traceback may quote one."""
    ids = list(reach.feedback.values_list("pk", flat=True))
    if not ids:
        return 0
    results = DBTaskResult.objects.filter(
        task_path=READ_COMMENT_TASK, args_kwargs__args__0__in=ids
    ).exclude(status=TaskResultStatus.RUNNING)
    return int(results.delete()[0])


def _change_history_erase(reach: Reach, *, tombstone: str) -> int:
    """The settings area's history names what was changed as it was then called: a
    customer by their name or email, an outgoing email by its recipient."""
    if reach.customer is None:
        return 0
    changed = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Customer),
        object_id=str(reach.customer.pk),
    ).update(object_repr=tombstone, change_message="")
    for email in reach.emails:
        changed += LogEntry.objects.filter(object_repr__icontains=email).update(
            object_repr="(erased)", change_message=""
        )
    return int(changed)
