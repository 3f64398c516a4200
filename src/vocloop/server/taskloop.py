"""The loop that runs tasks from the database queue, and outlasts the database going away.

django_tasks_db's own worker stops for good on the first database error outside a
task: a `BEGIN` refused because a long import holds SQLite's lock, a connection
PostgreSQL dropped on restart. This loop takes tasks the same way (one at a time,
claimed in an exclusive transaction, `--batch` and `--max-tasks` as there) but
waits for the database instead (outage.py).

A task that fails is recorded as failed, with its traceback logged once, and the
loop goes on — a database error of its own too (a statement timeout, too many SQL
variables). Only a task cut short by the database itself (a lock held too long, a
lost connection, a database that does not answer) goes back to the queue, to run
again once the database answers, at most MAX_RUNS times in all (requeue.py). A
worker stopped while it waits for the database puts that task back on its way out
if it can; tasks left running by a worker that is gone go back to the queue when
a worker starts, and every minute while one runs.
"""

from __future__ import annotations

import logging
import random
import time
from typing import Any

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.db import DatabaseError, close_old_connections
from django_tasks_db.compat import TaskContext, task_finished, task_started
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

from vocloop.lib.outage import (
    BACKOFF_CAP,
    OUTAGE_AFTER,
    Backoff,
    connections_close,
    database_waiting,
    fresh_connections,
    in_brief,
    outage,
)
from vocloop.server.heartbeat import Heartbeat
from vocloop.server.requeue import MAX_RUNS, Requeued, task_requeue, tasks_abandoned_requeue

# The messages and the verbosity of django_tasks_db's worker, which this loop replaces.
logger = logging.getLogger("django_tasks_db")
worker_logger = logging.getLogger("vocloop.worker")
PART = "task queue"
# How often a running worker looks for tasks left running by workers gone meanwhile.
ABANDONED_EVERY = 60.0


class CutShort(Exception):
    """The database went away under a task: it goes back to the queue."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


class TaskLoop(Worker):
    def __init__(self, *, heartbeat: Heartbeat, **options: Any) -> None:
        super().__init__(**options)
        self.heartbeat = heartbeat
        self.backoff = Backoff()
        # Claimed and not finished: put back in the queue once the database answers.
        self.cut_short: DBTaskResult | None = None
        self.cut_short_by = ""
        # The fault the last turn ended in, so that a fault repeated every turn is logged once.
        self.fault: str | None = None
        self.generation = 0
        self._abandoned_at = 0.0

    def run(self) -> None:
        logger.info(
            "Starting worker worker_id=%s queues=%s", self.worker_id, ",".join(self.queue_names)
        )
        if self.startup_delay and self.interval:
            time.sleep(random.random())  # workers started together spread out
        try:
            self._loop()
        finally:
            # Stopped (SIGTERM) while waiting for the database, or --batch ending on a fault.
            self._put_back_on_exit()

    def _loop(self) -> None:
        while self.running:
            try:
                claimed = self._turn()
            except CutShort as cut:
                self._wait(cut.error, waiting=True)
                continue
            except Exception as error:
                if not self._wait(error, waiting=database_waiting(error)):
                    raise
                continue
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

    def _turn(self) -> DBTaskResult | None:
        """Put back what was cut short, claim a task and run it; the task claimed, if any."""
        self.generation = fresh_connections(self.generation)
        close_old_connections()
        self._put_back_cut_short()
        self._put_back_abandoned_if_due()
        claimed = self._claim()
        # The database answered: what the task meets now is no outage of the queue's.
        self._answered()
        if claimed is not None:
            self.run_task(claimed)
        self.heartbeat.beat_if_due()
        return claimed

    def _wait(self, error: Exception, *, waiting: bool) -> bool:
        """Wait before the next turn; False when the loop should stop on the error instead."""
        connections_close()  # whatever state the failed turn left them in
        if waiting:
            outage.failed(PART, error)
        elif self.batch:
            return False  # --batch exits on a fault, with its traceback, for cron to report
        else:
            said = in_brief(error)
            if said != self.fault:
                worker_logger.exception(
                    "vocloop worker: the %s failed; trying again, at least every %g s",
                    PART,
                    BACKOFF_CAP,
                )
            self.fault = said
        delay = self.backoff.next()
        if self.backoff.failures >= OUTAGE_AFTER:
            self.heartbeat.hold()
        if self.running:
            time.sleep(delay)
        return True

    def _answered(self) -> None:
        outage.recovered(PART)
        self.backoff.reset()
        self.heartbeat.release()
        if self.fault is not None:
            worker_logger.warning("vocloop worker: the %s works again", PART)
            self.fault = None

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

    def _put_back_cut_short(self) -> None:
        if self.cut_short is None:
            return
        task = self.cut_short
        outcome = task_requeue(task_result=task, cause=f"by {self.cut_short_by}")
        self.cut_short = None
        if outcome is Requeued.QUEUED:
            logger.info(
                "Task id=%s path=%s cut short by %s - back in the queue",
                task.id,
                task.task_path,
                self.cut_short_by,
            )
        elif outcome is Requeued.FAILED:
            logger.error(
                "Task id=%s path=%s cut short %d times, the last by %s - marked failed, "
                "not run again",
                task.id,
                task.task_path,
                MAX_RUNS,
                self.cut_short_by,
            )

    def _put_back_abandoned_if_due(self) -> None:
        if time.monotonic() < self._abandoned_at:
            return
        # Set first: a fault in here must not hold up the queue every turn.
        self._abandoned_at = time.monotonic() + ABANDONED_EVERY
        abandoned = tasks_abandoned_requeue(
            backend_name=self.backend_name, worker_id=self.worker_id
        )
        for task, outcome in abandoned:
            if outcome is Requeued.QUEUED:
                logger.warning(
                    "Task id=%s path=%s left running by a worker gone for %s - back in the queue",
                    task.id,
                    task.task_path,
                    _minutes(settings.WORKER_STALE_AFTER.total_seconds()),
                )
            elif outcome is Requeued.FAILED:
                logger.error(
                    "Task id=%s path=%s left running by a stopped worker %d times - marked "
                    "failed, not run again",
                    task.id,
                    task.task_path,
                    MAX_RUNS,
                )

    def _put_back_on_exit(self) -> None:
        if self.cut_short is None:
            return
        task = self.cut_short
        try:
            connections_close()
            self._put_back_cut_short()
        except DatabaseError as error:
            worker_logger.warning(
                "vocloop worker: task id=%s stays running (the database did not take it "
                "back: %s); a worker puts it back in the queue once this one has been gone %s",
                task.id,
                in_brief(error),
                _minutes(settings.WORKER_STALE_AFTER.total_seconds()),
            )

    def run_task(self, db_task_result: DBTaskResult) -> None:
        """Run the task and record how it ended; one the database cut short raises CutShort."""
        self.running_task = True
        # Until its end is recorded: a database lost while recording it cuts it short too.
        self.cut_short, self.cut_short_by = db_task_result, "losing the database"
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
            self.cut_short = None
            task_finished.send(sender=backend_type, task_result=db_task_result.task_result)
        except BaseException as error:
            if isinstance(error, Exception) and database_waiting(error):
                self.cut_short_by = in_brief(error)
                raise CutShort(error) from error
            db_task_result.set_failed(error)
            self.cut_short = None
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
        self._run_tasks += 1


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:g} min"
