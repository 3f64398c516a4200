"""PostgreSQL: pg_dump's custom format from one snapshot, pg_restore in one transaction.

vocloop runs PostgreSQL's own client programs with the connection of
VOCLOOP_DATABASE_URL, its password passed in the environment rather than on a command
line that other users of the machine can read. Without the programs it says what to
install and the command to run by hand.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper

from vocloop.server.backups.contents import (
    MIGRATIONS,
    Contents,
    Migrations,
    Query,
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
)

DUMP_BY_HAND = 'pg_dump --format=custom --file=FILE "$VOCLOOP_DATABASE_URL"'
RESTORE_BY_HAND = (
    "pg_restore --clean --if-exists --no-owner --no-privileges --single-transaction "
    '--dbname="$VOCLOOP_DATABASE_URL" FILE'
)
# A table in `pg_restore --list`: "216; 1259 17598 TABLE public listening_feedback owner".
LISTED_TABLE = re.compile(r"^\d+; \d+ \d+ TABLE \S+ (\S+) ", re.MULTILINE)
# libpq's environment variables for the parts of the connection Django holds.
SETTINGS = {"HOST": "PGHOST", "PORT": "PGPORT", "USER": "PGUSER", "PASSWORD": "PGPASSWORD"}
OPTIONS = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "options": "PGOPTIONS",
}


def postgres_back_up(*, file: Path, overwrite: bool) -> Contents:
    pg_dump = program("pg_dump", DUMP_BY_HAND)
    partial = partial_beside(file, replace=overwrite)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            # One snapshot for the figures told and for pg_dump, which takes it over:
            # they describe the same moment however much is written meanwhile.
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            [snapshot] = cursor.fetchone()
            tables = set(connection.introspection.table_names(cursor))
            name = connection.settings_dict["NAME"]
            migrations = migrations_read(rows(cursor), tables)
            refuse_unless_vocloop(
                tables, migrations, refusal=f"The database {name} is not a vocloop database"
            )
            contents = contents_read(rows(cursor), size=0)
            run(pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={partial}")
        # Read back: pg_restore can list what it holds.
        listed_tables(partial, pg_restore=program("pg_restore", RESTORE_BY_HAND))
        published(partial, file)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return dataclasses.replace(contents, size=file.stat().st_size)


def postgres_restore(*, file: Path, force: bool) -> Contents:
    refuse_unless_kind(file, "postgres")
    pg_restore = program("pg_restore", RESTORE_BY_HAND)
    tables = listed_tables(file, pg_restore=pg_restore)
    migrations = copied_migrations(
        run(pg_restore, "--data-only", f"--table={MIGRATIONS}", "--file=-", str(file))
    )
    refuse_unless_vocloop(tables, migrations, refusal=f"{file} is not a vocloop backup")
    refuse_newer(migrations, what=str(file))
    name = connection.settings_dict["NAME"]
    with connection.cursor() as cursor:
        here = set(connection.introspection.table_names(cursor))
        found = held(rows(cursor), here)
    if found and not force:
        refuse_to_overwrite(found, where=f"PostgreSQL database {name}")
    # Tables of migrations newer than the backup: --clean drops only what the backup
    # holds, and these would keep their references to it. `vocloop migrate` makes them
    # again. Only vocloop's own: a table of another program in the database stays.
    newer = (here & set(connection.introspection.django_table_names())) - tables
    if newer:
        with transaction.atomic(), connection.cursor() as cursor:
            for table in sorted(newer):
                cursor.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(table)} CASCADE")
    connection.close()
    run(
        pg_restore,
        "--clean",
        "--if-exists",
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        "--exit-on-error",
        f"--dbname={name}",
        str(file),
    )
    with connection.cursor() as cursor:
        return contents_read(rows(cursor), size=file.stat().st_size)


def program(name: str, by_hand: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupRefused(
            f"{name} is not installed on this machine; it comes with PostgreSQL's client "
            f"programs (Debian and Ubuntu: apt-get install postgresql-client, of the "
            f"server's version or later). With it, vocloop runs it; or run it where it is "
            f"installed:\n  {by_hand}"
        )
    return found


def run(program: str, *arguments: str) -> str:
    """The program's output; its error, as it wrote it, when it fails."""
    done = subprocess.run(
        [program, *arguments], env=libpq_environment(), capture_output=True, text=True
    )
    if done.returncode != 0:
        name = Path(program).name
        raise BackupRefused(
            f"{name} failed (exit status {done.returncode}):\n{done.stderr.strip()}"
        )
    return done.stdout


def libpq_environment() -> dict[str, str]:
    database = connection.settings_dict
    environment = {**os.environ, "PGDATABASE": str(database["NAME"])}
    for setting, variable in SETTINGS.items():
        if database.get(setting):
            environment[variable] = str(database[setting])
    for option, variable in OPTIONS.items():
        if database.get("OPTIONS", {}).get(option):
            environment[variable] = str(database["OPTIONS"][option])
    return environment


def listed_tables(file: Path, *, pg_restore: str) -> set[str]:
    return set(LISTED_TABLE.findall(run(pg_restore, "--list", str(file))))


def copied_migrations(script: str) -> Migrations:
    """The rows of django_migrations in the COPY block of a pg_restore script."""
    lines = iter(script.splitlines())
    for line in lines:
        if line.startswith("COPY ") and line.endswith(" FROM stdin;"):
            columns = [
                c.strip(' "') for c in line[line.index("(") + 1 : line.rindex(")")].split(",")
            ]
            break
    else:
        return ()
    found = []
    for line in lines:
        if line == "\\.":
            break
        row = dict(zip(columns, line.split("\t"), strict=True))
        found.append((int(row["id"]), row["app"], row["name"]))
    return tuple((app, name) for _, app, name in sorted(found))


def rows(cursor: CursorWrapper) -> Query:
    def query(sql: str) -> list[Any]:
        cursor.execute(sql)
        return list(cursor.fetchall())

    return query
