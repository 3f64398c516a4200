"""This worker's heartbeat: staff pages and /health/ read it to tell that a worker is running.

Written every EVERY seconds by a periodic job, and by the task loop between tasks,
whichever comes first: a worker that only runs tasks (`--tasks-only`) is seen too.
"""

from __future__ import annotations

import os
import socket
import threading
import time

from django.utils import timezone

from vocloop.server.services import worker_heartbeat_record

EVERY = 30.0


class Heartbeat:
    def __init__(self, every: float = EVERY) -> None:
        self.every = every
        self.host = socket.gethostname()[:255]
        self.pid = os.getpid()
        self.started_at = timezone.now()
        self.heartbeat_id: int | None = None
        self._last = float("-inf")
        self._lock = threading.Lock()

    def beat(self) -> str:
        """Write the heartbeat now (unless another thread is writing it); "" for the log."""
        if not self._lock.acquire(blocking=False):
            return ""
        try:
            self.heartbeat_id = worker_heartbeat_record(
                heartbeat_id=self.heartbeat_id,
                host=self.host,
                pid=self.pid,
                started_at=self.started_at,
            )
            self._last = time.monotonic()
        finally:
            self._lock.release()
        return ""

    def beat_if_due(self) -> None:
        if time.monotonic() - self._last >= self.every:
            self.beat()
