"""Tasks cut short go back to the queue: tasks may run twice, never not at all.

A task is cut short when the database goes away under it, or when its worker stops
without finishing it (killed, its machine lost). Either way it runs again, from the
start, up to MAX_RUNS times in all: one that is cut short every time (it takes a
lock it never gets, it brings its worker down) is then marked failed, and the
queue moves on. Each claim of a task adds the claiming worker's id to
`worker_ids`, so the list counts the runs whichever workers made them.
"""

from __future__ import annotations

import enum
import traceback

from django.conf import settings
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from vocloop.server.selectors import workers_seen

MAX_RUNS = 5


class TaskCutShort(Exception):
    """Why a task that never finished is marked failed (its row's exception and traceback)."""


class Requeued(enum.Enum):
    QUEUED = "back in the queue"
    FAILED = "marked failed"
    # Not running as it was claimed any more: put back or failed meanwhile by another.
    TAKEN = "already taken care of"


def task_requeue(*, task_result: DBTaskResult, cause: str) -> Requeued:
    """Put a running task back in the queue, or mark it failed after MAX_RUNS runs.

    Only while it is still running as claimed: the worker that claimed it last is
    the one that may still be running it.
    """
    as_claimed = DBTaskResult.objects.filter(
        pk=task_result.pk,
        status=TaskResultStatus.RUNNING,
        worker_ids=task_result.worker_ids,
    )
    runs = len(task_result.worker_ids)
    if runs < MAX_RUNS:
        put_back = as_claimed.update(status=TaskResultStatus.READY, started_at=None)
        return Requeued.QUEUED if put_back else Requeued.TAKEN
    error = TaskCutShort(f"cut short {runs} times, the last {cause}; not run again")
    failed = as_claimed.update(
        status=TaskResultStatus.FAILED,
        finished_at=timezone.now(),
        return_value=None,
        exception_class_path=f"{TaskCutShort.__module__}.{TaskCutShort.__qualname__}",
        traceback="".join(traceback.format_exception(error)),
    )
    return Requeued.FAILED if failed else Requeued.TAKEN


def tasks_abandoned_requeue(
    *, backend_name: str, worker_id: str
) -> list[tuple[DBTaskResult, Requeued]]:
    """Requeue the tasks left running by workers gone for VOCLOOP_WORKER_STALE_AFTER.

    A worker is gone when its heartbeat is that old. Where a task's worker left no
    heartbeat under its id (the row cleared after a week, or the worker died before
    its first), it is gone too unless a worker that records no id is still beating:
    that one might be running it.
    """
    running = list(DBTaskResult.objects.running().filter(backend_name=backend_name))
    claimed_by = {_last_claimed_by(task) for task in running} - {worker_id}
    if not claimed_by:
        return []
    seen = workers_seen(worker_ids=claimed_by, within=settings.WORKER_STALE_AFTER)
    anonymous_alive = seen.alive("")
    abandoned = []
    for task in running:
        by = _last_claimed_by(task)
        if by == worker_id or seen.alive(by) or (not seen.known(by) and anonymous_alive):
            continue
        outcome = task_requeue(task_result=task, cause="because its worker stopped")
        abandoned.append((task, outcome))
    return abandoned


def _last_claimed_by(task: DBTaskResult) -> str:
    return str(task.worker_ids[-1]) if task.worker_ids else ""
