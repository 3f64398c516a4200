"""Which workers are running? Read by every staff page (one indexed query), /health/ and
the workers themselves, to find tasks left running by one that stopped."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Max, Q
from django.utils import timezone

from vocloop.server.models import WorkerHeartbeat


@dataclass(frozen=True)
class WorkerState:
    last_seen: dt.datetime | None  # None: no worker has ever run here
    stale_after: dt.timedelta
    now: dt.datetime

    @property
    def stopped(self) -> bool:
        return self.last_seen is None or self.now - self.last_seen > self.stale_after

    @property
    def seconds_since_seen(self) -> float | None:
        if self.last_seen is None:
            return None
        return max(0.0, (self.now - self.last_seen).total_seconds())


def worker_state() -> WorkerState:
    last_seen = WorkerHeartbeat.objects.aggregate(last=Max("last_seen_at"))["last"]
    return WorkerState(
        last_seen=last_seen, stale_after=settings.WORKER_STALE_AFTER, now=timezone.now()
    )


@dataclass(frozen=True)
class WorkersSeen:
    """When each of some workers last beat, and which workers beat recently."""

    last_seen: dict[str, dt.datetime]  # by worker id ("": workers that recorded none)
    since: dt.datetime

    def known(self, worker_id: str) -> bool:
        return worker_id in self.last_seen

    def alive(self, worker_id: str) -> bool:
        seen = self.last_seen.get(worker_id)
        return seen is not None and seen >= self.since


def workers_seen(*, worker_ids: set[str], within: dt.timedelta) -> WorkersSeen:
    """The heartbeats of these workers, and of every worker seen `within` (a few rows)."""
    since = timezone.now() - within
    rows = WorkerHeartbeat.objects.filter(
        Q(last_seen_at__gte=since) | Q(worker_id__in=worker_ids)
    ).values_list("worker_id", "last_seen_at")
    last_seen: dict[str, dt.datetime] = {}
    for worker_id, seen in rows:
        last_seen[worker_id] = max(seen, last_seen.get(worker_id, seen))
    return WorkersSeen(last_seen=last_seen, since=since)
