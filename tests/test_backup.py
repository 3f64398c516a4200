"""`vocloop backup` and `vocloop restore`, on SQLite and PostgreSQL.

A backup taken while an integration sends feedback holds every piece acknowledged
before it began; restored into a fresh data directory (or an empty PostgreSQL
database), vocloop serves figures equal to the raw rows and goes on counting. A
restore refuses, in words, what it cannot use: a file that is no backup, a backup
of a newer vocloop, a database in place that holds data (without --force).
"""

from __future__ import annotations

import json
import math
import os
import random
import shutil
import sqlite3
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import pytest
from django.db import connection

from tests.busy_server import SEED, Browser, serving
from tests.test_worker_outages import VOCLOOP, environment, migrated, until, vocloop

# Real servers and real copies: a minute or more on a busy machine.
pytestmark = pytest.mark.timeout(600)

DATABASE = "vocloop.sqlite3"


@dataclass
class Place:
    """A vocloop installation: its environment, naming its data directory and database."""

    env: dict[str, str]

    @property
    def data(self) -> Path:
        return Path(self.env["VOCLOOP_DATA_DIR"])

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        """The statement's rows, committed."""
        url = self.env["VOCLOOP_DATABASE_URL"]
        if not url:
            with closing(sqlite3.connect(self.data / DATABASE)) as db, db:
                return db.execute(sql).fetchall()
        with psycopg.connect(url) as db:
            cursor = db.execute(sql)
            return cursor.fetchall() if cursor.description else []

    def tables(self) -> set[str]:
        if self.env["VOCLOOP_DATABASE_URL"]:
            sql = "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        else:
            sql = "SELECT name FROM sqlite_master WHERE type = 'table'"
        return {name for (name,) in self.rows(sql)}


def installed(data: Path, database_url: str = "", *, migrate: bool = True) -> Place:
    """A new data directory, with a migrated database or none yet."""
    data.mkdir()
    if migrate:
        return Place(migrated(data, database_url=database_url))
    return Place(environment(data, database_url=database_url))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.every_database)])
def new_database(request: pytest.FixtureRequest) -> Iterator[Callable[[], str]]:
    """Makes an empty database of the test's kind: its URL, "" for SQLite (the file in
    the data directory)."""
    if request.param == "sqlite":
        yield lambda: ""
        return
    if connection.vendor != "postgresql":
        pytest.skip("makes PostgreSQL databases of its own: runs in the suite's PostgreSQL run")
    missing = [p for p in ("pg_dump", "pg_restore") if shutil.which(p) is None]
    if missing:
        verb = "is" if len(missing) == 1 else "are"
        why = f"{' and '.join(missing)} {verb} not installed (PostgreSQL's client programs)"
        if os.environ.get("CI"):
            pytest.fail(
                f"{why}, and CI is set: the PostgreSQL backup must be tested", pytrace=False
            )
        pytest.skip(why)
    settings = connection.settings_dict
    login = quote(settings["USER"] or "postgres")
    if settings["PASSWORD"]:
        login += ":" + quote(settings["PASSWORD"])
    server = f"postgresql://{login}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}"
    made: list[str] = []

    def make() -> str:
        name = f"vocloop_backup_{os.getpid()}_{len(made)}"
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name}")
            admin.execute(f"CREATE DATABASE {name}")
        made.append(name)
        return f"{server}/{name}"

    yield make
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        for name in made:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@dataclass
class Arrivals:
    """NPS answers sent through the API by a few clients at once, as an integration sends
    them, each retried with its idempotency key while the server answers 503 or 429:
    every answer acknowledged, with the moment its acknowledgement came."""

    base: str
    secret: str
    clients: int = 3
    acknowledged: list[tuple[float, str]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)

    def __enter__(self) -> Arrivals:
        self.threads = [
            threading.Thread(target=self.send, args=(random.Random(n),), daemon=True)
            for n in range(self.clients)
        ]
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=90)

    def send(self, rng: random.Random) -> None:
        browser = Browser(self.base)
        while not self.stopping.is_set():
            body = {"touchpoint": "desk", "score_type": "nps", "score": rng.randint(0, 10)}
            key = uuid.uuid4().hex
            deadline = time.monotonic() + 60
            answer = browser.api("/feedback", self.secret, body, **{"Idempotency-Key": key})
            while answer.status in (429, 503) and time.monotonic() < deadline:
                time.sleep(0.2)
                answer = browser.api("/feedback", self.secret, body, **{"Idempotency-Key": key})
            if answer.status == 201:
                self.acknowledged.append((time.monotonic(), json.loads(answer.body)["reference"]))
            else:
                self.failures.append(f"{answer.status}: {answer.body[:300]}")

    def references(self, since: float = -math.inf, before: float = math.inf) -> set[str]:
        return {ref for moment, ref in list(self.acknowledged) if since <= moment < before}


