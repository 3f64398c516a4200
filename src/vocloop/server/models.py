"""What the server keeps about itself: which workers are running."""

from __future__ import annotations

from django.db import models


class WorkerHeartbeat(models.Model):
    """One run of `vocloop worker`: where, since when, and when it last said it was alive."""

    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    # The id its task loop claims tasks under, so that a task it left running goes
    # back to the queue once it is gone. Blank in rows written before it was recorded.
    worker_id = models.CharField(max_length=64, blank=True, default="")
    started_at = models.DateTimeField()
    last_seen_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-last_seen_at"]

    def __str__(self) -> str:
        return f"{self.host}:{self.pid} since {self.started_at:%Y-%m-%d %H:%M}"
