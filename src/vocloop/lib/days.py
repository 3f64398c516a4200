"""The day a moment counts on: its date in vocloop's time zone (VOCLOOP_TIME_ZONE).

Every daily figure is counted on these days: the rollups, the themes of a comment, the
dashboards' "today". The time zone is the setting's, never a request's or a reader's, so
that a comment counts on the same day as its feedback whoever was looking when it was read.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=4)
def _zone_named(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


def vocloop_zone() -> zoneinfo.ZoneInfo:
    """vocloop's time zone, the one its days begin and end in."""
    return _zone_named(settings.TIME_ZONE)


def day_of(moment: dt.datetime) -> dt.date:
    """The calendar day of a moment in vocloop's time zone (not the request's)."""
    return moment.astimezone(vocloop_zone()).date()


def day_start(day: dt.date) -> dt.datetime:
    """The first moment of a day in vocloop's time zone."""
    return dt.datetime.combine(day, dt.time(), tzinfo=vocloop_zone())