def seeded(place: Place) -> str:
    """The desk of busy_server's seed and an API token for it: the token's secret."""
    [line] = [
        line
        for line in vocloop(place.env, "shell", "-c", SEED).stdout.splitlines()
        if line.startswith("seeded:")
    ]
    return line.split()[3]


def nps(browser: Browser, secret: str) -> tuple[int, float]:
    """Today's NPS for the desk as the metrics API gives it, from the rollups: n, value."""
    answer = browser.api("/metrics/nps?touchpoint=desk", secret)
    assert answer.status == 200, answer.body
    [group] = json.loads(answer.body)["groups"]
    return group["n"], group["value"]


def nps_of(scores: list[int]) -> float:
    promoters = sum(s >= 9 for s in scores)
    detractors = sum(s <= 6 for s in scores)
    return 100 * (promoters - detractors) / len(scores)


def test_a_backup_taken_while_feedback_arrives_restores_all_acknowledged_before_it(
    tmp_path, new_database
):
    source = installed(tmp_path / "source", new_database())
    secret = seeded(source)
    backup = tmp_path / "backups" / "vocloop.backup"
    backup.parent.mkdir()
    with (
        serving(source.env, source.data / "serve.log") as base,
        Arrivals(base, secret) as arrivals,
    ):
        until(lambda: len(arrivals.acknowledged) >= 30, "feedback to arrive", timeout=120)
        began = time.monotonic()
        backed_up = vocloop(source.env, "backup", str(backup))
        ended = time.monotonic()
        until(lambda: arrivals.references(since=ended), "feedback after the backup")
    assert arrivals.failures == []
    before = arrivals.references(before=began)
    assert arrivals.references(since=began, before=ended), "nothing arrived during the backup"
    assert "feedback records:" in backed_up.stdout and "migrations:" in backed_up.stdout
    assert [p.name for p in backup.parent.iterdir()] == [backup.name]  # no part left over

    restored = installed(tmp_path / "restored", new_database(), migrate=False)
    done = vocloop(restored.env, "restore", str(backup))
    assert "Restored" in done.stdout and "vocloop migrate" not in done.stdout
    stored = {r for (r,) in restored.rows("SELECT reference FROM listening_feedback")}
    sent = {
        r
        for (r,) in restored.rows("SELECT reference FROM listening_feedback WHERE channel = 'api'")
    }
    assert before <= stored  # every piece acknowledged before the backup began
    assert sent <= arrivals.references()  # and nothing that was not acknowledged
    assert f"feedback records:  {len(stored):,}" in done.stdout

    # The rollups came with it: the figures equal the raw rows, and go on counting.
    scores = [
        s for (s,) in restored.rows("SELECT score FROM listening_feedback WHERE score_type = 'nps'")
    ]
    with serving(restored.env, restored.data / "serve.log") as base:
        browser = Browser(base)
        n, value = nps(browser, secret)
        assert (n, value) == (len(scores), pytest.approx(nps_of(scores)))
        answer = browser.api(
            "/feedback", secret, {"touchpoint": "desk", "score_type": "nps", "score": 10}
        )
        assert answer.status == 201, answer.body
        after = nps(browser, secret)
        assert after == (len(scores) + 1, pytest.approx(nps_of([*scores, 10])))
        vocloop(restored.env, "rollups", "rebuild", "--no-progress")
        assert nps(browser, secret) == after  # nothing a rebuild from the raw rows changes


# What a restore refuses, and what it replaces


