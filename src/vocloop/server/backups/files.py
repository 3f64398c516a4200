"""The backup file itself: what kind it is, and writing it so that it is whole or absent."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

SQLITE_HEADER = b"SQLite format 3\x00"
POSTGRES_HEADER = b"PGDMP"  # pg_dump's custom format


class BackupRefused(Exception):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


def file_kind(path: Path) -> str:
    """ "sqlite", "postgres", or "" for anything else (a missing file is refused)."""
    try:
        with path.open("rb") as file:
            start = file.read(len(SQLITE_HEADER))
    except FileNotFoundError:
        raise BackupRefused(f"There is no file {path}.") from None
    except IsADirectoryError:
        raise BackupRefused(f"{path} is a directory, not a backup file.") from None
    except OSError as exc:
        raise BackupRefused(f"{path} cannot be read: {exc.strerror or exc}.") from None
    if start == SQLITE_HEADER:
        return "sqlite"
    if start.startswith(POSTGRES_HEADER):
        return "postgres"
    return ""


def refuse_unless_kind(file: Path, kind: str) -> None:
    """Refused unless `file` is a backup of the `kind` of database in use."""
    found = file_kind(file)
    if found == kind:
        return
    if found == "postgres":
        raise BackupRefused(
            f"{file} is a PostgreSQL backup (pg_dump): restore it into PostgreSQL, with "
            "VOCLOOP_DATABASE_URL naming the database."
        )
    if found == "sqlite":
        raise BackupRefused(
            f"{file} is an SQLite backup: restore it into SQLite, with VOCLOOP_DATABASE_URL "
            "unset and VOCLOOP_DATA_DIR naming the directory."
        )
    raise BackupRefused(
        f"{file} is not a vocloop backup: it is neither an SQLite database nor a PostgreSQL "
        "dump (pg_dump --format=custom)."
    )


def partial_beside(file: Path, *, replace: bool) -> Path:
    """An empty file in `file`'s directory to write the backup into, renamed to `file`
    once it is whole (`published`): a backup cut short never looks like a backup."""
    if file.is_dir():
        raise BackupRefused(f"{file} is a directory: give the backup file's name in it.")
    if file.exists() and not replace:
        raise BackupRefused(
            f"{file} exists already. Give another name, or --force to replace it (the old "
            "file stays until the new backup is complete and checked)."
        )
    if not file.parent.is_dir():
        raise BackupRefused(f"There is no directory {file.parent} to write the backup into.")
    try:
        handle, name = tempfile.mkstemp(prefix=f".{file.name}.", suffix=".partial", dir=file.parent)
    except OSError as exc:
        raise BackupRefused(f"Cannot write into {file.parent}: {exc.strerror or exc}.") from None
    os.close(handle)
    return Path(name)


def published(partial: Path, file: Path) -> None:
    """`partial`, synced to the disk, becomes `file` in one step."""
    synced(partial)
    os.replace(partial, file)
    synced(file.parent)


def synced(path: Path) -> None:
    """`path`'s content on the disk; for a directory, the names in it (a rename or a new
    file survives a power cut once its directory is synced too)."""
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)
