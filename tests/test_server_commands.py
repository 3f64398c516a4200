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
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.run_files import copy_migrated

# Real processes: a minute or more on a busy machine, longer than the suite's timeout.
pytestmark = pytest.mark.timeout(600)

VOCLOOP = [sys.executable, "-m", "vocloop"]


@pytest.fixture(scope="module")
def environment(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A fresh, migrated SQLite data directory, whatever database the test run uses."""
    data_dir = tmp_path_factory.mktemp("vocloop-data")
    env = {**os.environ, "VOCLOOP_DATA_DIR": str(data_dir), "VOCLOOP_DATABASE_URL": ""}
    copy_migrated(data_dir)
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


@contextmanager
def serving(environment: dict[str, str]) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """`vocloop serve` on a free port, until it listens; stopped on leaving."""
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
        stop(process)


def stop(process: subprocess.Popen[Any], timeout: float = 10) -> None:
    """As a service manager stops it: SIGTERM, and SIGKILL if it has not ended in time."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def server(environment: dict[str, str]) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    with serving(environment) as served:
        yield served


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

lead = make_user({lead!r})
team = Team.objects.create(name={slug!r}, slug={slug!r}, lead=lead)
desk = Touchpoint.objects.create(name={slug!r}, slug={slug!r}, stage="support", owning_team=team)
case = give_feedback(desk, score=1).case
Case.objects.filter(pk=case.pk).update(acknowledge_by=timezone.now() - {late})
print(case.reference)
"""


def seed_a_breach(environment: dict[str, str], *, lead: str, slug: str, late: str) -> None:
    paths = [str(Path(__file__).resolve().parent.parent), environment.get("PYTHONPATH", "")]
    seeded = subprocess.run(
        [*VOCLOOP, "shell", "-c", SEED_A_BREACH.format(lead=lead, slug=slug, late=late)],
        env={**environment, "PYTHONPATH": os.pathsep.join(p for p in paths if p)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert seeded.returncode == 0, seeded.stderr


def test_the_worker_escalates_a_breached_case(environment):
    seed_a_breach(environment, lead="lena_lead", slug="desk", late="dt.timedelta(minutes=5)")
    result = subprocess.run(
        [*VOCLOOP, "worker", "--batch"], env=environment, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "escalation sweep: escalated 1 breached deadline" in result.stdout
    again = subprocess.run(
        [*VOCLOOP, "worker", "--batch"], env=environment, capture_output=True, text=True, timeout=60
    )
    assert "escalated" not in again.stdout  # the same breach is never escalated twice


def test_the_worker_records_an_old_breach_without_email_and_says_so_once(environment):
    seed_a_breach(environment, lead="leon_lead", slug="counter", late="dt.timedelta(days=3)")
    result = subprocess.run(
        [*VOCLOOP, "worker", "--batch"], env=environment, capture_output=True, text=True, timeout=60
    )
    said = "escalation sweep: recorded 1 escalation of a breach older than 24 h without email"
    assert said in result.stdout
    assert "escalated 1" not in result.stdout
    again = subprocess.run(
        [*VOCLOOP, "worker", "--batch"], env=environment, capture_output=True, text=True, timeout=60
    )
    assert "escalation sweep:" not in again.stdout
