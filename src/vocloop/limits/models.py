"""The rate limits' counts when they live in the database (no VOCLOOP_CACHE_URL)."""

from __future__ import annotations

from django.db import models


class RateCount(models.Model):
    """How many times one thing was counted in its current window, and when that ends.

    Written only by counters.py, one atomic statement at a time, so that concurrent
    server processes never lose a count.
    """

    key = models.CharField(max_length=255, primary_key=True)
    count = models.PositiveIntegerField()
    # Seconds since the epoch: compared in SQL with the same number on every database.
    window_ends = models.FloatField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"
