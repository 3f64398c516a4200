"""The worker outlasts the database going away, and a bug in one task does not stop it.

Real `vocloop worker` processes: a real SQLite file whose write lock another
connection holds past the busy timeout, the real PostgreSQL server restarted under
a running worker, and an SMTP server (aiosmtpd) on 127.0.0.1 that an email queued
around the outage must reach.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection, connections

from tests.notification_receivers import smtp_server
from tests.test_server_commands import stop

VOCLOOP = [sys.executable, "-m", "vocloop"]
ROOT = Path(__file__).resolve().parent.parent
OUTAGE = "the database is unavailable"

GIVE_FEEDBACK = """
from vocloop.accounts.models import Team
from vocloop.customers.models import Customer
from vocloop.listening.models import Touchpoint
from tests.helpers import give_feedback

team, _ = Team.objects.get_or_create(slug="desk", defaults={"name": "Desk"})
desk, _ = Touchpoint.objects.get_or_create(
    slug="desk", defaults={"name": "Desk", "stage": "support", "owning_team": team}
)
customer = Customer.objects.create(name="Jo", email="jo@example.com")
print(give_feedback(desk, customer=customer, score=9, comment="Quick and kind.").reference)
"""


def environment(data_dir: Path, *, database_url: str = "", **extra: str) -> dict[str, str]:
    # The project root too, so that `vocloop shell` and the worker import tests.*.
    paths = [str(ROOT), os.environ.get("PYTHONPATH", "")]
    return {
        **os.environ,
        "VOCLOOP_DATA_DIR": str(data_dir),
        "VOCLOOP_DATABASE_URL": database_url,
        "PYTHONPATH": os.pathsep.join(p for p in paths if p),
        **extra,
    }


def vocloop(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([*VOCLOOP, *args], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def until(condition: Callable[[], object], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.1)


@contextmanager
def running_worker(env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        worker = subprocess.Popen(
            [*VOCLOOP, "worker", "--interval", "0.2", "--deliver-interval", "1"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        yield worker
    finally:
        stop(worker, timeout=30)


def emailed(collector: object, address: str) -> bool:
    return any(message["To"] == address for message in collector.messages)  # type: ignore[attr-defined]


def sqlite_heartbeats(database: Path) -> int:
    with sqlite3.connect(database) as db:
        return int(db.execute("SELECT count(*) FROM server_workerheartbeat").fetchone()[0])


def test_the_worker_outlasts_a_write_lock_held_past_the_busy_timeout(tmp_path):
    with smtp_server() as (port, smtp):
        env = environment(
            tmp_path,
            VOCLOOP_SQLITE_TIMEOUT="1",
            VOCLOOP_EMAIL_URL=f"smtp://127.0.0.1:{port}",
        )
        vocloop(env, "migrate", "--no-input", "-v0")
        database = tmp_path / "vocloop.sqlite3"
        log = tmp_path / "worker.log"
        with running_worker(env, log) as worker:
            until(lambda: sqlite_heartbeats(database), "the worker's first heartbeat")
            lock = sqlite3.connect(database, isolation_level=None)
            lock.execute("BEGIN IMMEDIATE")  # as a large import holds it
            # Feedback given meanwhile waits for the lock (a patient writer), then commits.
            giving = subprocess.Popen(
                [*VOCLOOP, "shell", "-c", GIVE_FEEDBACK],
                env={**env, "VOCLOOP_SQLITE_TIMEOUT": "120"},
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            until(lambda: OUTAGE in log.read_text(), "the worker to meet the lock")
            time.sleep(3)  # three more busy timeouts: every write of the worker is refused
            assert worker.poll() is None
            lock.execute("ROLLBACK")
            lock.close()
            _, errors = giving.communicate(timeout=120)
            assert giving.returncode == 0, errors
            until(lambda: emailed(smtp, "jo@example.com"), "the receipt to be delivered")
            until(lambda: "available again" in log.read_text(), "the worker to say so")
            assert worker.poll() is None
    output = log.read_text()
    assert output.count(OUTAGE) == 1, output
    assert f"{OUTAGE} (OperationalError: database is locked)" in output
    assert "Traceback" not in output


@pytest.fixture
def postgres_database() -> Iterator[str]:
    """A database of its own on the test run's PostgreSQL server; the URL to it."""
    if connection.vendor != "postgresql":
        pytest.skip("restarts the PostgreSQL server: runs in the suite's PostgreSQL run")
    import psycopg

    settings = connection.settings_dict
    user, password = settings["USER"] or "postgres", settings["PASSWORD"]
    server = f"{quote(user)}{':' + quote(password) if password else ''}@{settings['HOST']}"
    server += f":{settings['PORT'] or 5432}"
    name = f"{settings['NAME']}_outage"
    with psycopg.connect(f"postgresql://{server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql://{server}/{name}"
    finally:
        # The run's own connections died with the restart: opened afresh on next use.
        connections.close_all()
        until(lambda: accepts(f"postgresql://{server}/postgres"), "PostgreSQL", timeout=120)
        with psycopg.connect(f"postgresql://{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def accepts(url: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=2) as db:
            db.execute("SELECT 1")
    except psycopg.Error:
        return False
    return True


def postgres_heartbeats(url: str) -> int:
    import psycopg

    with psycopg.connect(url) as db:
        row = db.execute("SELECT count(*) FROM server_workerheartbeat").fetchone()
    return int(row[0]) if row else 0


def restart_postgresql() -> None:
    clusters = sorted(os.listdir("/etc/postgresql")) if os.path.isdir("/etc/postgresql") else []
    if len(clusters) != 1 or os.geteuid() != 0:
        pytest.skip("needs root and the one Debian PostgreSQL cluster to restart")
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", clusters[0], "main", "restart"],
        check=True,
        capture_output=True,
        timeout=120,
    )


def test_the_worker_outlasts_a_postgresql_restart(tmp_path, postgres_database):
    with smtp_server() as (port, smtp):
        env = environment(
            tmp_path,
            database_url=postgres_database,
            VOCLOOP_EMAIL_URL=f"smtp://127.0.0.1:{port}",
        )
        vocloop(env, "migrate", "--no-input", "-v0")
        log = tmp_path / "worker.log"
        with running_worker(env, log) as worker:
            until(lambda: postgres_heartbeats(postgres_database), "the worker's first heartbeat")
            restart_postgresql()
            until(lambda: accepts(postgres_database), "PostgreSQL to accept connections again")
            until(lambda: OUTAGE in log.read_text(), "the worker to meet the restart")
            assert worker.poll() is None
            vocloop(env, "shell", "-c", GIVE_FEEDBACK)  # queued after the restart
            until(lambda: emailed(smtp, "jo@example.com"), "the receipt to be delivered")
            assert worker.poll() is None
    output = log.read_text()
    assert output.count(OUTAGE) == 1, output
    assert "Traceback" not in output


QUEUE_TASKS = """
from tests.worker_tasks import broken, locked_the_first_time
broken.enqueue()
locked_the_first_time.enqueue({marker!r})
"""

TASK_OUTCOMES = """
from django_tasks_db.models import DBTaskResult
for row in DBTaskResult.objects.order_by("task_path"):
    print(row.task_path.rsplit(".", 1)[1], row.status)
"""


def test_a_bug_in_a_task_is_told_once_and_a_lost_database_runs_the_task_again(tmp_path):
    env = environment(tmp_path)
    vocloop(env, "migrate", "--no-input", "-v0")
    marker = tmp_path / "tried"
    vocloop(env, "shell", "-c", QUEUE_TASKS.format(marker=str(marker)))
    done = vocloop(env, "worker", "--batch", "--tasks-only")
    output = done.stdout + done.stderr
    # The bug: failed, with its traceback, once; the worker went on to the next task.
    assert output.count("Traceback") == 1 and "ValueError: a bug in a task" in output
    # The database "went away" under the other: no traceback, back in the queue, run again.
    assert marker.exists() and output.count(OUTAGE) == 1
    outcomes = vocloop(env, "shell", "-c", TASK_OUTCOMES).stdout.split("\n")
    assert "broken FAILED" in outcomes and "locked_the_first_time SUCCESSFUL" in outcomes
