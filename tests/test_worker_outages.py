"""The worker outlasts the database going away, and a bug in one task does not stop it.

Real `vocloop worker` processes: a real SQLite file whose write lock another
connection holds, briefly or past the busy timeout; a PostgreSQL server of the
test's own, stopped and started again under a running worker; an SMTP server
(aiosmtpd) on 127.0.0.1 that an email queued around the outage must reach; and
workers stopped (SIGTERM) or killed (SIGKILL) with a task in hand.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection

from tests.notification_receivers import smtp_server
from tests.run_files import copy_migrated
from tests.test_server_commands import free_port, stop

# Real processes: a minute or more on a busy machine, longer than the suite's timeout.
pytestmark = pytest.mark.timeout(600)

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


def migrated(data_dir: Path, *, database_url: str = "", **extra: str) -> dict[str, str]:
    """The environment of a fresh, migrated database."""
    env = environment(data_dir, database_url=database_url, **extra)
    if database_url:
        vocloop(env, "migrate", "--no-input", "-v0")
    else:
        copy_migrated(data_dir)
    return env


def until(condition: Callable[[], object], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.1)


@contextmanager
def running_worker(
    env: dict[str, str], log: Path, *options: str
) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        worker = subprocess.Popen(
            [*VOCLOOP, "worker", "--interval", "0.2", "--deliver-interval", "1", *options],
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


@contextmanager
def write_lock(database: Path) -> Iterator[None]:
    """SQLite's write lock, held by another connection as a large import holds it."""
    lock = sqlite3.connect(database, isolation_level=None)
    lock.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        lock.execute("ROLLBACK")
        lock.close()


# Alone: a second outage is real if the patient writer, starved of CPU, holds the lock
# past the worker's one-second busy timeout once it has it.
@pytest.mark.serial
def test_the_worker_outlasts_a_write_lock_held_past_the_busy_timeout(tmp_path):
    with smtp_server() as (port, smtp):
        env = migrated(
            tmp_path,
            VOCLOOP_SQLITE_TIMEOUT="1",
            VOCLOOP_EMAIL_URL=f"smtp://127.0.0.1:{port}",
        )
        database = tmp_path / "vocloop.sqlite3"
        log = tmp_path / "worker.log"
        with running_worker(env, log) as worker:
            until(lambda: sqlite_heartbeats(database), "the worker's first heartbeat")
            with write_lock(database):
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
            _, errors = giving.communicate(timeout=120)
            assert giving.returncode == 0, errors
            until(lambda: emailed(smtp, "jo@example.com"), "the receipt to be delivered")
            until(lambda: "available again" in log.read_text(), "the worker to say so")
            assert worker.poll() is None
    output = log.read_text()
    assert output.count(OUTAGE) == 1, output
    assert f"{OUTAGE} (OperationalError: database is locked)" in output
    assert output.count("available again") == 1
    assert "Traceback" not in output


def test_a_lock_of_a_second_or_two_is_ridden_out_without_a_word(tmp_path):
    env = migrated(tmp_path, VOCLOOP_SQLITE_TIMEOUT="1")
    database = tmp_path / "vocloop.sqlite3"
    log = tmp_path / "worker.log"
    with running_worker(env, log) as worker:
        until(lambda: sqlite_heartbeats(database), "the worker's first heartbeat")
        # Past the busy timeout of the worker's claims (one every 0.2 s): each refused
        # once, and taken at the first try after that.
        with write_lock(database):
            time.sleep(1.5)
        time.sleep(3)  # long enough to try again, and to say so if it were to
        assert worker.poll() is None
    output = log.read_text()
    assert "the database is" not in output, output
    assert "Traceback" not in output


def as_postgres(program: Path, *args: str, check: bool = True) -> None:
    subprocess.run(
        ["runuser", "-u", "postgres", "--", str(program), *args],
        check=check,
        capture_output=True,
        timeout=120,
    )


@dataclass
class PostgreSQLServer:
    """A PostgreSQL server of the test's own, so that stopping it stops nobody else's tests."""

    bin: Path
    data: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/vocloop"

    def stop(self, mode: str = "fast", *, check: bool = True) -> None:
        as_postgres(
            self.bin / "pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=check
        )

    def start(self) -> None:
        listen = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1"
        log = str(self.data / "log")
        as_postgres(
            self.bin / "pg_ctl", "-D", str(self.data), "-o", listen, "-l", log, "-w", "start"
        )


@pytest.fixture
def postgresql_server() -> Iterator[PostgreSQLServer]:
    if connection.vendor != "postgresql":
        pytest.skip("starts a PostgreSQL server: runs in the suite's PostgreSQL run")
    installed = Path("/usr/lib/postgresql")
    versions = sorted(os.listdir(installed)) if installed.is_dir() else []
    if not versions or os.geteuid() != 0 or not shutil.which("runuser"):
        why = "needs root and PostgreSQL's programs to start a server of its own"
        if os.environ.get("CI"):
            pytest.fail(f"{why}; CI must run it")
        pytest.skip(why)
    # Outside pytest's temporary directories, which the postgres user may not enter.
    data = Path(tempfile.mkdtemp(prefix="vocloop-postgresql-"))
    shutil.chown(data, "postgres", "postgres")
    server = PostgreSQLServer(installed / versions[-1] / "bin", data, free_port())
    try:
        as_postgres(server.bin / "initdb", "-D", str(data), "-A", "trust", "-U", "postgres", "-N")
        server.start()
        as_postgres(server.bin / "createdb", "-h", str(data), "-p", str(server.port), "vocloop")
        yield server
    finally:
        server.stop("immediate", check=False)
        shutil.rmtree(data, ignore_errors=True)


