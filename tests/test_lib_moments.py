"""How a moment is written on the record: to the minute, in UTC, whatever zone it came in."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from vocloop.lib.moments import utc_minute


def test_a_moment_in_utc_is_written_to_the_minute():
    assert utc_minute(dt.datetime(2026, 11, 23, 16, 0, 59, tzinfo=dt.UTC)) == (
        "23 Nov 2026, 16:00 UTC"
    )


def test_a_moment_in_another_zone_is_written_as_the_same_instant_in_utc():
    amsterdam = dt.datetime(2026, 11, 24, 0, 30, tzinfo=ZoneInfo("Europe/Amsterdam"))
    assert utc_minute(amsterdam) == "23 Nov 2026, 23:30 UTC"


def test_a_day_before_the_tenth_is_written_without_a_leading_zero():
    # As the staff pages write every other date ("j M Y"): 7 Dec, not 07 Dec.
    assert utc_minute(dt.datetime(2026, 12, 7, 9, 5, tzinfo=dt.UTC)) == "7 Dec 2026, 09:05 UTC"
