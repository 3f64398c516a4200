"""Work the worker does on a clock rather than from the task queue: sweeps and deliveries.

Each job runs on its own interval in a background thread of `vocloop worker` (one
thread per job, so that slow webhook deliveries never hold up the escalation
sweep), with its own database connection. A job that fails is logged and tried
again at its next turn: one bad run must not stop escalations for good.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import close_old_connections, connections

logger = logging.getLogger("vocloop.worker")


@dataclass
class Job:
    name: str
    every: float
    run: Callable[[], object]
    next_at: float = field(default=0.0)


class Periodic(threading.Thread):
    def __init__(self, jobs: list[Job], *, report: Callable[[str], None] = logger.info):
        super().__init__(name="vocloop-periodic", daemon=True)
        self.jobs = jobs
        self.report = report
        self.stopping = threading.Event()

    def run_due(self) -> None:
        for job in self.jobs:
            if time.monotonic() < job.next_at:
                continue
            job.next_at = time.monotonic() + job.every
            try:
                close_old_connections()
                outcome = job.run()
                if outcome:
                    self.report(f"{job.name}: {outcome}")
            except Exception:
                logger.exception("%s failed; trying again in %g s", job.name, job.every)

    def run(self) -> None:
        try:
            while not self.stopping.is_set():
                self.run_due()
                self.stopping.wait(min(job.next_at for job in self.jobs) - time.monotonic())
        finally:
            connections.close_all()

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=30)
