"""SQLite: a backup by the online backup API, and a restore by the same API into the
database in place.

The backup reads one snapshot in a single step while the server and the worker go on
writing (WAL lets a reader and a writer work side by side); copied in several steps,
every write meanwhile would start it over. It is written beside the target file,
checked, synced and renamed into place, so that a backup cut short never looks whole.

A restore writes the backup into the database in place as one transaction of that
database, not by renaming a file over it: a process that still has the old file open
(a server or worker not stopped) then sees the old content or the new, and can never
join a stale write-ahead log to the new file, which a rename allows. It commits with
synchronous=FULL and checkpoints, so the restore is on the disk when it says so.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

from vocloop.server.backups.contents import (
    Contents,
    contents_read,
    held,
    migrations_read,
    refuse_newer,
    refuse_to_overwrite,
    refuse_unless_vocloop,
)
from vocloop.server.backups.files import (
    BackupRefused,
    partial_beside,
    published,
    refuse_unless_kind,
    synced,
)

# Files SQLite keeps beside a database: meaningless, and harmful, without the database
# they were written for.
SIDE_FILES = ("-wal", "-shm", "-journal")


def sqlite_back_up(*, database: Path, file: Path, overwrite: bool, timeout: float) -> Contents:
    if not database.exists():
        raise BackupRefused(
            f"There is no database at {database}: nothing to back up (is VOCLOOP_DATA_DIR "
            "the directory vocloop runs with?)."
        )
    if file.resolve() == database.resolve():
        raise BackupRefused(f"{file} is the database itself: give the backup another name.")
    partial = partial_beside(file, replace=overwrite)
    try:
        with (
            closing(connect(database, "rw", timeout)) as source,
            closing(sqlite3.connect(partial)) as copy,
        ):
            try:
                source.backup(copy)  # pages=-1: the whole database in one step
                copy.execute("PRAGMA journal_mode=DELETE")  # one file, no log beside it
            except sqlite3.Error as exc:  # unreadable, the disk full …
                raise BackupRefused(f"Could not back up {database}: {exc}.") from None
            contents = checked(copy, size=0, what=f"The database {database}")
        published(partial, file)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return dataclasses.replace(contents, size=file.stat().st_size)


def sqlite_restore(*, file: Path, database: Path, force: bool, timeout: float) -> Contents:
    refuse_unless_kind(file, "sqlite")
    if database.exists() and file.resolve() == database.resolve():
        raise BackupRefused(f"{file} is the database in place itself.")
    with closing(connect(file, "ro", timeout)) as source:
        contents = checked(source, size=file.stat().st_size, what=str(file), restoring=True)
        if database.exists():
            if not force:
                refuse_if_held(database, timeout)
        else:
            for suffix in SIDE_FILES:
                Path(f"{database}{suffix}").unlink(missing_ok=True)
        try:
            with closing(sqlite3.connect(database, timeout=timeout)) as target:
                target.execute("PRAGMA journal_mode=WAL")
                target.execute("PRAGMA synchronous=FULL")
                source.backup(target)  # one transaction: all of it, or nothing
                target.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.DatabaseError as exc:
            raise BackupRefused(
                f"Could not write into {database} ({exc}); it is as it was. If it is damaged, "
                "move it aside with its -wal and -shm files and restore again."
            ) from None
    synced(database.parent)
    return contents


def connect(path: Path, mode: str, timeout: float) -> sqlite3.Connection:
    """A connection that never creates the file (`mode` "ro" or "rw")."""
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode={mode}", uri=True, timeout=timeout)


def checked(db: sqlite3.Connection, *, size: int, what: str, restoring: bool = False) -> Contents:
    """The figures of a vocloop database that SQLite's integrity check finds whole; a
    backup to restore must also come from a vocloop that knows no more migrations."""
    try:
        problems = [str(row[0]) for row in db.execute("PRAGMA integrity_check")]
        tables = {str(row[0]) for row in db.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as exc:
        raise BackupRefused(f"{what} is not a usable SQLite database: {exc}.") from None
    if problems != ["ok"]:
        raise BackupRefused(f"{what} failed SQLite's integrity check: {'; '.join(problems[:3])}.")

    def query(sql: str) -> list[Any]:
        return db.execute(sql).fetchall()

    migrations = migrations_read(query, tables)
    kind = "backup" if restoring else "database"
    refuse_unless_vocloop(tables, migrations, refusal=f"{what} is not a vocloop {kind}")
    if restoring:
        refuse_newer(migrations, what=what)
    return contents_read(query, size=size)


def refuse_if_held(database: Path, timeout: float) -> None:
    try:
        with closing(connect(database, "ro", timeout)) as db:
            tables = {str(row[0]) for row in db.execute("SELECT name FROM sqlite_master")}
            found = held(lambda sql: db.execute(sql).fetchall(), tables)
    except sqlite3.DatabaseError as exc:
        raise BackupRefused(
            f"The database in place ({database}) cannot be read ({exc}). Move it aside with "
            "its -wal and -shm files, or run again with --force to write over it."
        ) from None
    if found:
        refuse_to_overwrite(found, where=str(database))
