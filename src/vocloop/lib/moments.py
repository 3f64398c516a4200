"""How a moment is written where staff read it on a record: the timeline, a log line."""

from __future__ import annotations

import datetime as dt


def utc_minute(moment: dt.datetime) -> str:
    """ "7 Dec 2026, 09:32 UTC": to the minute and in UTC, so that the text says the same
    to a reader in any time zone and stays true once written down. The day as the staff
    pages write it ("j M Y"), without a leading zero."""
    utc = moment.astimezone(dt.UTC)
    return f"{utc.day} {utc:%b %Y, %H:%M} UTC"
