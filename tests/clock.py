"""A controllable clock: every `timezone.now()` in vocloop reads it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


class Clock:
    def __init__(self, start: dt.datetime):
        self.now = start

    def to(self, moment: dt.datetime) -> None:
        self.now = moment


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """Frozen at Friday 20 November 2026, 16:00 UTC: one working hour left that week."""
    frozen = Clock(utc(2026, 11, 20, 16, 0))
    monkeypatch.setattr(timezone, "now", lambda: frozen.now)
    return frozen
