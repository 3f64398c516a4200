"""Staff can see that the worker runs: its heartbeat, and the banner on staff pages.

The clock is frozen at Friday 20 November 2026, 16:00 UTC (tests/clock.py).
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import sqlite3
import subprocess
import sys

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.clock import utc
from tests.public_pages import track_url
from tests.staff_pages import logged_in
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
    first = worker_heartbeat_record(heartbeat_id=None, host="h", pid=1, started_at=NOW)
    clock.to(NOW + dt.timedelta(seconds=30))
    again = worker_heartbeat_record(heartbeat_id=first, host="h", pid=1, started_at=NOW)
    assert again == first
    beat = WorkerHeartbeat.objects.get(pk=first)
    assert (beat.started_at, beat.last_seen_at) == (NOW, NOW + dt.timedelta(seconds=30))
    assert set(WorkerHeartbeat.objects.values_list("pk", flat=True)) == {recent.pk, first}
    assert not WorkerHeartbeat.objects.filter(pk=gone.pk).exists()


def test_the_worker_in_batch_mode_leaves_a_heartbeat(tmp_path):
    env = {**os.environ, "VOCLOOP_DATA_DIR": str(tmp_path), "VOCLOOP_DATABASE_URL": ""}
    vocloop = [sys.executable, "-m", "vocloop"]
    subprocess.run([*vocloop, "migrate", "--no-input", "-v0"], env=env, check=True, timeout=120)
    subprocess.run([*vocloop, "worker", "--batch"], env=env, check=True, timeout=120)
    with sqlite3.connect(tmp_path / "vocloop.sqlite3") as db:
        rows = db.execute("SELECT host, pid FROM server_workerheartbeat").fetchall()
    assert len(rows) == 1 and rows[0][0] == socket.gethostname()


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
    pages = [reverse("listening:feedback"), track_url(resolved)]
    for client in (logged_in(org.manager), Client()):
        for url in pages:
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            assert response.status_code == 200
            assert STOPPED not in response.content.decode()
            assert heartbeat_queries(queries) == []
