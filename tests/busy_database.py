"""The test database's write lock, held by another connection as a large import holds it.

SQLite: BEGIN IMMEDIATE on the test database. In memory (the test runs' database,
with a shared cache) a writer is refused at once with "database table is locked";
tests/test_busy_server.py waits out the busy timeout on a file as in production.
PostgreSQL: every table locked in EXCLUSIVE mode (reads go on, writes wait) and
the test's connections opened with a short lock_timeout, so that a writer gives up
as SQLite's does instead of waiting for ever.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from django.db import connection

LOCK_TIMEOUT_MS = 300


def postgres_connect(**extra: Any) -> psycopg.Connection[Any]:
    """A connection of its own to the test's PostgreSQL database."""
    settings = connection.settings_dict
    return psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"] or None,
        password=settings["PASSWORD"] or None,
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        **extra,
    )


def postgres_url() -> str:
    """The URL of the test's PostgreSQL database, for a `vocloop` process to share it."""
    settings = connection.settings_dict
    return (
        f"postgresql://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"
    )


@contextmanager
def write_lock() -> Iterator[None]:
    if connection.vendor == "sqlite":
        holder = sqlite3.connect(connection.settings_dict["NAME"], uri=True, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        return
    options = connection.settings_dict["OPTIONS"]
    options["options"] = f"-c lock_timeout={LOCK_TIMEOUT_MS}"
    connection.close()  # the next query opens a connection with the option
    tables = connection.introspection.table_names()
    holder = postgres_connect()
    quoted = ", ".join(connection.ops.quote_name(t) for t in tables)
    holder.execute(f"LOCK TABLE {quoted} IN EXCLUSIVE MODE")
    try:
        yield
    finally:
        holder.rollback()
        holder.close()
        del options["options"]
        connection.close()
