"""What `GET /health/` tells a load balancer or a monitor, and whether all is well.

Healthy means the database answers and a worker has been seen within
VOCLOOP_WORKER_STALE_AFTER: without a worker no email leaves and nothing is
escalated. The queue depth and the age of the oldest undelivered notification
are reported for monitors to alert on as they see fit; they do not make the
answer unhealthy (a burst of work is not a fault).

The endpoint answers anyone, so it says nothing an outsider could use: no
hostnames or process ids (which machine runs the worker is in the worker's own
log), no counts of customers, feedback or cases, no settings but the staleness
limit it is judged by. Anyone may also ask it often: each request asks the
database one trivial query, whether it answers; the rest of the answer is computed
at most every FRESH_FOR seconds in each server process.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Min
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from vocloop.notifications.models import OutboxMessage
from vocloop.server.selectors import WorkerState, worker_state

UNDELIVERED = (OutboxMessage.Status.PENDING, OutboxMessage.Status.SENDING)
REDIS_TIMEOUT = 1.0
FRESH_FOR = 5.0


@dataclass(frozen=True)
class Health:
    database_reachable: bool
    worker: WorkerState | None = None
    waiting_tasks: int | None = None
    oldest_undelivered: dt.timedelta | None = None

    @property
    def problems(self) -> list[str]:
        if not self.database_reachable or self.worker is None:
            return ["the database does not answer"]
        if not self.worker.stopped:
            return []
        if self.worker.last_seen is None:
            return ["no worker has run yet: start one with `vocloop worker`"]
        stale = int(self.worker.stale_after.total_seconds())
        return [
            f"the worker was last seen {self.worker.seconds_since_seen:.0f} s ago "
            f"(stopped after {stale} s without a heartbeat)"
        ]

    @property
    def healthy(self) -> bool:
        return not self.problems

    def as_json(self) -> dict[str, Any]:
        seen = self.worker.seconds_since_seen if self.worker else None
        oldest = self.oldest_undelivered
        return {
            "status": "ok" if self.healthy else "failing",
            "problems": self.problems,
            "database": {"reachable": self.database_reachable},
            "worker": {
                "last_seen_seconds_ago": None if seen is None else round(seen),
                "stale_after_seconds": round(settings.WORKER_STALE_AFTER.total_seconds()),
            },
            "tasks": {
                "queue": "redis" if settings.TASKS_REDIS_URL else "database",
                "waiting": self.waiting_tasks,
            },
            "notifications": {
                "oldest_undelivered_seconds": None
                if oldest is None
                else round(max(oldest.total_seconds(), 0)),
            },
        }


def health_read() -> Health:
    """Whether the database answers, now; the rest as computed at most FRESH_FOR s ago."""
    if not _database_answers():
        return Health(database_reachable=False)
    cached = recent.get()
    if cached is not None:
        return cached
    try:
        health = _health_compute()
    except DatabaseError:
        return Health(database_reachable=False)
    recent.put(health)
    return health


def _database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return False
    return True


def _health_compute() -> Health:
    """Three small indexed queries (the third to Redis instead, where the queue lives)."""
    worker = worker_state()
    oldest = OutboxMessage.objects.filter(status__in=UNDELIVERED).aggregate(
        oldest=Min("created_at")
    )["oldest"]
    return Health(
        database_reachable=True,
        worker=worker,
        waiting_tasks=_waiting_tasks(),
        oldest_undelivered=None if oldest is None else timezone.now() - oldest,
    )


class Recent:
    """The last answer computed in this process, for FRESH_FOR seconds."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._health: Health | None = None
        self._at = 0.0

    def get(self) -> Health | None:
        with self._lock:
            if self._health is None or time.monotonic() - self._at >= FRESH_FOR:
                return None
            return self._health

    def put(self, health: Health) -> None:
        with self._lock:
            self._health, self._at = health, time.monotonic()

    def clear(self) -> None:
        with self._lock:
            self._health = None


recent = Recent()


def _waiting_tasks() -> int | None:
    """Tasks queued and not yet taken by a worker; None when Redis does not answer."""
    if not settings.TASKS_REDIS_URL:
        return DBTaskResult.objects.filter(status=TaskResultStatus.READY).count()
    # Only installed with the Redis extra, which VOCLOOP_TASKS_URL=redis://… requires.
    import redis
    from rq import Queue

    client = redis.Redis.from_url(
        settings.TASKS_REDIS_URL,
        socket_timeout=REDIS_TIMEOUT,
        socket_connect_timeout=REDIS_TIMEOUT,
    )
    try:
        return int(Queue("default", connection=client).count)
    except redis.RedisError:
        return None
    finally:
        client.close()
