"""A `vocloop serve` killed (SIGKILL) while integrations send it feedback, and started again:
the clients retry every request that got no answer with its Idempotency-Key, and in the
end every feedback acknowledged is stored once, under the reference it was acknowledged
with, nothing is stored twice, and the rollups agree with the raw rows.

A real server on the run's database: a SQLite file of its own in the SQLite run (killed
with its write-ahead log open), the test's PostgreSQL database in the PostgreSQL run.
"""

from __future__ import annotations

import http.client
import json
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.db import connection

from tests.busy_database import postgres_url
from tests.busy_server import Browser, seed, start_server
from tests.test_server_commands import free_port, stop
from tests.test_worker_outages import VOCLOOP, environment, migrated, until

# Real processes: a minute or more on a busy machine, longer than the suite's timeout.
pytestmark = pytest.mark.timeout(600)

CLIENTS = 4
REQUESTS = 25  # by each client
# The server is killed once this many requests have been answered, the rest in flight
# or still to send.
KILLED_AFTER = CLIENTS * REQUESTS // 3
# How long a client keeps trying one request: the server is down only while it restarts.
GIVE_UP_AFTER = 120

# In the server's database once it has stopped: for every key sent, the references of the
# feedback stored with its comment and the answers kept for the key; the rollups checked
# against a rebuild from the raw rows (tests/test_rollups.py).
STORED = """
import json, os
from tests.test_rollups import assert_rebuild_agrees
from vocloop.listening.models import Feedback, IdempotencyRecord

sent = json.loads(os.environ["CRASH_SENT"])
found = {
    key: {
        "references": list(
            Feedback.objects.filter(comment=comment).values_list("reference", flat=True)
        ),
        "answers": list(
            IdempotencyRecord.objects.filter(key=key).values_list("status_code", flat=True)
        ),
    }
    for key, comment in sent.items()
}
marked = Feedback.objects.filter(comment__startswith="Crash test:").count()
assert_rebuild_agrees()
print("stored:", json.dumps({"found": found, "marked": marked}))
"""


def feedback(client: int, number: int) -> dict[str, object]:
    """A poor score (a case opened or joined) every third request, a good one otherwise."""
    return {
        "touchpoint": "desk",
        "customer": {"external_id": f"crash-client-{client}", "name": f"Client {client}"},
        "score_type": "nps",
        "score": 2 if number % 3 == 0 else 9,
        "comment": f"Crash test: client {'ABCD'[client]} request {number:02d}.",
    }


@dataclass
class Clients:
    """Integrations sending feedback, each request until it gets an answer."""

    base: str
    secret: str
    answered: int = 0
    # Idempotency-Key → the body sent with it, and the reference it was acknowledged with.
    sent: dict[str, dict[str, object]] = field(default_factory=dict)
    acknowledged: dict[str, str] = field(default_factory=dict)
    retried: int = 0
    problems: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def send_all(self, client: int) -> None:
        browser = Browser(self.base)
        for number in range(REQUESTS):
            key = f"crash-{client}-{number:02d}"
            body = feedback(client, number)
            with self.lock:
                self.sent[key] = body
            self.send(browser, key, body)

    def send(self, browser: Browser, key: str, body: dict[str, object]) -> None:
        deadline = time.monotonic() + GIVE_UP_AFTER
        while time.monotonic() < deadline:
            try:
                answer = browser.api("/feedback", self.secret, body, **{"Idempotency-Key": key})
            except (OSError, http.client.HTTPException):  # refused, reset, cut short
                answer = None
            if answer is not None and answer.status == 201:
                with self.lock:
                    self.acknowledged[key] = json.loads(answer.body)["reference"]
                    self.answered += 1
                return
            if answer is not None and answer.status != 503:  # 503: nothing stored, try again
                with self.lock:
                    self.problems.append(f"{key}: {answer.status} {answer.body}")
                return
            with self.lock:
                self.retried += 1
            time.sleep(0.2)
        with self.lock:
            self.problems.append(f"{key}: no answer in {GIVE_UP_AFTER} s")


def server_environment(data: Path) -> dict[str, str]:
    if connection.vendor == "postgresql":
        return environment(data, database_url=postgres_url())
    return migrated(data)


# transaction=True: in the PostgreSQL run the server writes to the test's database, which
# must be emptied after it rather than rolled back.
@pytest.mark.django_db(transaction=True)
def test_feedback_acknowledged_before_a_kill_is_kept_once_and_retries_store_nothing_twice(
    tmp_path,
):
    env = server_environment(tmp_path)
    secret = seed(env)[2]
    port = free_port()
    server = start_server(env, tmp_path / "serve.log", port=port)
    clients = Clients(f"http://127.0.0.1:{port}", secret)
    threads = [
        threading.Thread(target=clients.send_all, args=(c,), daemon=True) for c in range(CLIENTS)
    ]
    try:
        for thread in threads:
            thread.start()
        until(lambda: clients.answered >= KILLED_AFTER, "the first answers", timeout=120)
        server.send_signal(signal.SIGKILL)
        server.wait()
        answered_before_the_kill = clients.answered
        server = start_server(env, tmp_path / "serve-again.log", port=port)
        for thread in threads:
            thread.join(timeout=GIVE_UP_AFTER + 60)
    finally:
        stop(server)
    assert clients.problems == []
    assert answered_before_the_kill < CLIENTS * REQUESTS  # the kill came mid-stream
    assert clients.retried > 0  # and cut requests short
    assert len(clients.acknowledged) == len(clients.sent) == CLIENTS * REQUESTS

    comments = {key: body["comment"] for key, body in clients.sent.items()}
    done = subprocess.run(
        [*VOCLOOP, "shell", "-c", STORED],
        env={**env, "CRASH_SENT": json.dumps(comments)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    [line] = [line for line in done.stdout.splitlines() if line.startswith("stored:")]
    stored = json.loads(line.removeprefix("stored:"))
    for key, reference in clients.acknowledged.items():
        assert stored["found"][key] == {"references": [reference], "answers": [201]}, key
    assert stored["marked"] == CLIENTS * REQUESTS
