"""Tasks for the worker's tests, importable by a `vocloop worker` run with the project on its path.

No tests here: tests/test_worker_outages.py queues these.
"""

from __future__ import annotations

from pathlib import Path

from django.db import OperationalError
from django_tasks import task


@task()
def broken() -> None:
    raise ValueError("a bug in a task")


@task()
def locked_the_first_time(marker: str) -> str:
    """Fails as a task does when SQLite's lock is held too long, once; then succeeds."""
    tried = Path(marker)
    if not tried.exists():
        tried.write_text("tried once")
        raise OperationalError("database is locked")
    return "done"
