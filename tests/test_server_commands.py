"""`vocloop serve` and `vocloop worker` run as real processes, the way an operator runs them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

VOCLOOP = [sys.executable, "-m", "vocloop"]


@pytest.fixture(scope="module")
def environment(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A fresh, migrated SQLite data directory, whatever database the test run uses."""
    data_dir = tmp_path_factory.mktemp("vocloop-data")
    env = {**os.environ, "VOCLOOP_DATA_DIR": str(data_dir), "VOCLOOP_DATABASE_URL": ""}
    subprocess.run([*VOCLOOP, "migrate", "--no-input", "-v0"], env=env, check=True, timeout=120)
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.fixture
def server(environment: dict[str, str]) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    port = free_port()
    process = subprocess.Popen(
        [*VOCLOOP, "serve", "--port", str(port), "--threads", "2"],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    try:
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    output = process.stdout.read() if process.stdout else ""
                    pytest.fail(f"vocloop serve did not start:\n{output}")
                time.sleep(0.1)
        yield base, process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_serve_answers_pages_and_static_files_and_says_where(server):
    base, process = server
    status, body = get(f"{base}/login/")
    assert status == 200
    assert b"<form" in body
    status, css = get(f"{base}/static/vocloop/vocloop.css")
    assert status == 200
    assert (
        css
        == Path(__file__).parents[1].joinpath("src/vocloop/static/vocloop/vocloop.css").read_bytes()
    )
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=10)
    assert process.returncode == 0
    assert f"vocloop is serving at {base}/" in output


def test_serve_refuses_a_port_already_taken(environment, server):
    base, _ = server
    port = base.rsplit(":", 1)[1]
    result = subprocess.run(
        [*VOCLOOP, "serve", "--port", port],
        env=environment,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode != 0
    assert f"Cannot listen on 127.0.0.1:{port}" in result.stderr


def test_worker_in_batch_mode_runs_what_is_queued_and_exits(environment):
    result = subprocess.run(
        [*VOCLOOP, "worker", "--batch"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "vocloop worker: queue default in the database; running the tasks waiting now" in (
        result.stdout
    )
    assert "No more tasks to run" in result.stdout + result.stderr


def test_worker_rejects_a_negative_interval(environment):
    result = subprocess.run(
        [*VOCLOOP, "worker", "--interval", "-1"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "--interval" in result.stderr


SEED_A_BREACH = """
import datetime as dt
from django.utils import timezone
from vocloop.accounts.models import Team
from vocloop.cases.models import Case
from vocloop.listening.models import Touchpoint
from tests.conftest import make_user
from tests.helpers import give_feedback

lead = make_user("lena_lead")
team = Team.objects.create(name="Desk", slug="desk", lead=lead)
desk = Touchpoint.objects.create(name="Desk", slug="desk", stage="support", owning_team=team)
case = give_feedback(desk, score=1).case
Case.objects.filter(pk=case.pk).update(acknowledge_by=timezone.now() - dt.timedelta(minutes=5))
print(case.reference)
"""


def test_the_worker_escalates_a_breached_case(environment):
    seeded = subprocess.run(
        [*VOCLOOP, "shell", "-c", SEED_A_BREACH],
        # The tests package beside whatever vocloop the run uses (a checkout's src/ too).
        env={
            **environment,
            "PYTHONPATH": os.pathsep.join(
                [str(Path(__file__).resolve().parent.parent), environment.get("PYTHONPATH", "")]
            ),
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert seeded.returncode == 0, seeded.stderr
    result = subprocess.run(
        [*VOCLOOP, "worker", "--batch"], env=environment, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "escalation sweep: escalated 1 breached deadline(s)" in result.stdout
    again = subprocess.run(
        [*VOCLOOP, "worker", "--batch"], env=environment, capture_output=True, text=True, timeout=60
    )
    assert "escalated" not in again.stdout  # the same breach is never escalated twice
