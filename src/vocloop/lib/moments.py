"""How a day and a moment are written where staff read them: pages, the timeline, a log line."""

from __future__ import annotations

import datetime as dt


def day_written(day: dt.date) -> str:
    """ "7 Dec 2026": a day as every staff page writes it ("j M Y"), without a leading zero."""
    return f"{day.day} {day:%b %Y}"


def utc_minute(moment: dt.datetime) -> str:
    """ "7 Dec 2026, 09:32 UTC": to the minute and in UTC, so that the text says the same
    to a reader in any time zone and stays true once written down. The day as the staff
    pages write it (day_written)."""
    utc = moment.astimezone(dt.UTC)
    return f"{day_written(utc)}, {utc:%H:%M} UTC"
