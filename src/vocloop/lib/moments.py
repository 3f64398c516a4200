"""How a moment is written where staff read it on a record: the timeline, a log line."""

from __future__ import annotations

import datetime as dt


def utc_minute(moment: dt.datetime) -> str:
    """ "07 Dec 2026, 09:32 UTC": to the minute and in UTC, so that the text says the same
    to a reader in any time zone and stays true once written down."""
    return f"{moment.astimezone(dt.UTC):%d %b %Y, %H:%M} UTC"
