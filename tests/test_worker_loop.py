"""The worker's task loop and periodic jobs, run in this process on the test database.

A task's own database error fails it, once; a task the database cuts short runs
again, five times at most; tasks left running go back to the queue once their
worker is gone, and not before; a task loop that cannot take tasks lets the
heartbeat lapse; a periodic job that fails stops no other.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.apps import apps
from django.db import OperationalError, connection, connections
from django.urls import reverse
from django_tasks_db.compat import DEFAULT_TASK_BACKEND_ALIAS, TaskResultStatus
from django_tasks_db.models import DBTaskResult

from tests.clock import Clock, utc
from tests.conftest import Org
from tests.helpers import give_feedback
from tests.test_worker_outages import until
from tests.worker_tasks import done, meets_a_lock, statement_refused
from vocloop.cases.models import Case
from vocloop.lib import outage as outage_module
from vocloop.lib.outage import Backoff, Outage, database_waiting
from vocloop.metrics.models import CaseRollup
from vocloop.server import health as health_module
from vocloop.server import periodic, taskloop
from vocloop.server.heartbeat import Heartbeat
from vocloop.server.management.commands.worker import periodic_jobs
from vocloop.server.models import WorkerHeartbeat
from vocloop.server.periodic import Job, Periodic
from vocloop.server.requeue import MAX_RUNS, Requeued, tasks_abandoned_requeue
from vocloop.server.taskloop import TaskLoop

OUTAGE = "the database is unavailable"
FAILED, SUCCESSFUL = TaskResultStatus.FAILED, TaskResultStatus.SUCCESSFUL
sla_defaults = importlib.import_module("vocloop.slas.migrations.0002_defaults")


@pytest.fixture
def fresh_outage(monkeypatch: pytest.MonkeyPatch, django_db_blocker: Any) -> Iterator[Outage]:
    """The process's outage bookkeeping, started afresh for the test.

    The jobs close this thread's connections as the worker's threads do theirs: an
    earlier test may have left one open.
    """
    fresh = Outage()
    for module in (outage_module, periodic, taskloop):
        monkeypatch.setattr(module, "outage", fresh)
    with django_db_blocker.unblock():
        yield fresh


def task_loop(worker_id: str = "this-worker") -> TaskLoop:
    """A `vocloop worker --batch` task loop, beating on every turn."""
    loop = TaskLoop(
        heartbeat=Heartbeat(worker_id=worker_id, every=0),
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name=DEFAULT_TASK_BACKEND_ALIAS,
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )
    loop.backoff = Backoff(first=0.05, cap=0.05)  # the test need not wait the real pauses
    return loop


def outcome_of(name: str) -> DBTaskResult:
    return DBTaskResult.objects.get(task_path=f"tests.worker_tasks.{name}")


# The task loop


def test_a_database_error_of_the_task_itself_fails_it_once_and_the_queue_goes_on(
    transactional_db, fresh_outage, caplog
):
    caplog.set_level(logging.INFO)
    statement_refused.enqueue()  # too many SQL variables, or a statement timeout
    done.enqueue()
    task_loop().run()  # --batch: returns once the queue is empty
    refused = outcome_of("statement_refused")
    assert refused.status == FAILED and len(refused.worker_ids) == 1  # run once
    assert refused.exception_class_path == "django.db.utils.OperationalError"
    assert outcome_of("done").status == SUCCESSFUL
    tracebacks = [r for r in caplog.records if r.exc_info]
    assert len(tracebacks) == 1
    assert "too many SQL variables" in caplog.text or "statement timeout" in caplog.text
    assert OUTAGE not in caplog.text and "back in the queue" not in caplog.text


def test_a_task_the_database_cuts_short_runs_again_five_times_at_most(
    transactional_db, fresh_outage, caplog, tmp_path
):
    caplog.set_level(logging.INFO)
    always, once = tmp_path / "always", tmp_path / "once"
    meets_a_lock.enqueue(str(always), 99)
    meets_a_lock.using(priority=-1).enqueue(str(once), 1)
    task_loop().run()
    assert always.read_text().count("run") == MAX_RUNS == 5
    assert once.read_text().count("run") == 2
    given_up, run_again = DBTaskResult.objects.order_by("-priority")
    assert given_up.status == FAILED
    assert given_up.exception_class_path == "vocloop.server.requeue.TaskCutShort"
    assert "cut short 5 times, the last by OperationalError: " in given_up.traceback
    assert run_again.status == SUCCESSFUL
    assert caplog.text.count("back in the queue") == 4 + 1
    assert caplog.text.count("cut short 5 times, the last by OperationalError") == 1
    # The database answered between the runs: a lock one task keeps meeting is no outage.
    assert OUTAGE not in caplog.text
    assert not [r for r in caplog.records if r.exc_info]


def claimed(by: list[str]) -> DBTaskResult:
    """A task running under the last of `by`, after runs by the others."""
    task = DBTaskResult.objects.get(pk=done.enqueue().id)
    task.worker_ids = by[:-1]
    task.claim(by[-1])
    return task


def abandoned_now() -> list[tuple[Any, Requeued]]:
    """What this worker puts back in the queue, or fails, of the tasks left running."""
    abandoned = tasks_abandoned_requeue(
        backend_name=DEFAULT_TASK_BACKEND_ALIAS, worker_id="this-worker"
    )
    return [(task.pk, outcome) for task, outcome in abandoned]


def test_tasks_left_running_go_back_to_the_queue_only_once_their_worker_is_gone(
    db, clock: Clock, settings
):
    settings.WORKER_STALE_AFTER = dt.timedelta(minutes=5)

    def seen(worker_id: str, ago: dt.timedelta) -> None:
        WorkerHeartbeat.objects.create(
            host="worker-1",
            pid=4242,
            worker_id=worker_id,
            started_at=clock.now - dt.timedelta(days=1),
            last_seen_at=clock.now - ago,
        )

    seen("beating", dt.timedelta(seconds=20))
    seen("stopped", dt.timedelta(minutes=6))
    beating = claimed(["beating"])
    stopped = claimed(["stopped"])
    forgotten = claimed(["gone-a-week"])  # its heartbeat cleared long ago
    worn = claimed(["stopped-1", "stopped-2", "stopped-3", "stopped-4", "stopped"])
    mine = claimed(["this-worker"])
    assert dict(abandoned_now()) == {
        stopped.pk: Requeued.QUEUED,
        forgotten.pk: Requeued.QUEUED,
        worn.pk: Requeued.FAILED,
    }
    statuses = dict(DBTaskResult.objects.values_list("pk", "status"))
    assert statuses[beating.pk] == statuses[mine.pk] == TaskResultStatus.RUNNING
    assert statuses[stopped.pk] == statuses[forgotten.pk] == TaskResultStatus.READY
    assert statuses[worn.pk] == FAILED

    # A worker of a version that recorded no id may be running a task of a worker
    # nobody knows: it stays until that worker is gone too.
    seen("", dt.timedelta(seconds=10))
    unknown = claimed(["unknown"])
    assert abandoned_now() == []
    WorkerHeartbeat.objects.filter(worker_id="").update(
        last_seen_at=clock.now - dt.timedelta(hours=1)
    )
    assert abandoned_now() == [(unknown.pk, Requeued.QUEUED)]


@contextmanager
def task_queue_locked(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Another connection holds a lock that the task loop's claim cannot pass."""
    if connection.vendor == "postgresql":
        # A claim waits for a table lock for ever, unless told not to.
        monkeypatch.setitem(connection.settings_dict["OPTIONS"], "options", "-c lock_timeout=100")
    holder = connections.create_connection("default")
    with holder.cursor() as cursor:
        if holder.vendor == "sqlite":
            cursor.execute("BEGIN IMMEDIATE")
        else:
            cursor.execute("BEGIN")
            cursor.execute(f"LOCK TABLE {DBTaskResult._meta.db_table} IN EXCLUSIVE MODE")
    try:
        yield
    finally:
        with holder.cursor() as cursor:
            cursor.execute("ROLLBACK")
        holder.close()