def make_user(place: Place, username: str) -> None:
    code = f"from tests.conftest import make_user; make_user({username!r})"
    vocloop(place.env, "shell", "-c", code)


def refused(place: Place, *args: str) -> str:
    """The command's refusal: exit status 1, a message, no traceback."""
    done = subprocess.run(
        [*VOCLOOP, *args], env=place.env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    return done.stderr


def test_restore_refuses_a_newer_backup_and_replaces_data_only_with_force(tmp_path, new_database):
    source = installed(tmp_path / "source", new_database())
    make_user(source, "kept_user")
    # A table the backup lacks and the database in place has, as a later migration
    # makes one: it refers to a table of the backup, which PostgreSQL will not drop
    # from under it.
    source.rows("DROP TABLE cases_caseeventoriginal")
    current = tmp_path / "current.backup"
    vocloop(source.env, "backup", str(current))
    source.rows(
        "INSERT INTO django_migrations (app, name, applied) "
        "VALUES ('listening', '9999_from_the_future', '2030-01-01')"
    )
    newer = tmp_path / "newer.backup"
    vocloop(source.env, "backup", str(newer))

    target = installed(tmp_path / "target", new_database())
    make_user(target, "present_user")
    message = refused(target, "restore", str(newer))
    assert "comes from a newer vocloop: it has 1 migration this version does not know" in message
    assert "(listening 9999_from_the_future)" in message
    message = refused(target, "restore", str(current))
    assert "holds 1 staff account. Restoring replaces all of it: run again with --force" in message
    assert target.rows("SELECT username FROM auth_user") == [("present_user",)]
    vocloop(target.env, "restore", "--force", str(current))
    assert target.rows("SELECT username FROM auth_user") == [("kept_user",)]
    assert target.tables() == source.tables()


def test_restore_refuses_a_file_that_is_not_a_vocloop_backup(tmp_path):
    place = installed(tmp_path / "fresh", migrate=False)
    notes = tmp_path / "notes.txt"
    notes.write_text("not a backup\n")
    other = tmp_path / "other.sqlite3"
    with closing(sqlite3.connect(other)) as db:
        db.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    assert (
        f"{notes} is not a vocloop backup: it is neither an SQLite database nor a PostgreSQL dump"
        in refused(place, "restore", str(notes))
    )
    assert f"{other} is not a vocloop backup: it has no vocloop tables" in refused(
        place, "restore", str(other)
    )
    assert f"There is no file {tmp_path / 'gone'}" in refused(
        place, "restore", str(tmp_path / "gone")
    )
    assert not (place.data / DATABASE).exists()


def test_a_backup_of_an_older_vocloop_is_restored_and_asks_for_migrate(tmp_path):
    source = installed(tmp_path / "source")
    source.rows("DELETE FROM django_migrations WHERE id = (SELECT max(id) FROM django_migrations)")
    older = tmp_path / "older.backup"
    vocloop(source.env, "backup", str(older))
    done = vocloop(installed(tmp_path / "fresh", migrate=False).env, "restore", str(older))
    assert "lacks 1 migration of this version of vocloop: run `vocloop migrate`" in done.stdout


def test_a_backup_writes_over_a_file_only_with_force(tmp_path):
    place = installed(tmp_path / "source")
    file = tmp_path / "taken.backup"
    file.write_text("an older backup")
    assert f"{file} exists already" in refused(place, "backup", str(file))
    assert file.read_text() == "an older backup"
    vocloop(place.env, "backup", "--force", str(file))
    with closing(sqlite3.connect(file)) as db:
        # One file that stands alone: no write-ahead log needed beside it.
        assert db.execute("PRAGMA journal_mode").fetchone() == ("delete",)


def test_without_pg_dump_the_backup_says_what_to_install_and_what_to_run(tmp_path):
    # Refused before any connection: no PostgreSQL server is needed to see it.
    env = {
        **environment(tmp_path, database_url="postgresql://vocloop@127.0.0.1:1/vocloop"),
        "PATH": str(tmp_path),
    }
    message = refused(Place(env), "backup", str(tmp_path / "x.backup"))
    assert "pg_dump is not installed on this machine" in message
    assert 'pg_dump --format=custom --file=FILE "$VOCLOOP_DATABASE_URL"' in message
