"""A database that is away for a while, told apart from a fault, and said once.

SQLite refuses a writer once it has waited its busy timeout for another writer's
lock (a large `vocloop import`); PostgreSQL drops every connection when it
restarts. Both pass. The worker's task loop and each of its periodic jobs then
close their connections, wait a little longer after each failed try (up to
BACKOFF_CAP) and go on. A try that fails once and works after the first short
wait is ordinary contention and goes unsaid; beyond that the log says once that
the database is unavailable and once that it is back, however many threads and
tries there were in between.

Other database errors do not pass by waiting: a statement timeout, a full disk,
too many SQL variables. They are the work's own fault, told by the database still
answering a trivial query on a fresh connection (`database_waiting`).
"""

from __future__ import annotations

import contextlib
import copy
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from django.db import (
    DEFAULT_DB_ALIAS,
    DatabaseError,
    InterfaceError,
    OperationalError,
    connections,
)
from django.db.utils import load_backend
from django_tasks_db.utils import is_locked_database_exception

logger = logging.getLogger("vocloop.worker")

BACKOFF_FIRST = 1.0
BACKOFF_CAP = 30.0
# Consecutive failed tries of one part of the worker before it is an outage: the
# first try after the first short wait working again is ordinary lock contention.
OUTAGE_AFTER = 2
# PostgreSQL errors that another transaction's locks cause, and that pass with it:
# serialization failure, deadlock, lock not available.
_CONTENTION_SQLSTATES = {"40001", "40P01", "55P03"}
# A probe that waits longer than this for a connection finds the database away.
PROBE_CONNECT_TIMEOUT = 5


def database_waiting(error: BaseException, alias: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether the database, not the work, is why `error` happened: worth waiting for.

    Another writer's lock and a deadlock pass; so does a connection that broke or
    would not open (a restart, the database away). Any other database error is the
    work's own unless the database no longer answers a trivial query on a fresh
    connection: trying it again would only fail again.
    """
    if not isinstance(error, _connection_errors(alias)):
        return False
    if is_contention(error) or connection_lost(alias):
        return True
    return not database_answers(alias)


def _connection_errors(alias: str) -> tuple[type[BaseException], ...]:
    """Django's errors of a connection that failed, and the driver's own: an error raised
    while a server-side cursor is read row by row (`QuerySet.iterator()`) reaches the
    caller as psycopg raised it, not wrapped by Django."""
    driver: Any = getattr(connections[alias], "Database")  # noqa: B009 (not in the stubs)
    return (OperationalError, InterfaceError, driver.OperationalError, driver.InterfaceError)


def is_contention(error: BaseException) -> bool:
    """A lock another connection held too long: SQLite's busy timeout, PostgreSQL's locks."""
    locked = isinstance(error, OperationalError | _driver_operational_error())
    if locked and error.args and is_locked_database_exception(error):  # type: ignore[arg-type]
        return True
    return getattr(error.__cause__, "sqlstate", None) in _CONTENTION_SQLSTATES


def _driver_operational_error(alias: str = DEFAULT_DB_ALIAS) -> type[BaseException]:
    driver: Any = getattr(connections[alias], "Database")  # noqa: B009 (not in the stubs)
    error: type[BaseException] = driver.OperationalError
    return error


def connection_lost(alias: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether this thread's connection broke, or could not be opened at all."""
    raw = connections[alias].connection
    if raw is None:
        return True
    # psycopg's; SQLite's connection to a file does not break.
    return bool(getattr(raw, "broken", False) or getattr(raw, "closed", False))


def database_answers(alias: str = DEFAULT_DB_ALIAS) -> bool:
    """`SELECT 1` on a connection of its own, leaving this thread's connection as it is."""
    settings = copy.deepcopy(connections[alias].settings_dict)
    if settings["ENGINE"] == "django.db.backends.postgresql":
        settings.setdefault("OPTIONS", {})["connect_timeout"] = PROBE_CONNECT_TIMEOUT
    probe = load_backend(settings["ENGINE"]).DatabaseWrapper(settings, alias)
    try:
        with probe.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError:
        return False
    finally:
        with contextlib.suppress(DatabaseError):
            probe.close()


def in_brief(error: BaseException) -> str:
    """The error's class and the first line of its message."""
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__


def connections_close() -> None:
    """Close this thread's database connections; the next query opens a fresh one."""
    for connection in connections.all(initialized_only=True):
        # A connection broken already may fail to close: closed is all that was asked.
        with contextlib.suppress(DatabaseError):
            connection.close()


@dataclass
class Backoff:
    """1, 2, 4 … seconds between tries, at most `cap`."""

    first: float = BACKOFF_FIRST
    cap: float = BACKOFF_CAP
    failures: int = 0

    def next(self) -> float:
        delay = min(self.first * 2**self.failures, self.cap)
        self.failures += 1
        return delay

    def reset(self) -> None:
        self.failures = 0


class Outage:
    """Which parts of the worker are waiting for the database, shared by its threads.

    Reading may work while writing does not (SQLite's lock): the outage ends when
    every part that failed has succeeded again, not when the first one does, so
    the log does not flap between the two.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tries: dict[str, int] = {}  # failed in a row, of each part waiting
        self._since = 0.0
        self.declared = False
        # Counts the failures of an outage: a thread that has not seen the latest one
        # may hold a connection that the database dropped meanwhile (fresh_connections).
        self.generation = 0

    def failed(self, part: str, error: BaseException) -> None:
        with self._lock:
            if not self._tries:
                self._since = time.monotonic()
            self._tries[part] = self._tries.get(part, 0) + 1
            if self._tries[part] < OUTAGE_AFTER and not self.declared:
                return
            if not self.declared:
                self.declared = True
                logger.warning(
                    "vocloop worker: the database is unavailable (%s); "
                    "waiting and trying again, at least every %g s",
                    in_brief(error),
                    BACKOFF_CAP,
                )
            self.generation += 1

    def recovered(self, part: str) -> None:
        with self._lock:
            if self._tries.pop(part, None) is None or self._tries:
                return
            if self.declared:
                self.declared = False
                logger.warning(
                    "vocloop worker: the database is available again after %.0f s",
                    time.monotonic() - self._since,
                )


# One per process: the task loop and the periodic threads report to it.
outage = Outage()


def fresh_connections(seen: int) -> int:
    """Close this thread's connections if the database failed anyone since `seen`.

    A restarted PostgreSQL drops every connection, but a thread finds out only when
    it next uses its own: one that runs every half hour would otherwise report an
    outage of its own long after the others saw the database come back.
    Returns the generation to remember.
    """
    if seen != outage.generation:
        connections_close()
    return outage.generation
