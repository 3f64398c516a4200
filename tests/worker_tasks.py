"""Tasks for the worker's tests, importable by a `vocloop worker` run with the project on its path.

No tests here: tests/test_worker_outages.py and tests/test_worker_loop.py queue these.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django_tasks import task

from vocloop.server.models import WorkerHeartbeat


@task()
def broken() -> None:
    raise ValueError("a bug in a task")


@task()
def done() -> str:
    return "done"


@task()
def statement_refused() -> None:
    """A statement the database refuses whenever it runs, although the database is fine."""
    if connection.vendor == "sqlite":
        raw = connection.connection
        assert raw is not None
        many = raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) + 1
        with connection.cursor() as cursor:  # "too many SQL variables"
            cursor.execute(f"SELECT 1 WHERE 1 IN ({', '.join(['%s'] * many)})", list(range(many)))
    else:
        with transaction.atomic(), connection.cursor() as cursor:  # "statement timeout"
            cursor.execute("SET LOCAL statement_timeout = '50ms'")
            cursor.execute("SELECT pg_sleep(1)")


@task()
def meets_a_lock(runs: str, times: int) -> str:
    """Meets a lock another connection holds on the first `times` runs; then succeeds.

    Each run adds a line to the file `runs`. The lock is SQLite's write lock (held
    past the busy timeout) or, on PostgreSQL, a table lock asked for without waiting.
    """
    log = Path(runs)
    before = log.read_text() if log.exists() else ""
    log.write_text(before + "run\n")
    if before.count("run") >= times:
        return "done"
    holder = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with holder.cursor() as cursor:
            if holder.vendor == "sqlite":
                cursor.execute("BEGIN IMMEDIATE")
            else:
                cursor.execute("BEGIN")
                cursor.execute("LOCK TABLE server_workerheartbeat IN EXCLUSIVE MODE")
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("LOCK TABLE server_workerheartbeat IN ROW EXCLUSIVE MODE NOWAIT")
            WorkerHeartbeat.objects.filter(pk=0).update(pid=0)
    finally:
        with holder.cursor() as cursor:
            cursor.execute("ROLLBACK")  # closing would not end it: Django keeps in-memory ones
        holder.close()
    return "not reached"


@task()
def waits_for(started: str, release: str) -> str:
    """Says it has started (the file `started`), then waits for the file `release` (a minute)."""
    Path(started).write_text("started")
    deadline = time.monotonic() + 60
    while not Path(release).exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    WorkerHeartbeat.objects.filter(pk=0).update(pid=0)  # a write, as most tasks end with
    return "done"
