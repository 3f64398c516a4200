"""How a day and a moment are written: "7 Dec 2026", and to the minute in UTC on the record."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from vocloop.dashboards.templatetags.vocloop_figures import day, period_label
from vocloop.lib.moments import day_written, utc_minute


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


def test_a_day_is_written_without_a_leading_zero_and_a_short_month():
    assert day_written(dt.date(2026, 12, 7)) == "7 Dec 2026"
    assert day_written(dt.date(2026, 11, 23)) == "23 Nov 2026"


def test_pages_and_the_record_write_a_day_alike():
    moment = dt.datetime(2026, 12, 7, 9, 5, tzinfo=dt.UTC)
    assert day(moment.date()) == period_label("2026-12-07", "day") == "7 Dec 2026"
    assert period_label("2026-12-07", "week") == "w/c 7 Dec 2026"
    assert utc_minute(moment).startswith(day(moment.date()) + ", ")
