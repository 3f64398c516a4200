"""The rate limits' counts are shared by every server process: two processes counting the
same key at once get one count, each of them learning its own place in it, on SQLite,
PostgreSQL and Redis.

Real processes (`python -m vocloop shell`-like scripts) on the run's database or a
migrated SQLite file, and the real Redis on 127.0.0.1:6379 (database 13, or the one
VOCLOOP_TEST_LIMITS_REDIS_URL names).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from threading import Thread

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from tests.run_files import copy_migrated
from vocloop.limits.counters import DatabaseCounts, RedisCounts
from vocloop.limits.models import RateCount
from vocloop.listening.models import Feedback

pytestmark = pytest.mark.timeout(300)

REDIS_URL = os.environ.get("VOCLOOP_TEST_LIMITS_REDIS_URL") or "redis://127.0.0.1:6379/13"
EACH = 150

COUNTING = f"""
import json, os, django
django.setup()
from vocloop.limits.counters import shared_counts
counts, key = shared_counts(), os.environ["COUNTED_KEY"]
print(json.dumps([counts.add(key, window=600).count for _ in range({EACH})]))
"""


def count_in_two_processes(env: dict[str, str], key: str) -> list[int]:
    """Two processes each count `key` EACH times at the same moment; every count they saw."""
    env = {**env, "COUNTED_KEY": key}
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", COUNTING], env=env, stdout=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    seen: list[int] = []
    for run in runs:
        out, _ = run.communicate(timeout=240)
        assert run.returncode == 0
        seen += json.loads(out)
    return seen


def database_environment(tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, "VOCLOOP_DATA_DIR": str(tmp_path), "VOCLOOP_CACHE_URL": ""}
    if connection.vendor == "sqlite":  # the run's database is in memory: a file of its own
        copy_migrated(tmp_path)
        env["VOCLOOP_DATABASE_URL"] = ""
    else:
        db = connection.settings_dict
        env["VOCLOOP_DATABASE_URL"] = (
            f"postgresql://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        )
    return env


@pytest.fixture
def redis_key() -> str:
    """A key of this test's own: the test run's workers share the Redis database."""
    return f"test:{uuid.uuid4().hex}"


@pytest.fixture
def redis_counts(redis_key):
    counts = RedisCounts(REDIS_URL)
    try:
        counts.client.ping()
    except Exception as error:  # no server: say so
        pytest.fail(f"Redis is needed at {REDIS_URL}: {error}")
    yield counts
    counts.forget(redis_key)
    counts.client.close()


@pytest.mark.every_database
def test_two_processes_counting_at_once_share_one_count_in_the_database(transactional_db, tmp_path):
    seen = count_in_two_processes(database_environment(tmp_path), "test:shared")
    # Nothing lost, nothing counted twice: each count was someone's, once.
    assert sorted(seen) == list(range(1, 2 * EACH + 1))


def test_two_processes_counting_at_once_share_one_count_in_redis(redis_counts, redis_key, tmp_path):
    env = {**os.environ, "VOCLOOP_DATA_DIR": str(tmp_path), "VOCLOOP_CACHE_URL": REDIS_URL}
    seen = count_in_two_processes(env, redis_key)
    assert sorted(seen) == list(range(1, 2 * EACH + 1))
    assert redis_counts.read(redis_key).count == 2 * EACH


def test_two_database_connections_see_one_count_and_one_window(transactional_db):
    first, second = DatabaseCounts(), DatabaseCounts()
    first.add("test:one", window=600)
    # Another thread: another connection to the same database, as another process has.
    seen = []
    other = Thread(target=lambda: seen.append(second.add("test:one", window=600)))
    other.start()
    other.join()
    assert seen[0].count == 2 and 590 <= seen[0].retry_after <= 600
    assert first.read("test:one").count == 2


def test_a_window_that_ended_starts_again_at_one(db):
    counts = DatabaseCounts()
    counts.add("test:window", window=600)
    counts.add("test:window", window=600)
    # The window ended: what it counted no longer holds anyone back.
    RateCount.objects.filter(key="test:window").update(window_ends=1.0)
    assert counts.read("test:window").count == 0
    assert counts.add("test:window", window=600).count == 1


def test_redis_counts_end_with_their_window(redis_counts, redis_key):
    redis_counts.add(redis_key, window=600)
    tally = redis_counts.add(redis_key, window=600)
    assert tally.count == 2 and 590 <= tally.retry_after <= 600
    redis_counts.client.expire(f"vocloop:limits:{redis_key}", 0)
    assert redis_counts.read(redis_key).count == 0


def test_the_default_set_up_counts_in_the_database():
    assert settings.CACHE_REDIS_URL is None


def test_a_complaint_is_taken_while_redis_is_away(client, org, settings):
    settings.CACHE_REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    answer = client.post(
        reverse("public:feedback"),
        {"touchpoint": "help-desk", "kind": "complaint", "comment": "The router is dead."},
    )
    assert answer.status_code == 302
    assert Feedback.objects.filter(comment="The router is dead.").exists()
