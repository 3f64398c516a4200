"""Notifications leave through the Tasks queue as soon as their change commits.

Real processes, a real database file, a real webhook receiver on 127.0.0.1, and —
for the scale-out set-up — the real Redis on 127.0.0.1:6379 (database 15, or the one
VOCLOOP_TEST_REDIS_URL names: `make test` gives the PostgreSQL run another, since the two
runs go side by side).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from tests.run_files import copy_migrated, run_lock

# Real processes: a minute or more on a busy machine, longer than the suite's timeout.
pytestmark = pytest.mark.timeout(600)

VOCLOOP = [sys.executable, "-m", "vocloop"]
ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("VOCLOOP_TEST_REDIS_URL") or "redis://127.0.0.1:6379/15"


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[dict]]]:
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append(json.loads(body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", received
    server.shutdown()


def environment(tmp_path: Path, tasks_url: str) -> dict[str, str]:
    env = {
        **os.environ,
        "VOCLOOP_DATA_DIR": str(tmp_path),
        "VOCLOOP_DATABASE_URL": "",
        "VOCLOOP_TASKS_URL": tasks_url,
        "VOCLOOP_WEBHOOK_ALLOWED_HOSTS": "127.0.0.1",  # the test receiver's
        "PYTHONPATH": str(ROOT),
    }
    if tasks_url == "database":
        copy_migrated(tmp_path)
    else:  # with Redis, django-rq's tables too
        subprocess.run([*VOCLOOP, "migrate", "--no-input", "-v0"], env=env, check=True, timeout=120)
    return env


OPEN_A_CASE = """
from vocloop.accounts.models import Team
from vocloop.listening.models import Touchpoint
from vocloop.notifications.models import WebhookSubscription
from tests.helpers import give_feedback

WebhookSubscription.objects.create(name="crm", url={url!r}, events=["case.opened"])
team = Team.objects.create(name="Desk", slug="desk")
desk = Touchpoint.objects.create(name="Desk", slug="desk", stage="support", owning_team=team)
print(give_feedback(desk, score=1).case.reference)
"""


def open_a_case(env: dict[str, str], url: str) -> str:
    done = subprocess.run(
        [*VOCLOOP, "shell", "-c", OPEN_A_CASE.format(url=url)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def run_tasks(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [*VOCLOOP, "worker", "--batch", "--tasks-only"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def test_a_committed_change_queues_its_delivery_in_the_database(tmp_path, receiver):
    url, received = receiver
    env = environment(tmp_path, "database")
    reference = open_a_case(env, url)
    assert received == []  # queued, not sent inside the request
    worker = run_tasks(env)
    assert "in the database" in worker.stdout
    assert [(r["event"], r["data"]["case"]["reference"]) for r in received] == [
        ("case.opened", reference)
    ]


@pytest.fixture
def redis_db() -> Iterator[object]:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        if os.environ.get("CI"):
            pytest.fail("Redis is not reachable at 127.0.0.1:6379 and CI is set")
        pytest.skip("SKIPPED: no Redis at 127.0.0.1:6379 (CI unset)")
    with run_lock("redis"):  # the run's other test that empties the database waits
        client.flushdb()
        yield client
        client.flushdb()


def test_with_redis_the_queue_lives_in_redis_and_the_worker_runs_it(tmp_path, receiver, redis_db):
    url, received = receiver
    env = environment(tmp_path, REDIS_URL)
    reference = open_a_case(env, url)
    # Two tasks: delivering the case's notifications, and reading the feedback's comment.
    assert redis_db.llen("rq:queue:default") == 2  # type: ignore[attr-defined]
    assert received == []
    worker = run_tasks(env)
    assert "in Redis" in worker.stdout, worker.stdout + worker.stderr
    assert redis_db.llen("rq:queue:default") == 0  # type: ignore[attr-defined]
    assert [(r["event"], r["data"]["case"]["reference"]) for r in received] == [
        ("case.opened", reference)
    ]


def test_a_tasks_url_that_is_neither_database_nor_redis_is_refused(tmp_path):
    env = {**os.environ, "VOCLOOP_DATA_DIR": str(tmp_path), "VOCLOOP_TASKS_URL": "amqp://x"}
    done = subprocess.run([*VOCLOOP, "check"], env=env, capture_output=True, text=True)
    assert done.returncode == 2 and "VOCLOOP_TASKS_URL='amqp://x'" in done.stderr