def test_a_task_loop_that_cannot_take_tasks_lets_the_heartbeat_lapse_until_it_can(
    transactional_db, fresh_outage, client, settings, monkeypatch
):
    settings.WORKER_STALE_AFTER = dt.timedelta(seconds=1)
    health_module.recent.clear()
    loop = task_loop()
    loop.heartbeat.beat()
    first_seen = WorkerHeartbeat.objects.get().last_seen_at
    done.enqueue()

    def run() -> None:
        try:
            loop.run()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    try:
        with task_queue_locked(monkeypatch):
            thread.start()
            until(lambda: loop.heartbeat.held, "the task loop to fail twice in a row")
            loop.heartbeat.beat()  # as the heartbeat's own thread does every 30 s
            time.sleep(1.1)
            assert WorkerHeartbeat.objects.get().last_seen_at == first_seen
            response = client.get(reverse("health"))
            assert response.status_code == 503
            assert response.json()["problems"][0].startswith("the worker was last seen")
    finally:
        if thread.ident is not None:
            thread.join(timeout=30)
    assert not thread.is_alive()
    assert outcome_of("done").status == SUCCESSFUL
    assert WorkerHeartbeat.objects.get().last_seen_at > first_seen  # beating again


# The periodic jobs


def test_a_job_that_keeps_failing_logs_its_traceback_once_and_goes_on(caplog, fresh_outage):
    runs: list[int] = []

    def sweep() -> str:
        runs.append(1)
        if len(runs) <= 3:
            raise ValueError("a bug in the sweep")
        return "swept 1"

    reported: list[str] = []
    job = Job("sweep", 0, sweep)
    thread = Periodic([job], report=reported.append)
    for _ in range(4):
        thread.run_due()
    assert len(runs) == 4
    tracebacks = [r for r in caplog.records if r.exc_info]
    assert len(tracebacks) == 1 and "sweep failed" in tracebacks[0].getMessage()
    assert "vocloop worker: sweep works again" in caplog.text
    assert reported == ["sweep: swept 1"]


