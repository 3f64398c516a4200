"""The loop that runs tasks from the database queue, and outlasts the database going away.

django_tasks_db's own worker stops for good on the first database error outside a
task: a `BEGIN` refused because a long import holds SQLite's lock, a connection
PostgreSQL dropped on restart. This loop takes tasks the same way (one at a time,
claimed in an exclusive transaction, `--batch` and `--max-tasks` as there) but
waits for the database instead (outage.py). A task cut short by such an error goes
back to the queue and runs again once the database is back: tasks may run twice,
never not at all. A task that fails on its own (a bug) is recorded as failed, with
its traceback logged once, and the loop goes on.
"""

from __future__ import annotations

import logging
import random
import time
from typing import Any

from django.core.exceptions import SuspiciousOperation
from django.db import close_old_connections
from django_tasks_db.compat import TaskContext, TaskResultStatus, task_finished, task_started
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

from vocloop.server.heartbeat import Heartbeat
from vocloop.server.outage import (
    Backoff,
    connections_close,
    fresh_connections,
    is_transient,
    outage,
)

# The messages and the verbosity of django_tasks_db's worker, which this loop replaces.
logger = logging.getLogger("django_tasks_db")
PART = "task queue"


class TaskLoop(Worker):
    def __init__(self, *, heartbeat: Heartbeat, **options: Any) -> None:
        super().__init__(**options)
        self.heartbeat = heartbeat
        self.backoff = Backoff()
        # Claimed, then cut short by the database: put back in the queue once it returns.
        self.interrupted: DBTaskResult | None = None
        self.generation = 0

    def run(self) -> None:
        logger.info(
            "Starting worker worker_id=%s queues=%s", self.worker_id, ",".join(self.queue_names)
        )
        if self.startup_delay and self.interval:
            time.sleep(random.random())  # workers started together spread out
        while self.running:
            try:
                self.generation = fresh_connections(self.generation)
                close_old_connections()
                self._requeue_interrupted()
                claimed = self._claim()
                if claimed is not None:
                    self.run_task(claimed)
                self.heartbeat.beat_if_due()
            except Exception as error:
                if not is_transient(error):
                    raise
                outage.failed(PART, error)
                connections_close()
                time.sleep(self.backoff.next())
                continue
            outage.recovered(PART)
            self.backoff.reset()
            if self.batch and claimed is None:
                logger.info(
                    "No more tasks to run for worker_id=%s - exiting gracefully.", self.worker_id
                )
                return
            if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                logger.info(
                    "Run maximum tasks (%d) on worker=%s - exiting gracefully.",
                    self._run_tasks,
                    self.worker_id,
                )
                return
            if self.running and claimed is None:
                time.sleep(self.interval)

    def _claim(self) -> DBTaskResult | None:
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        with exclusive_transaction(tasks.db):
            task_result = tasks.get_locked()
            if task_result is not None:
                # Marked as running, so that no other worker takes it.
                task_result.claim(self.worker_id)
        return task_result

    def _requeue_interrupted(self) -> None:
        if self.interrupted is None:
            return
        DBTaskResult.objects.filter(pk=self.interrupted.pk, status=TaskResultStatus.RUNNING).update(
            status=TaskResultStatus.READY, started_at=None
        )
        self.interrupted = None

    def run_task(self, db_task_result: DBTaskResult) -> None:
        """Run the task and record how it ended; a database outage is left to the loop."""
        self.running_task = True
        self.interrupted = db_task_result
        try:
            task = db_task_result.task
            task_result = db_task_result.task_result
            backend_type = task.get_backend()
            task_started.send(sender=backend_type, task_result=task_result)
            if task.takes_context:
                returned = task.call(
                    TaskContext(task_result=task_result), *task_result.args, **task_result.kwargs
                )
            else:
                returned = task.call(*task_result.args, **task_result.kwargs)
            db_task_result.set_successful(returned)
            task_finished.send(sender=backend_type, task_result=db_task_result.task_result)
        except BaseException as error:
            if isinstance(error, Exception) and is_transient(error):
                raise
            db_task_result.set_failed(error)
            try:
                sender = type(db_task_result.task.get_backend())
                finished = db_task_result.task_result
            except (ImportError, SuspiciousOperation):  # no such task (any more)
                logger.exception("Task id=%s failed unexpectedly", db_task_result.id)
            else:
                # Logs the task's traceback (django_tasks' receiver), once.
                task_finished.send(sender=sender, task_result=finished)
        finally:
            self.running_task = False
        self.interrupted = None
        self._run_tasks += 1
