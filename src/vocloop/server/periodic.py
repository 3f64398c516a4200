"""Work the worker does on a clock rather than from the task queue: sweeps and deliveries.

Each job runs on its own interval in a background thread of `vocloop worker` (one
thread per job, so that slow webhook deliveries never hold up the escalation
sweep), with its own database connection. A run that fails must not stop the job
for good: when the database is away (outage.py) the job tries again after a short,
growing pause; when the job itself fails (a database error of its own too, such as
a statement timeout), its traceback is logged once and it is tried again at its
next turn. Jobs that must not stop each other are separate jobs.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import close_old_connections

from vocloop.lib.outage import (
    Backoff,
    connections_close,
    database_waiting,
    fresh_connections,
    in_brief,
    outage,
)

logger = logging.getLogger("vocloop.worker")


@dataclass
class Job:
    name: str
    every: float
    run: Callable[[], object]
    next_at: float = field(default=0.0)
    backoff: Backoff = field(default_factory=Backoff)
    # The fault the last run ended in, so that a fault repeated every turn is logged once.
    fault: str | None = None
    generation: int = 0  # of the database outages this job's connection has outlived


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
                job.generation = fresh_connections(job.generation)
                close_old_connections()
                outcome = job.run()
            except Exception as error:
                if database_waiting(error):
                    outage.failed(job.name, error)
                    connections_close()
                    # Sooner than the next turn: this turn's work is still to be done.
                    job.next_at = time.monotonic() + min(job.backoff.next(), job.every)
                else:
                    self._fault(job, error)
                continue
            outage.recovered(job.name)
            job.backoff.reset()
            if job.fault is not None:
                logger.warning("vocloop worker: %s works again", job.name)
                job.fault = None
            if outcome:
                self.report(f"{job.name}: {outcome}")

    def _fault(self, job: Job, error: Exception) -> None:
        said = in_brief(error)
        if said != job.fault:
            logger.exception(
                "vocloop worker: %s failed; trying again every %g s", job.name, job.every
            )
        job.fault = said
        connections_close()  # whatever state the failed run left its connection in

    def run(self) -> None:
        try:
            while not self.stopping.is_set():
                self.run_due()
                self.stopping.wait(min(job.next_at for job in self.jobs) - time.monotonic())
        finally:
            connections_close()

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=30)
