"""When the purge runs: once a night, at the worker's first turn after 02:00 (the
organisation's time zone, VOCLOOP_TIME_ZONE), or later that day when the worker was not
running then. A purge cut short (the worker stopped, the database away) is taken up at
the next turn: only a purge that finished counts as the night's.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from vocloop.retention.models import Purge
from vocloop.retention.purge import retention_purge

NIGHT_STARTS = dt.time(2, 0)
BY = "nightly purge"


def last_night(now: dt.datetime) -> dt.datetime:
    """The start of the night the purge of `now` belongs to: the last 02:00 local time."""
    local = timezone.localtime(now)
    start = timezone.make_aware(dt.datetime.combine(local.date(), NIGHT_STARTS), local.tzinfo)
    return start if start <= local else start - dt.timedelta(days=1)


def retention_purge_due(*, now: dt.datetime) -> bool:
    """No purge finished since the night began."""
    return not Purge.objects.filter(
        started_at__gte=last_night(now), finished_at__isnull=False
    ).exists()


def purge_if_due(*, now: dt.datetime | None = None) -> str:
    """The worker's job, every hour: purge when the night's purge is due; what it did."""
    now = now or timezone.now()
    if not retention_purge_due(now=now):
        return ""
    summary = retention_purge(now=now, by=BY)
    return summary.said() if summary.total else ""