def postgres_heartbeats(url: str) -> int:
    import psycopg

    with psycopg.connect(url) as db:
        row = db.execute("SELECT count(*) FROM server_workerheartbeat").fetchone()
    return int(row[0]) if row else 0


@pytest.mark.every_database  # its own PostgreSQL server: in the PostgreSQL run
def test_the_worker_outlasts_postgresql_stopped_and_started_again(tmp_path, postgresql_server):
    with smtp_server() as (port, smtp):
        env = migrated(
            tmp_path,
            database_url=postgresql_server.url,
            VOCLOOP_EMAIL_URL=f"smtp://127.0.0.1:{port}",
        )
        log = tmp_path / "worker.log"
        with running_worker(env, log) as worker:
            until(lambda: postgres_heartbeats(postgresql_server.url), "the first heartbeat")
            postgresql_server.stop()
            until(lambda: OUTAGE in log.read_text(), "the worker to miss the database")
            postgresql_server.start()
            until(lambda: "available again" in log.read_text(), "the worker to say it is back")
            assert worker.poll() is None
            vocloop(env, "shell", "-c", GIVE_FEEDBACK)  # queued after the restart
            until(lambda: emailed(smtp, "jo@example.com"), "the receipt to be delivered")
            assert worker.poll() is None
    output = log.read_text()
    assert output.count(OUTAGE) == 1, output
    assert "Traceback" not in output


# Tasks the database cuts short, and workers stopped with a task in hand

QUEUE = """
from tests import worker_tasks
{calls}
"""

TASK_OUTCOMES = """
from django_tasks_db.models import DBTaskResult
for row in DBTaskResult.objects.order_by("task_path"):
    print("outcome:", row.task_path.rsplit(".", 1)[1], row.status)
"""


def queue(env: dict[str, str], *calls: str) -> None:
    vocloop(env, "shell", "-c", QUEUE.format(calls="\n".join(calls)))


def outcomes(env: dict[str, str]) -> list[str]:
    lines = vocloop(env, "shell", "-c", TASK_OUTCOMES).stdout.splitlines()
    return [line.removeprefix("outcome: ") for line in lines if line.startswith("outcome: ")]


def test_a_bug_in_a_task_is_told_once_and_a_task_cut_short_by_a_lock_runs_again(tmp_path):
    env = migrated(tmp_path, VOCLOOP_SQLITE_TIMEOUT="1")
    runs = tmp_path / "runs"
    queue(env, "worker_tasks.broken.enqueue()", f"worker_tasks.meets_a_lock.enqueue('{runs}', 1)")
    done = vocloop(env, "worker", "--batch", "--tasks-only")
    output = done.stdout + done.stderr
    # The bug: failed, with its traceback, once; the worker went on to the next task.
    assert output.count("Traceback") == 1 and "ValueError: a bug in a task" in output
    # The lock: no traceback, back in the queue, run again; passing at once, it goes unsaid.
    assert "cut short by OperationalError: database is locked - back in the queue" in output
    assert runs.read_text().count("run") == 2
    assert OUTAGE not in output
    assert outcomes(env) == ["broken FAILED", "meets_a_lock SUCCESSFUL"]


def test_a_worker_stopped_while_it_waits_for_the_database_puts_its_task_back(tmp_path):
    env = migrated(tmp_path, VOCLOOP_SQLITE_TIMEOUT="1")
    started, release = tmp_path / "started", tmp_path / "release"
    queue(env, f"worker_tasks.waits_for.enqueue({str(started)!r}, {str(release)!r})")
    log = tmp_path / "worker.log"
    with running_worker(env, log, "--tasks-only") as worker:
        until(started.exists, "the task to start")
        with write_lock(tmp_path / "vocloop.sqlite3"):
            release.write_text("go")  # the task's write meets the lock: it is cut short
            until(lambda: OUTAGE in log.read_text(), "the worker to wait for the database")
            worker.send_signal(signal.SIGTERM)  # as a service manager stops it
            time.sleep(0.2)
        # The database answers again before the worker's last try to put the task back.
        worker.wait(timeout=30)
    output = log.read_text()
    assert worker.returncode == 0, output
    assert "cut short by OperationalError: database is locked - back in the queue" in output
    assert outcomes(env) == ["waits_for READY"]
    vocloop(env, "worker", "--batch", "--tasks-only")
    assert outcomes(env) == ["waits_for SUCCESSFUL"]


def test_a_task_left_running_by_a_killed_worker_runs_again_once_that_worker_is_gone(tmp_path):
    env = migrated(tmp_path)
    started, release = tmp_path / "started", tmp_path / "release"
    queue(env, f"worker_tasks.waits_for.enqueue({str(started)!r}, {str(release)!r})")
    with running_worker(env, tmp_path / "killed.log", "--tasks-only") as killed:
        until(started.exists, "the task to start")
        killed.kill()
        killed.wait()
    release.write_text("go")
    # A worker started at once: the killed one's heartbeat is recent, it might be
    # another machine's worker still running the task.
    second = vocloop(env, "worker", "--batch", "--tasks-only")
    assert "back in the queue" not in second.stdout + second.stderr
    assert outcomes(env) == ["waits_for RUNNING"]
    with sqlite3.connect(tmp_path / "vocloop.sqlite3") as db:  # five minutes on
        db.execute(
            "UPDATE server_workerheartbeat SET last_seen_at = datetime('now', '-6 minutes') "
            "WHERE pid = ?",
            (killed.pid,),
        )
    third = vocloop(env, "worker", "--batch", "--tasks-only")
    said = third.stdout + third.stderr
    assert "left running by a worker gone for 5 min - back in the queue" in said
    assert outcomes(env) == ["waits_for SUCCESSFUL"]
