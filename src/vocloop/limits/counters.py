"""Counts that every server process shares, each in a fixed window that starts with its
first count.

In Redis when VOCLOOP_CACHE_URL names it, otherwise in the database (RateCount), so
that a limit holds however many processes serve: a client spread over four of them
gets the limit once, not four times. Each count is one atomic operation, so that two
processes counting at once both count and each learns its own position:
`INSERT … ON CONFLICT DO UPDATE … RETURNING` on SQLite (3.35 and later) and
PostgreSQL, a MULTI/EXEC transaction in Redis. Django's cache does not do this: its
database backend increments by a read and then a write (two processes both read 4
and both write 5), and needs `createcachetable` run by hand; the RateCount table
comes with `vocloop migrate`.
"""

from __future__ import annotations

import functools
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.db import InterfaceError, OperationalError, connections

from vocloop.lib.busy import waiting_briefly
from vocloop.lib.outage import in_brief
from vocloop.limits.models import RateCount

logger = logging.getLogger(__name__)

REDIS_PREFIX = "vocloop:limits:"
# One count in this many also removes the database's rows whose window ended long ago,
# so that the table holds about one row per client seen in the last window.
PURGE_ONE_IN = 200
PURGE_AFTER_SECONDS = 3600


@dataclass(frozen=True)
class Tally:
    count: int
    retry_after: int
    """Seconds until the window ends and the count starts again; 0 when nothing is counted."""


class CountsUnavailable(Exception):
    """Redis did not answer: nothing was counted."""


class Counts(Protocol):
    def add(self, key: str, *, window: int) -> Tally:
        """Count one more for `key`; a window that ended starts again at 1."""
        ...

    def read(self, key: str) -> Tally:
        """The count of `key`'s current window, without counting."""
        ...

    def forget(self, key: str) -> None: ...


def _seconds_left(ends: float, now: float) -> int:
    return max(1, round(ends - now))


class DatabaseCounts:
    """Counts in the RateCount table of the database `alias`."""

    def __init__(self, alias: str = "default") -> None:
        self.alias = alias

    def add(self, key: str, *, window: int) -> Tally:
        connection = connections[self.alias]
        q = connection.ops.quote_name
        table, k, count, ends = (
            q(RateCount._meta.db_table),
            q("key"),
            q("count"),
            q("window_ends"),
        )
        now = time.time()
        sql = (
            f"INSERT INTO {table} ({k}, {count}, {ends}) VALUES (%s, 1, %s) "
            f"ON CONFLICT ({k}) DO UPDATE SET "
            f"{count} = CASE WHEN {table}.{ends} <= %s THEN 1 ELSE {table}.{count} + 1 END, "
            f"{ends} = CASE WHEN {table}.{ends} <= %s THEN excluded.{ends} "
            f"ELSE {table}.{ends} END "
            f"RETURNING {count}, {ends}"
        )
        # One statement, atomic by itself. A count is a write on the side of a request: it
        # waits a second for SQLite's lock, not the whole busy timeout, and the caller
        # decides what a database that cannot count means.
        with waiting_briefly(self.alias), connection.cursor() as cursor:
            cursor.execute(sql, [key, now + window, now, now])
            counted, window_ends = cursor.fetchone()
            if random.randrange(PURGE_ONE_IN) == 0:
                cursor.execute(
                    f"DELETE FROM {table} WHERE {ends} < %s", [now - PURGE_AFTER_SECONDS]
                )
        return Tally(count=int(counted), retry_after=_seconds_left(float(window_ends), now))

    def read(self, key: str) -> Tally:
        now = time.time()
        row = (
            RateCount.objects.using(self.alias)
            .filter(key=key, window_ends__gt=now)
            .values_list("count", "window_ends")
            .first()
        )
        if row is None:
            return Tally(count=0, retry_after=0)
        return Tally(count=row[0], retry_after=_seconds_left(row[1], now))

    def forget(self, key: str) -> None:
        RateCount.objects.using(self.alias).filter(key=key).delete()


class RedisCounts:
    """Counts in Redis: a key per count, expiring with its window."""

    def __init__(self, url: str) -> None:
        import redis  # the Redis extra: config.cache_redis_url() checked it is installed

        self.client: Any = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2)
        self.errors = redis.RedisError

    def _run(self, queue: Callable[[Any], object]) -> list[Any]:
        """What `queue` puts in a pipeline, run as one MULTI/EXEC transaction;
        CountsUnavailable if Redis does not answer."""
        try:
            with self.client.pipeline(transaction=True) as pipe:
                queue(pipe)
                return list(pipe.execute())
        except self.errors as error:
            raise CountsUnavailable(str(error)) from error

    def add(self, key: str, *, window: int) -> Tally:
        name = REDIS_PREFIX + key
        _, counted, ttl = self._run(
            lambda pipe: (pipe.set(name, 0, ex=window, nx=True), pipe.incr(name), pipe.ttl(name))
        )
        return Tally(count=int(counted), retry_after=max(1, int(ttl)))

    def read(self, key: str) -> Tally:
        name = REDIS_PREFIX + key
        counted, ttl = self._run(lambda pipe: (pipe.get(name), pipe.ttl(name)))
        if counted is None:
            return Tally(count=0, retry_after=0)
        return Tally(count=int(counted), retry_after=max(1, int(ttl)))

    def forget(self, key: str) -> None:
        self._run(lambda pipe: pipe.delete(REDIS_PREFIX + key))


@functools.lru_cache(maxsize=4)
def _redis(url: str) -> RedisCounts:
    return RedisCounts(url)  # one connection pool per process


def shared_counts() -> Counts:
    """Where this deployment keeps its counts (settings.CACHE_REDIS_URL)."""
    url = settings.CACHE_REDIS_URL
    return _redis(url) if url else DatabaseCounts()


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    retry_after: int = 0
    """Seconds until the count starts again; 0 when allowed."""
    database_busy: bool = False
    """The count was not made: the database was busy or away (a write on the side of the
    same request would meet it too)."""


def allowance(key: str, *, limit: int, window: int) -> RateDecision:
    """Count one more against `key`'s allowance of `limit` per window and say whether it
    may go ahead.

    A count that cannot be made (a large import holds SQLite's lock after a brief wait,
    a restarted PostgreSQL dropped the connection, Redis is away) lets it go ahead: what
    it would store meets the same database and is refused there in its own words, and
    a limit must not turn a busy moment into a 500.
    """
    try:
        tally = shared_counts().add(key, window=window)
    except (OperationalError, InterfaceError, CountsUnavailable) as error:
        # Debug only: the request says it met a busy database in its own line.
        logger.debug("%s: not counted, the database is busy (%s)", key, in_brief(error))
        return RateDecision(allowed=True, database_busy=not isinstance(error, CountsUnavailable))
    if tally.count <= limit:
        return RateDecision(allowed=True)
    return RateDecision(allowed=False, retry_after=tally.retry_after)
