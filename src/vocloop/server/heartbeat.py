"""This worker's heartbeat: staff pages and /health/ read it to tell that a worker is running.

Written every EVERY seconds by a periodic job, and by the task loop between tasks,
whichever comes first: a worker that only runs tasks (`--tasks-only`) is seen too.

A heartbeat says the worker does its work, not merely that its process lives: while
the task loop cannot reach the database, or keeps failing on its own, none is
written, even where the database would take it. Once that has lasted
VOCLOOP_WORKER_STALE_AFTER, staff pages say the worker has stopped, /health/ answers
503, and other workers put the tasks it left running back in the queue.
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
    def __init__(self, *, worker_id: str, every: float = EVERY) -> None:
        self.every = every
        self.worker_id = worker_id
        self.host = socket.gethostname()[:255]
        self.pid = os.getpid()
        self.started_at = timezone.now()
        self.heartbeat_id: int | None = None
        self.held = False
        self._last = float("-inf")
        self._lock = threading.Lock()

    def beat(self) -> str:
        """Write the heartbeat now (unless held or being written); "" for the log."""
        if self.held or not self._lock.acquire(blocking=False):
            return ""
        try:
            self.heartbeat_id = worker_heartbeat_record(
                heartbeat_id=self.heartbeat_id,
                host=self.host,
                pid=self.pid,
                started_at=self.started_at,
                worker_id=self.worker_id,
            )
            self._last = time.monotonic()
        finally:
            self._lock.release()
        return ""

    def beat_if_due(self) -> None:
        if time.monotonic() - self._last >= self.every:
            self.beat()

    def hold(self) -> None:
        """No heartbeat until `release`: the task loop is not doing its work."""
        self.held = True

    def release(self) -> None:
        self.held = False
