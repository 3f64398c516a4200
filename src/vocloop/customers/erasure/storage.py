"""Leaving no copy of erased text in the database's files (SQLite).

Every SQLite connection overwrites what it deletes with zeros (PRAGMA secure_delete,
set in config.py), in the table's pages and in the pages it frees. With the
write-ahead log, the pages written before the erasure may still be in the log until
a checkpoint copies the log into the database: after an erasure commits, a
checkpoint does that and truncates the log. A checkpoint waits for no reader: while
another connection reads, the rest of the log goes at the next checkpoint (SQLite
makes one every 1,000 pages written). PostgreSQL keeps old row versions until VACUUM
reclaims them (autovacuum does, soon after); its own write-ahead log and backups are
the operator's to retain and expire.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError, connection, transaction

logger = logging.getLogger(__name__)


def free_pages_clear_after_commit() -> None:
    transaction.on_commit(wal_checkpoint)


def wal_checkpoint() -> bool:
    """Copy SQLite's write-ahead log into the database and truncate it; True when all of
    it was (False when a reader kept part of it, or on another database)."""
    if connection.vendor != "sqlite":
        return False
    try:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            busy, _, _ = cursor.fetchone()
    except DatabaseError:
        logger.warning("Could not checkpoint the write-ahead log after an erasure", exc_info=True)
        return False
    return not busy
