"""What a backup holds, told the same way for SQLite and PostgreSQL: its size, its
feedback, the latest migration, and whether this version of vocloop can use it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from vocloop.cases.models import Case
from vocloop.customers.models import Customer
from vocloop.lib.words import counted, number
from vocloop.listening.models import Feedback, Touchpoint
from vocloop.server.backups.files import BackupRefused

FEEDBACK = Feedback._meta.db_table
MIGRATIONS = MigrationRecorder.Migration._meta.db_table
# A database holding any of these is not overwritten without --force. Rows the
# migrations create (root causes, the default SLA policies) do not count.
HELD = (
    (FEEDBACK, "feedback record"),
    (Case._meta.db_table, "case"),
    (Customer._meta.db_table, "customer"),
    (Touchpoint._meta.db_table, "touch point"),
    (User._meta.db_table, "staff account"),
)

# Runs one SQL statement and gives its rows: a cursor of sqlite3 or of Django's.
Query = Callable[[str], Sequence[Sequence[Any]]]
Migrations = tuple[tuple[str, str], ...]  # (app, name), in the order applied


@dataclass(frozen=True)
class Contents:
    size: int  # bytes of the backup file
    feedback: int
    newest: dt.datetime | None  # when the newest feedback was received
    migrations: Migrations

    @property
    def latest(self) -> str:
        return " ".join(self.migrations[-1]) if self.migrations else "none"


def migrations_read(query: Query, tables: set[str]) -> Migrations:
    """The migrations applied to a database with these `tables` (none without the table)."""
    if MIGRATIONS not in tables:
        return ()
    return tuple(
        (str(a), str(n)) for a, n in query(f"SELECT app, name FROM {MIGRATIONS} ORDER BY id")
    )


def refuse_unless_vocloop(tables: set[str], migrations: Migrations, *, refusal: str) -> None:
    """Refused, with `refusal` ("X is not a vocloop backup"), unless it has vocloop's tables."""
    if not {FEEDBACK, MIGRATIONS} <= tables or not any(
        app == Feedback._meta.app_label for app, _ in migrations
    ):
        raise BackupRefused(f"{refusal}: it has no vocloop tables.")


def refuse_newer(migrations: Migrations, *, what: str) -> None:
    """Refused when it has migrations this version of vocloop does not know."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = set(loader.disk_migrations)
    for migration in loader.disk_migrations.values():
        known.update(migration.replaces)  # squashed since: still known
    unknown = [f"{app} {name}" for app, name in migrations if (app, name) not in known]
    if unknown:
        shown = ", ".join(unknown[:5]) + (" …" if len(unknown) > 5 else "")
        raise BackupRefused(
            f"{what} comes from a newer vocloop: it has {counted(len(unknown), 'migration')} "
            f"this version does not know ({shown}). Restore it with the version that made "
            "it, or a later one."
        )


def contents_read(query: Query, *, size: int) -> Contents:
    """The figures of a vocloop database."""
    [(feedback, newest)] = query(f"SELECT count(*), max(received_at) FROM {FEEDBACK}")
    migrations = migrations_read(query, {MIGRATIONS})
    return Contents(size=size, feedback=int(feedback), newest=moment(newest), migrations=migrations)


def moment(value: object) -> dt.datetime | None:
    """A time as the database gives it: SQLite's text in UTC, PostgreSQL's datetime."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return None


def contents_lines(contents: Contents) -> list[str]:
    newest = f" (newest received {contents.newest:%Y-%m-%d %H:%M} UTC)" if contents.newest else ""
    return [
        f"  size:              {size(contents.size)}",
        f"  feedback records:  {number(contents.feedback)}{newest}",
        f"  migrations:        {number(len(contents.migrations))} applied, the last "
        f"{contents.latest}",
    ]


def size(n: int) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit} ({counted(n, 'byte')})"
    return counted(n, "byte")


def held(query: Query, tables: set[str]) -> list[str]:
    """What a database in place holds ("12 feedback records", "1 staff account")."""
    found = []
    for table, one in HELD:
        if table in tables:
            [(n,)] = query(f"SELECT count(*) FROM {table}")
            if n:
                found.append(counted(int(n), one))
    return found


def refuse_to_overwrite(found: list[str], *, where: str) -> None:
    raise BackupRefused(
        f"The database in place ({where}) holds {', '.join(found)}. Restoring replaces "
        "all of it: run again with --force if that is what you mean (back it up first "
        "with `vocloop backup`)."
    )


def migrations_behind(contents: Contents) -> int:
    """How many of this version's migrations the backup lacks (`vocloop migrate` adds them)."""
    done = set(contents.migrations)
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    return sum(
        1
        for key, migration in graph.nodes.items()
        if key not in done and not (migration.replaces and set(migration.replaces) <= done)
    )
