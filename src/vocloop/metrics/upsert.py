"""The one SQL statement every rollup write goes through."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import connection, models


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


def upsert_add(
    model: type[models.Model],
    key: tuple[str, ...],
    counts: tuple[str, ...],
    rows: list[tuple[tuple[Any, ...], Mapping[str, int]]],
    extra: Mapping[str, Any] | None = None,
) -> None:
    """Add counts to rows, creating missing ones, with INSERT … ON CONFLICT DO UPDATE.

    `extra` gives values only a new row takes (the empty histograms). Under
    PostgreSQL the statement leaves the row locked until the transaction ends.
    """
    if not rows:
        return
    meta = model._meta
    table = quote(meta.db_table)
    extra = dict(extra or {})
    columns = [*key, *counts, *extra]
    by_name = {f.name: f for f in meta.concrete_fields}
    prepared_extra = [
        by_name[name].get_db_prep_save(value, connection) for name, value in extra.items()
    ]
    sets = ", ".join(f"{quote(c)} = {table}.{quote(c)} + EXCLUDED.{quote(c)}" for c in counts)
    sql = (
        f"INSERT INTO {table} ({', '.join(quote(c) for c in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))}) "
        f"ON CONFLICT ({', '.join(quote(c) for c in key)}) DO UPDATE SET {sets}"
    )
    params = [
        [
            connection.ops.adapt_datefield_value(values[0]),
            *values[1:],
            *(int(c.get(name, 0)) for name in counts),
            *prepared_extra,
        ]
        for values, c in rows
    ]
    with connection.cursor() as cursor:
        # One short statement, many parameter sets: psycopg pipelines them and both
        # drivers parse the statement once.
        cursor.executemany(sql, params)
