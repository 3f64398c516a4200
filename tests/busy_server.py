"""A real `vocloop serve` on a SQLite file whose write lock another connection can hold past
the busy timeout (tests/test_worker_outages.write_lock), as `vocloop imports undo` of a
large import holds it; and a client that keeps cookies and CSRF tokens as a browser does."""

from __future__ import annotations

import http.cookiejar
import json
import re
import sqlite3
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.test_server_commands import free_port, stop
from tests.test_worker_outages import VOCLOOP, migrated, until

# Seconds a writer waits for the lock before giving up: long enough to tell it from
# the second a page read waits before it leaves its session unsaved.
SQLITE_TIMEOUT = 3

SEED = """
from tests.conftest import make_user
from tests.helpers import give_feedback
from vocloop.accounts.models import Team
from tests.api_client import token_secret
from vocloop.listening.models import Touchpoint

agent = make_user("sam_agent")
team = Team.objects.create(name="Desk", slug="desk")
team.members.add(agent)
desk = Touchpoint.objects.create(name="Desk", slug="desk", stage="support", owning_team=team)
feedback = give_feedback(desk, kind="complaint", score=None, comment="The app crashes.")
print("seeded:", feedback.tracking_token, feedback.case.reference, token_secret("crm"),
      token_secret("reader"))
"""


@dataclass
class Served:
    base: str
    database: Path
    log: Path
    tracking_token: str
    case_reference: str
    api_secret: str
    reader_secret: str


def start_server(
    env: dict[str, str], log: Path, *, port: int, threads: int = 4
) -> subprocess.Popen[bytes]:
    """`vocloop serve` on `port`, its output in `log`, once it listens."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*VOCLOOP, "serve", "--port", str(port), "--threads", str(threads)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        until(lambda: "vocloop is serving" in log.read_text(), "vocloop serve to listen")
    except BaseException:
        stop(process)
        raise
    return process


@contextmanager
def serving(env: dict[str, str], log: Path, *, threads: int = 4) -> Iterator[str]:
    """`vocloop serve` on a free port, its output in `log`, until it listens; its address."""
    port = free_port()
    process = start_server(env, log, port=port, threads=threads)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(process)


def seed(env: dict[str, str]) -> list[str]:
    """SEED run in the database of `env`: the tracking token and reference of its complaint
    and the secrets of its two API tokens."""
    seeded = subprocess.run(
        [*VOCLOOP, "shell", "-c", SEED], env=env, capture_output=True, text=True, timeout=120
    )
    assert seeded.returncode == 0, seeded.stderr
    [line] = [line for line in seeded.stdout.splitlines() if line.startswith("seeded:")]
    return line.split()[1:]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    data = tmp_path_factory.mktemp("busy-server")
    env = migrated(data, VOCLOOP_SQLITE_TIMEOUT=str(SQLITE_TIMEOUT))
    token, reference, secret, reader = seed(env)
    log = data / "serve.log"
    with serving(env, log) as base:
        yield Served(base, data / "vocloop.sqlite3", log, token, reference, secret, reader)


@dataclass
class Answer:
    status: int
    body: str
    headers: Any
    seconds: float


class Browser:
    """Cookies and CSRF tokens kept as a browser keeps them; redirects not followed."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), NoRedirects()
        )

    def open(self, path: str, data: bytes | None = None, **headers: str) -> Answer:
        request = urllib.request.Request(self.base + path, data=data, headers=headers)
        began = time.monotonic()
        try:
            with self.opener.open(request, timeout=60) as response:
                status, body, found = response.status, response.read(), response.headers
        except urllib.error.HTTPError as error:
            status, body, found = error.code, error.read(), error.headers
        return Answer(status, body.decode(), found, time.monotonic() - began)

    def get(self, path: str) -> Answer:
        return self.open(path)

    def post(self, path: str, form: dict[str, str], *, token_from: str | None = None) -> Answer:
        """POST the form with the CSRF token of the page at `token_from` (`path` itself)."""
        page = self.get(token_from or path).body
        [csrf] = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[:1]
        data = urllib.parse.urlencode({"csrfmiddlewaretoken": csrf, **form}).encode()
        return self.open(path, data, **{"Content-Type": "application/x-www-form-urlencoded"})

    def api(self, path: str, secret: str, body: Any = None, **headers: str) -> Answer:
        data = None if body is None else json.dumps(body).encode()
        auth = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}
        return self.open(f"/api/v1{path}", data, **auth, **headers)


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def stored(database: Path, sql: str, *args: Any) -> int:
    with sqlite3.connect(database) as db:
        return int(db.execute(sql, args).fetchone()[0])


def feedback_saying(served: Served, comment: str) -> int:
    return stored(
        served.database, "SELECT count(*) FROM listening_feedback WHERE comment = ?", comment
    )


def busy_lines(served: Served, path: str) -> list[str]:
    """The server's log lines about `path`; never a traceback, nor Django's own 5xx line."""
    log = served.log.read_text()
    assert "Traceback" not in log
    assert "Service Unavailable" not in log and "Internal Server Error" not in log
    return [line for line in log.splitlines() if f" {path}:" in line]
