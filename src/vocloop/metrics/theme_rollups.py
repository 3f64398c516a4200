"""Theme rollups: how many comments read carry each theme, per day and feedback scope.

A comment's themes are given when it is read, replaced when it is read again or
corrected by staff, and go with its feedback when an import is undone. The first
three pass through insights.texts.comment_texts_write, which hands the difference to
`rollup_themes_add`; an undone import recounts its days (`rollup_themes_recount`,
from rollup_feedback_recount) as the feedback rollups do.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from django.db import connection, models

from vocloop.insights.models import CommentTheme
from vocloop.lib.days import vocloop_zone
from vocloop.metrics.feedback_rollups import FEEDBACK_KEY, FeedbackKey, feedback_key
from vocloop.metrics.models import ThemeRollup
from vocloop.metrics.upsert import quote, upsert_add

THEME_KEY = (*FEEDBACK_KEY, "theme_id")
THEME_COUNTS = ("comments", "comments_negative")
ThemeKey = tuple[dt.date, int, str, str, str, int]


def theme_counts(negative: bool) -> Counter[str]:
    """What one comment carrying a theme adds to the theme's row."""
    return Counter(comments=1, comments_negative=int(negative))


def rollup_themes_add(counted: Mapping[ThemeKey, Counter[str]]) -> None:
    """Add these counts (negative ones take away); rows left at zero go."""
    # In key order: every transaction takes the rows' locks in one order.
    rows: list[tuple[tuple[Any, ...], Mapping[str, int]]] = [
        (key, counted[key]) for key in sorted(counted) if any(counted[key].values())
    ]
    upsert_add(ThemeRollup, THEME_KEY, THEME_COUNTS, rows)
    emptied = [key for key, counts in rows if counts.get("comments", 0) < 0]
    if not emptied:
        return
    where = " AND ".join(f"{quote(c)} = %s" for c in THEME_KEY)
    ops = connection.ops
    with connection.cursor() as cursor:
        cursor.executemany(
            f"DELETE FROM {quote(ThemeRollup._meta.db_table)} WHERE {where} "
            f"AND {quote('comments')} = 0",
            [[ops.adapt_datefield_value(key[0]), *key[1:]] for key in emptied],
        )


def theme_rows(
    links: models.QuerySet[CommentTheme] | None = None,
) -> Iterator[tuple[ThemeKey, Counter[str]]]:
    """Each comment's theme with its rollup row: the counts a rebuild or recount adds up."""
    rows = (
        (CommentTheme.objects.all() if links is None else links)
        .order_by()
        .values_list(
            "feedback__occurred_at",
            "feedback__touchpoint_id",
            "feedback__score_type",
            "feedback__channel",
            "feedback__segment",
            "theme_id",
            "negative",
        )
    )
    for at, touchpoint, score_type, channel, segment, theme, negative in rows.iterator(
        chunk_size=5000
    ):
        key = feedback_key(at, touchpoint, score_type, channel, segment)
        yield (*key, theme), theme_counts(negative)


def fold(rows: Iterable[tuple[ThemeKey, Counter[str]]]) -> dict[ThemeKey, Counter[str]]:
    counted: dict[ThemeKey, Counter[str]] = {}
    for key, counts in rows:
        counted.setdefault(key, Counter()).update(counts)
    return counted


def rollup_themes_recount(days: set[tuple[dt.date, int]]) -> None:
    """Count these (day, touch point) rows again from the comments' themes (an import undone)."""
    if not days:
        return
    for touchpoint in {tp for _, tp in days}:
        mine = [day for day, tp in days if tp == touchpoint]
        ThemeRollup.objects.filter(touchpoint_id=touchpoint, day__in=mine).delete()
    zone = vocloop_zone()
    first = dt.datetime.combine(min(d for d, _ in days), dt.time(), zone)
    last = dt.datetime.combine(max(d for d, _ in days) + dt.timedelta(days=1), dt.time(), zone)
    links = CommentTheme.objects.filter(
        feedback__touchpoint_id__in={tp for _, tp in days},
        feedback__occurred_at__gte=first,
        feedback__occurred_at__lt=last,
    )
    rollup_themes_add(fold((key, c) for key, c in theme_rows(links) if (key[0], key[1]) in days))


# A comment's theme as it stands: its rollup row and whether the comment reads negative.
Link = tuple[FeedbackKey, int, bool]


def theme_deltas(
    before: Mapping[tuple[int, int], Link], after: Mapping[tuple[int, int], Link]
) -> dict[ThemeKey, Counter[str]]:
    """What the theme rows gain (or lose) as (feedback, theme) links go from `before` to
    `after`."""
    deltas: dict[ThemeKey, Counter[str]] = {}
    for pair in before.keys() | after.keys():
        was, now = before.get(pair), after.get(pair)
        if was == now:
            continue
        if was is not None:
            deltas.setdefault((*was[0], was[1]), Counter()).subtract(theme_counts(was[2]))
        if now is not None:
            deltas.setdefault((*now[0], now[1]), Counter()).update(theme_counts(now[2]))
    return deltas