def failing(times: int, error: Exception) -> Callable[[], str]:
    left = [times]

    def job() -> str:
        if left[0]:
            left[0] -= 1
            raise error
        return ""

    return job


def test_jobs_that_lose_the_database_say_so_once_between_them_and_try_again_sooner(
    caplog, fresh_outage
):
    locked = OperationalError("database is locked")
    jobs = [Job("sweep", 60, failing(2, locked)), Job("deliver", 60, failing(3, locked))]
    thread = Periodic(jobs)
    waits = []
    for _ in range(4):
        for job in jobs:
            job.next_at = 0  # the test does not wait for the pauses
        thread.run_due()
        waits.append(round(jobs[1].next_at - time.monotonic()))
    assert waits == [1, 2, 4, 60]  # growing pauses while it fails, then its own interval
    assert caplog.text.count(OUTAGE) == 1
    assert "the database is unavailable (OperationalError: database is locked)" in caplog.text
    assert caplog.text.count("the database is available again") == 1
    assert not [r for r in caplog.records if r.exc_info]


def test_a_lock_that_passes_by_the_first_try_again_goes_unsaid(caplog, fresh_outage):
    jobs = [Job("sweep", 60, failing(1, OperationalError("database is locked")))]
    thread = Periodic(jobs)
    generation = fresh_outage.generation
    thread.run_due()
    jobs[0].next_at = 0
    thread.run_due()
    assert jobs[0].next_at - time.monotonic() > 50  # done: back to its own interval
    assert "database" not in caplog.text
    assert fresh_outage.generation == generation  # no other thread reconnects for it


def test_a_failing_escalation_sweep_does_not_stop_counting_missed_deadlines(
    transactional_db, org: Org, clock: Clock, fresh_outage, caplog
):
    sla_defaults.create(apps, None)  # a data migration's, which a transactional test flushes
    clock.to(utc(2026, 3, 2, 9, 0))  # Monday, 09:00: the working day begins
    give_feedback(org.helpdesk, score=2)  # a case for Support, whose lead is escalated to
    clock.to(utc(2026, 3, 3, 8, 0))  # past its acknowledge deadline, nothing done
    options = {"tasks_only": False, "sweep_interval": 60, "deliver_interval": 5}
    jobs = {job.name: job for job in periodic_jobs(Heartbeat(worker_id="w"), options)}
    reported: list[str] = []
    sweeps = [Periodic([jobs[name]], report=reported.append) for name in jobs]
    with connection.cursor() as cursor:  # a fault of the sweep's own, as long as it lasts
        cursor.execute("ALTER TABLE slas_escalation RENAME TO slas_escalation_away")
    try:
        for sweep in sweeps[1:3]:
            sweep.run_due()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE slas_escalation_away RENAME TO slas_escalation")
    assert [job.name for job in jobs.values()][1:3] == ["escalation sweep", "deadlines passed"]
    assert "escalation sweep failed" in caplog.text
    assert reported == ["deadlines passed: counted 1 case past a deadline in SLA compliance"]
    assert sum(r.acknowledge_deadlines for r in CaseRollup.objects.all()) == 1
    jobs["escalation sweep"].next_at = 0
    sweeps[1].run_due()
    assert "escalation sweep works again" in caplog.text
    assert reported[-1] == "escalation sweep: escalated 1 breached deadline"
    assert Case.objects.get().escalations.count() == 1


@pytest.mark.django_db
def test_the_drivers_own_errors_are_waited_for_as_djangos_are() -> None:
    # Read row by row from a server-side cursor, psycopg's errors reach the worker
    # unwrapped by Django: a lock or a lost connection is still the database away.
    driver: Any = getattr(connection, "Database")  # noqa: B009
    assert database_waiting(driver.OperationalError("database is locked"))
    assert not database_waiting(ValueError("database is locked"))
