"""Staff can see that the worker runs: its heartbeat, the banner on staff pages, /health/.

The clock is frozen at Friday 20 November 2026, 16:00 UTC (tests/clock.py).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import sqlite3
import subprocess
import sys

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.clock import utc
from tests.public_pages import track_url
from tests.run_files import copy_migrated, run_lock
from tests.staff_pages import logged_in
from tests.test_server_commands import get, serving
from tests.test_task_queue import REDIS_URL
from vocloop.notifications.models import OutboxMessage
from vocloop.notifications.outbox import outbox_enqueue
from vocloop.notifications.tasks import deliver_notifications
from vocloop.server import health as health_module
from vocloop.server.models import WorkerHeartbeat
from vocloop.server.services import worker_heartbeat_record

STOPPED = "Emails and escalations are not being sent"
NOW = utc(2026, 11, 20, 16, 0)


def seen_at(moment: dt.datetime) -> WorkerHeartbeat:
    return WorkerHeartbeat.objects.create(
        host="worker-1", pid=4242, started_at=moment - dt.timedelta(days=1), last_seen_at=moment
    )


def heartbeat_queries(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if "server_workerheartbeat" in q["sql"]]


# The heartbeat


def test_a_heartbeat_updates_its_own_row_and_clears_workers_gone_a_week(db, clock):
    gone = seen_at(NOW - dt.timedelta(days=8))
    recent = seen_at(NOW - dt.timedelta(days=2))
    first = worker_heartbeat_record(
        heartbeat_id=None, host="h", pid=1, started_at=NOW, worker_id="w1"
    )
    clock.to(NOW + dt.timedelta(seconds=30))
    again = worker_heartbeat_record(
        heartbeat_id=first, host="h", pid=1, started_at=NOW, worker_id="w1"
    )
    assert again == first
    beat = WorkerHeartbeat.objects.get(pk=first)
    assert (beat.started_at, beat.last_seen_at) == (NOW, NOW + dt.timedelta(seconds=30))
    assert beat.worker_id == "w1"  # whose tasks are whose, once it has stopped
    assert set(WorkerHeartbeat.objects.values_list("pk", flat=True)) == {recent.pk, first}
    assert not WorkerHeartbeat.objects.filter(pk=gone.pk).exists()


@pytest.mark.timeout(600)  # real processes: a minute or more on a busy machine
def test_the_worker_in_batch_mode_leaves_a_heartbeat(tmp_path):
    env = {**os.environ, "VOCLOOP_DATA_DIR": str(tmp_path), "VOCLOOP_DATABASE_URL": ""}
    vocloop = [sys.executable, "-m", "vocloop"]
    copy_migrated(tmp_path)
    subprocess.run([*vocloop, "worker", "--batch"], env=env, check=True, timeout=120)
    with sqlite3.connect(tmp_path / "vocloop.sqlite3") as db:
        rows = db.execute("SELECT host, pid, worker_id FROM server_workerheartbeat").fetchall()
    assert len(rows) == 1 and rows[0][0] == socket.gethostname()
    assert len(rows[0][2]) == 32  # the id its tasks were claimed under


# The banner on staff pages


def test_staff_are_told_when_no_worker_has_started_yet(org, clock):
    page = logged_in(org.support_agent).get(reverse("cases:inbox")).content.decode()
    assert f"{STOPPED}:</strong>" in page
    assert "the worker has not started yet." in page
    assert "Please tell a quality manager." in page and "vocloop worker" not in page


def test_the_quality_manager_is_told_how_to_start_it(org, clock):
    page = logged_in(org.manager).get(reverse("dashboards:overview")).content.decode()
    assert "the worker has not started yet." in page
    assert "Start it on the server with <code>vocloop worker</code>" in page


def test_a_worker_seen_within_the_limit_raises_no_banner(org, clock, settings):
    settings.WORKER_STALE_AFTER = dt.timedelta(minutes=10)
    seen_at(NOW - dt.timedelta(minutes=9))
    assert STOPPED not in logged_in(org.support_agent).get(reverse("cases:inbox")).content.decode()


def test_a_stopped_worker_is_dated_in_vocloops_time_zone(org, clock, settings):
    settings.TIME_ZONE = "Europe/Berlin"
    seen_at(utc(2026, 11, 20, 9, 42))
    page = logged_in(org.support_agent).get(reverse("cases:inbox")).content.decode()
    assert "the worker has stopped since 10:42." in page
    WorkerHeartbeat.objects.update(last_seen_at=utc(2026, 11, 18, 22, 59))
    page = logged_in(org.support_agent).get(reverse("cases:inbox")).content.decode()
    assert "the worker has stopped since 18 Nov 2026, 23:59." in page


def test_a_staff_page_asks_about_the_worker_in_one_query(org, clock):
    client = logged_in(org.support_agent)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("cases:inbox")).status_code == 200
    assert len(heartbeat_queries(queries)) == 1


def test_the_settings_area_carries_the_banner_too(org, clock):
    seen_at(NOW - dt.timedelta(hours=2))
    page = logged_in(org.manager).get(reverse("admin:index")).content.decode()
    assert "the worker has stopped since 14:00." in page
    assert "<code>vocloop worker</code>" in page


def test_customers_pages_never_ask_about_the_worker(org, clock, resolved):
    pages = [reverse("public:feedback"), track_url(resolved)]
    for client in (logged_in(org.manager), Client()):
        for url in pages:
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            assert response.status_code == 200
            assert STOPPED not in response.content.decode()
            assert heartbeat_queries(queries) == []


# GET /health/


@pytest.fixture(autouse=True)
def fresh_health() -> None:
    """Each test computes its own answer: the last one is reused for a few seconds."""
    health_module.recent.clear()


def health(client) -> tuple[int, dict]:
    response = client.get(reverse("health"))
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    return response.status_code, response.json()


def test_health_answers_without_a_login_with_what_monitors_need(db, client, clock):
    seen_at(NOW - dt.timedelta(seconds=20))
    deliver_notifications.enqueue()
    deliver_notifications.enqueue()
    waiting = outbox_enqueue(
        channel="email", recipient="jo@example.com", kind="test", dedup_key="t:1", subject="Hi"
    )
    OutboxMessage.objects.filter(pk=waiting.pk).update(created_at=NOW - dt.timedelta(seconds=95))
    with CaptureQueriesContext(connection) as queries:
        status, body = health(client)
    assert status == 200
    assert body == {
        "status": "ok",
        "problems": [],
        "database": {"reachable": True},
        "worker": {"last_seen_seconds_ago": 20, "stale_after_seconds": 300},
        "tasks": {"queue": "database", "waiting": 2},
        "notifications": {"oldest_undelivered_seconds": 95},
    }
    assert len(queries) <= 4  # whether the database answers, then three small ones


def test_health_reuses_its_answer_a_few_seconds_but_asks_the_database_every_time(
    db, client, clock, monkeypatch
):
    seen_at(NOW)
    deliver_notifications.enqueue()
    assert health(client)[1]["tasks"]["waiting"] == 1
    deliver_notifications.enqueue()
    with CaptureQueriesContext(connection) as queries:
        status, body = health(client)
    assert status == 200 and body["tasks"]["waiting"] == 1  # as computed a moment ago
    assert [q["sql"] for q in queries.captured_queries] == ["SELECT 1"]
    monkeypatch.setattr(health_module, "FRESH_FOR", 0)  # a few seconds on
    assert health(client)[1]["tasks"]["waiting"] == 2


def test_health_says_nothing_about_hosts_processes_or_customers(db, client, clock):
    seen_at(NOW)
    text = client.get(reverse("health")).content.decode()
    assert "worker-1" not in text and "4242" not in text and socket.gethostname() not in text
    assert "customer" not in text


def test_a_stale_worker_is_a_503_that_says_since_when(db, client, clock):
    seen_at(NOW - dt.timedelta(minutes=6))
    status, body = health(client)
    assert status == 503 and body["status"] == "failing"
    assert body["worker"]["last_seen_seconds_ago"] == 360
    assert body["problems"] == [
        "the worker was last seen 360 s ago (stopped after 300 s without a heartbeat)"
    ]


def test_a_worker_never_started_is_a_503(db, client, clock):
    status, body = health(client)
    assert status == 503
    assert body["worker"]["last_seen_seconds_ago"] is None
    assert body["problems"] == ["no worker has run yet: start one with `vocloop worker`"]


def test_health_takes_no_posts(db, client):
    assert client.post(reverse("health")).status_code == 405


@pytest.mark.timeout(600)  # real processes: a minute or more on a busy machine
def test_an_unreachable_database_is_a_503_with_its_reason_not_a_500(tmp_path):
    env = {**os.environ, "VOCLOOP_DATA_DIR": str(tmp_path), "VOCLOOP_DATABASE_URL": ""}
    copy_migrated(tmp_path)
    with serving(env) as (base, _):
        status, body = get(f"{base}/health/")
        assert status == 503 and json.loads(body)["database"] == {"reachable": True}
        # The database file gone, something else in its place: no connection can open it.
        database = tmp_path / "vocloop.sqlite3"
        database.rename(tmp_path / "elsewhere.sqlite3")
        database.mkdir()
        status, body = get(f"{base}/health/")
    report = json.loads(body)
    assert status == 503
    assert report["status"] == "failing" and report["database"] == {"reachable": False}
    assert report["problems"] == ["the database does not answer"]
    assert report["worker"]["last_seen_seconds_ago"] is None


@pytest.mark.parametrize("value", ["0", "five"])
def test_a_bad_staleness_limit_is_refused_naming_the_variable(tmp_path, value):
    env = {**os.environ, "VOCLOOP_DATA_DIR": str(tmp_path), "VOCLOOP_WORKER_STALE_AFTER": value}
    done = subprocess.run(
        [sys.executable, "-m", "vocloop", "check"], env=env, capture_output=True, text=True
    )
    assert done.returncode != 0 and "VOCLOOP_WORKER_STALE_AFTER" in done.stderr
    assert "minute" in done.stderr  # not seconds, as most such limits are


def test_with_redis_the_queue_depth_is_read_from_redis(db, client, clock, settings):
    import redis
    from rq import Queue

    settings.TASKS_REDIS_URL = REDIS_URL
    queue = Queue("default", connection=redis.Redis.from_url(settings.TASKS_REDIS_URL))
    try:
        queue.connection.ping()
    except redis.ConnectionError:
        if os.environ.get("CI"):
            pytest.fail("Redis is not reachable at 127.0.0.1:6379 and CI is set")
        pytest.skip("SKIPPED: no Redis at 127.0.0.1:6379 (CI unset)")
    seen_at(NOW)
    with run_lock("redis"):  # the run's other test that empties the database waits
        queue.connection.flushdb()
        try:
            queue.enqueue_call("os.getcwd")
            queue.enqueue_call("os.getcwd")
            status, body = health(client)
        finally:
            queue.connection.flushdb()
    assert status == 200 and body["tasks"] == {"queue": "redis", "waiting": 2}
    # Redis away: the depth is unknown, and the answer still comes, at once.
    settings.TASKS_REDIS_URL = "redis://127.0.0.1:1/0"
    health_module.recent.clear()  # asked again a while later
    status, body = health(client)
    assert status == 200 and body["tasks"] == {"queue": "redis", "waiting": None}
