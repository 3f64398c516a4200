"""Backing up and restoring the database vocloop runs on, whichever it is."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import OperationalError, connection

from vocloop.server.backups.contents import Contents
from vocloop.server.backups.files import BackupRefused
from vocloop.server.backups.postgres import postgres_back_up, postgres_restore
from vocloop.server.backups.sqlite import sqlite_back_up, sqlite_restore


def database_back_up(*, file: Path, overwrite: bool) -> Contents:
    """The database, as it is at one moment while vocloop goes on, into `file`."""
    if connection.vendor == "sqlite":
        return sqlite_back_up(
            database=sqlite_file(), file=file, overwrite=overwrite, timeout=sqlite_timeout()
        )
    try:
        return postgres_back_up(file=file, overwrite=overwrite)
    except OperationalError as exc:
        raise BackupRefused(f"{database_named()} did not answer: {exc}".strip()) from None


def database_restore(*, file: Path, force: bool) -> Contents:
    """The database replaced by the backup in `file`; one that holds data only by `force`."""
    if connection.vendor == "sqlite":
        return sqlite_restore(
            file=file, database=sqlite_file(), force=force, timeout=sqlite_timeout()
        )
    try:
        return postgres_restore(file=file, force=force)
    except OperationalError as exc:
        raise BackupRefused(f"{database_named()} did not answer: {exc}".strip()) from None


def database_named() -> str:
    if connection.vendor == "sqlite":
        return str(sqlite_file())
    where = connection.settings_dict
    host = f" on {where['HOST']}" if where.get("HOST") else ""
    return f"PostgreSQL database {where['NAME']}{host}"


def secret_key_note() -> str:
    """Links in emails already sent (unsubscribe, updates) are signed with the secret key,
    which the database does not hold."""
    kept = Path(settings.DATA_DIR) / "secret_key"
    if kept.exists() and kept.read_text().strip() == settings.SECRET_KEY:
        where = str(kept)
    else:
        where = "VOCLOOP_SECRET_KEY"
    return (
        f"The secret key is not in the backup: keep {where} with it, or the links in "
        "emails already sent stop working on a restored vocloop."
    )


def sqlite_file() -> Path:
    return Path(connection.settings_dict["NAME"])


def sqlite_timeout() -> float:
    return float(connection.settings_dict.get("OPTIONS", {}).get("timeout", 20))
