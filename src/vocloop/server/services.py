"""The one write of the server app: a worker's heartbeat."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from vocloop.server.models import WorkerHeartbeat

# A stopped worker's row is kept this long (the last one is always kept: it says when
# the workers stopped).
KEPT = dt.timedelta(days=7)


def worker_heartbeat_record(
    *,
    heartbeat_id: int | None,
    host: str,
    pid: int,
    started_at: dt.datetime,
    worker_id: str,
) -> int:
    """Say that this worker is alive now; the id of its row, created on the first beat."""
    now = timezone.now()
    if heartbeat_id is not None:
        mine = WorkerHeartbeat.objects.filter(pk=heartbeat_id)
        if mine.update(last_seen_at=now):
            return heartbeat_id
    # The first beat, or the row was deleted meanwhile.
    beat = WorkerHeartbeat.objects.create(
        host=host, pid=pid, worker_id=worker_id, started_at=started_at, last_seen_at=now
    )
    WorkerHeartbeat.objects.filter(last_seen_at__lt=now - KEPT).delete()
    return beat.pk
