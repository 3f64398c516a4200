"""Is a worker running? Read by every staff page (one indexed query) and by /health/."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Max
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
