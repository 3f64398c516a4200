"""Reading metrics from the rollups: every figure with its interval, per group or period.

Nothing here reads raw feedback or cases: each answer sums the rollup rows of its
scope in SQL (one row per group and day), folds days into weeks or months in
Python, and hands the sums to the statistics package. Reads by period or over the
whole scope — every dashboard and most API calls — go through one hand-written
query per rollup table (`_rollup_rows`); groupings by touch point, stage, team or
segment through the ORM. The number of queries does not depend on the number of
responses, only on the filters given.

What each metric is, and how it is charted over periods, is in catalogue.py; its
names are used from here too.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal, cast

from django.db import connection, models
from django.db.models import QuerySet, Sum
from django.utils import timezone

from vocloop.lib.days import day_of
from vocloop.listening.models import Touchpoint
from vocloop.metrics.catalogue import METRICS as METRICS
from vocloop.metrics.catalogue import THEME_COMMENTS as THEME_COMMENTS
from vocloop.metrics.catalogue import TOO_FEW_PERIODS as TOO_FEW_PERIODS
from vocloop.metrics.catalogue import UNKNOWN_SEGMENT as UNKNOWN_SEGMENT
from vocloop.metrics.catalogue import Chart as Chart
from vocloop.metrics.catalogue import Group as Group
from vocloop.metrics.catalogue import Grouping as Grouping
from vocloop.metrics.catalogue import Metric as Metric
from vocloop.metrics.catalogue import Period as Period
from vocloop.metrics.catalogue import Scope as Scope
from vocloop.metrics.catalogue import Sums as Sums
from vocloop.metrics.catalogue import control_chart as control_chart
from vocloop.metrics.catalogue import enough as enough
from vocloop.metrics.catalogue import period_bounds as period_bounds
from vocloop.metrics.catalogue import whole_period as whole_period
from vocloop.metrics.models import (
    DURATION_BUCKETS,
    DURATION_EDGES,
    HOUR,
    CaseRollup,
    CaseTouchpointRollup,
    FeedbackRollup,
    FeedbackTouchpointRollup,
    ThemeRollup,
)
from vocloop.metrics.rollups import CASE_COUNTS, FEEDBACK_COUNTS
from vocloop.statistics.estimate import Estimate
from vocloop.statistics.quantiles import quantile_from_histogram

# The SQL column each grouping is read from, and how its value becomes a key.
_GROUP_COLUMNS: dict[str, str] = {
    "touchpoint": "touchpoint__slug",
    "stage": "touchpoint__stage",
    "team": "team__slug",
    "segment": "segment",
}


def _period_key(day: dt.date, period: str) -> str:
    if period == "week":  # ISO week, keyed by its Monday
        return (day - dt.timedelta(days=day.weekday())).isoformat()
    if period == "month":
        return day.replace(day=1).isoformat()
    return day.isoformat()


def _model(source: str, scope: Scope, by: str | None = None) -> type[models.Model]:
    """The rollup table to read: the one with the fewest rows that can answer.

    Without a segment (nor, for feedback, a channel; for cases, a team) to filter or
    group by, the per-day-and-touch-point sums do: a few dozen times fewer feedback
    rows than FeedbackRollup, about five times fewer case rows than CaseRollup.
    Feedback has no team of its own: a team filter reads the touch points it owns,
    which the per-touch-point table answers.
    """
    if scope.channel is not None and source == "case":
        raise ValueError("Cases have no channel: a case metric cannot be filtered by channel.")
    if source == "case":
        coarse = scope.segment is None and scope.team_id is None and by not in ("team", "segment")
        return CaseTouchpointRollup if coarse else CaseRollup
    if scope.channel is None and scope.segment is None and by != "segment":
        return FeedbackTouchpointRollup
    return FeedbackRollup


def _segment_value(segment: str) -> str:
    return "" if segment == UNKNOWN_SEGMENT else segment


def _filters(scope: Scope, source: str) -> dict[str, Any]:
    filters: dict[str, Any] = {"day__gte": scope.date_from, "day__lte": scope.date_to}
    if scope.touchpoint_id is not None:
        filters["touchpoint_id"] = scope.touchpoint_id
    if scope.stage is not None:
        filters["touchpoint__stage"] = scope.stage
    if scope.channel is not None:
        filters["channel"] = scope.channel
    if scope.segment is not None:
        filters["segment"] = _segment_value(scope.segment)
    if scope.team_id is not None:
        owned = "team_id" if source == "case" else "touchpoint__owning_team_id"
        filters[owned] = scope.team_id
    return filters


def _scoped(source: str, scope: Scope, by: str | None = None) -> QuerySet[Any]:
    """The rollup rows of a source in the scope, as a queryset (for groupings)."""
    rows: QuerySet[Any] = _model(source, scope, by)._default_manager.filter(
        **_filters(scope, source)
    )
    return rows


def _themed(scope: Scope) -> QuerySet[ThemeRollup]:
    """The scope's theme's rollup rows; a metric read by theme needs one."""
    if scope.theme_id is None:
        raise ValueError("A theme's share of comments is read for one theme: none was given.")
    return ThemeRollup.objects.filter(
        **_filters(scope, "feedback"), theme_id=scope.theme_id
    ).order_by()


def _with_theme_comments(
    scope: Scope, *, by_day: bool, counts: Sequence[str]
) -> list[tuple[Any, ...]]:
    """_rollup_rows' answer for feedback counts that include THEME_COMMENTS: the other
    counts from the feedback rollups, the theme's from ThemeRollup, day by day."""
    themed = _themed(scope)
    found: dict[dt.date | None, int]
    if by_day:
        found = {
            day: int(n or 0)
            for day, n in themed.values("day").annotate(n=Sum("comments")).values_list("day", "n")
        }
    else:
        found = {None: int(themed.aggregate(n=Sum("comments"))["n"] or 0)}
    others = [c for c in counts if c != THEME_COMMENTS]
    at = (1 if by_day else 0) + list(counts).index(THEME_COMMENTS)
    rows = []
    # Every comment carrying the theme is a comment read: its day has a feedback row.
    for row in _rollup_rows("feedback", scope, by_day=by_day, histograms=(), counts=others):
        values = list(row)
        values.insert(at, found.get(row[0] if by_day else None, 0))
        rows.append(tuple(values))
    return rows


def _rollup_rows(
    source: str,
    scope: Scope,
    *,
    by_day: bool,
    histograms: Sequence[str],
    counts: Sequence[str],
) -> list[tuple[Any, ...]]:
    """([day], *counts, *histograms) of the scope, in one hand-written query.

    The hot path of every dashboard and of the API by period: written as SQL, as the
    ORM's compiling of fifteen sums and converting of each value cost more than the
    database's work on a few thousand rows. Without histograms the database sums the
    counts (per day, or over the scope); with them every row comes back.
    """
    if THEME_COMMENTS in counts:
        return _with_theme_comments(scope, by_day=by_day, counts=counts)
    model = _model(source, scope)
    ops, q = connection.ops, connection.ops.quote_name
    where = ["r.day >= %s", "r.day <= %s"]
    params: list[Any] = [
        ops.adapt_datefield_value(scope.date_from),
        ops.adapt_datefield_value(scope.date_to),
    ]
    if scope.touchpoint_id is not None:
        where.append("r.touchpoint_id = %s")
        params.append(scope.touchpoint_id)
    if scope.stage is not None:
        where.append("t.stage = %s")
        params.append(scope.stage)
    if scope.team_id is not None:
        # A case's own team; feedback's, the team owning its touch point now.
        where.append("r.team_id = %s" if source == "case" else "t.owning_team_id = %s")
        params.append(scope.team_id)
    join = ""
    if scope.stage is not None or (scope.team_id is not None and source != "case"):
        join = f" JOIN {q(Touchpoint._meta.db_table)} t ON t.id = r.touchpoint_id"
    if scope.channel is not None:
        where.append("r.channel = %s")
        params.append(scope.channel)
    if scope.segment is not None:
        where.append("r.segment = %s")
        params.append(_segment_value(scope.segment))
    day = ["r.day"] if by_day else []
    if histograms:
        columns = [*day, *(f"r.{q(c)}" for c in (*counts, *histograms))]
        group = ""
    else:
        columns = [*day, *(f"SUM(r.{q(c)})" for c in counts)]
        group = " GROUP BY r.day" if by_day else ""
    sql = (
        f"SELECT {', '.join(columns)} FROM {q(model._meta.db_table)} r{join} "
        f"WHERE {' AND '.join(where)}{group}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    first = 1 if by_day else 0
    if histograms:  # plain columns: integers already; JSON text on SQLite
        decode = range(first + len(counts), first + len(counts) + len(histograms))
        rows = []
        for row in fetched:
            values = list(row)
            for i in decode:
                if isinstance(values[i], str):
                    values[i] = json.loads(values[i])
            rows.append(values)
    else:  # SUM is NULL over no rows, and a decimal on PostgreSQL
        rows = [[*row[:first], *(int(v or 0) for v in row[first:])] for row in fetched]
    if by_day and rows and isinstance(rows[0][0], str):  # SQLite may give dates as text
        for values in rows:
            values[0] = dt.date.fromisoformat(values[0])
    return [tuple(values) for values in rows]


def _rows(metric: Metric, scope: Scope, by: str) -> Iterable[tuple[str, dict[str, Any]]]:
    """(group key, sums) per touch point, stage, team or segment."""
    rows = _scoped(metric.source, scope, by)
    column = _GROUP_COLUMNS[by]
    if metric.histogram is not None:
        # Histograms are JSON lists: summed bucket by bucket here, not in SQL.
        for row in rows.values(metric.histogram, column).iterator(chunk_size=2000):
            yield _key(row[column], by), {"histogram": row[metric.histogram]}
        return
    counts = FEEDBACK_COUNTS if metric.source == "feedback" else CASE_COUNTS
    sums = {name: Sum(name) for name in counts}
    themed: dict[str, int] = {}
    if metric.by_theme:
        by_group = _themed(scope).values(column).annotate(n=Sum("comments"))
        themed = {_key(value, by): int(n or 0) for value, n in by_group.values_list(column, "n")}
    for row in rows.order_by().values(column).annotate(**sums):
        key = _key(row[column], by)
        yield key, {**row, THEME_COMMENTS: themed.get(key, 0)} if metric.by_theme else row


def _key(value: Any, by: str | None) -> str:
    if by is None:
        return "all"
    if by in ("day", "week", "month"):
        return _period_key(value, by)
    if by == "segment" and not value:
        return UNKNOWN_SEGMENT
    return str(value)


def metric_groups(metric: Metric, scope: Scope, by: str | None = None) -> list[Group]:
    """The metric per group (one group "all" without `by`), groups in key order."""
    if by is None or by in ("day", "week", "month"):
        wanted = [metric.histogram] if metric.histogram is not None else []
        period = cast(Period | None, by)
        # One metric alone: only the counts its estimate reads are summed.
        whole, periods, _ = _sums_by_period(
            metric.source, scope, period, wanted, columns=metric.columns
        )
        if period is None:
            return [whole.group("all", metric)]
        return [periods[key].group(key, metric) for key in sorted(periods)]
    totals: dict[str, dict[str, int]] = {}
    histograms: dict[str, list[int]] = {}
    for key, row in _rows(metric, scope, by):
        if metric.histogram is not None:
            into = histograms.setdefault(key, [0] * (len(DURATION_EDGES) - 1))
            for i, n in enumerate(row["histogram"]):
                into[i] += int(n)
            continue
        sums = totals.setdefault(key, defaultdict(int))
        for name, value in row.items():
            if isinstance(value, int) or value is None:
                sums[name] += int(value or 0)
    groups = []
    if metric.histogram is not None:
        for key, histogram in sorted(histograms.items()):
            groups.append(Group(key, _median_hours(histogram), {"n": sum(histogram)}))
    elif metric.estimate is not None:
        for key, sums in sorted(totals.items()):
            groups.append(Group(key, metric.estimate(sums), sums))
    return groups


@dataclass(frozen=True)
class Totals:
    """A source's counts and histograms summed over one period or the whole scope."""

    counts: dict[str, int]
    histograms: dict[str, list[int]]

    @classmethod
    def of_rows(
        cls, rows: Sequence[Sequence[Any]], counts: Sequence[str], histograms: Sequence[str]
    ) -> Totals:
        """Rows of (*counts, *histograms), summed column by column, buckets one by one."""
        if not rows:
            return cls(dict.fromkeys(counts, 0), {h: [0] * DURATION_BUCKETS for h in histograms})
        columns = list(zip(*rows, strict=True))
        width = len(counts)
        return cls(
            {name: int(sum(column)) for name, column in zip(counts, columns, strict=False)},
            {
                name: [int(sum(bucket)) for bucket in zip(*column, strict=True)]
                for name, column in zip(histograms, columns[width:], strict=True)
            },
        )

    def row(self) -> tuple[Any, ...]:
        return (*self.counts.values(), *self.histograms.values())

    def group(self, key: str, metric: Metric) -> Group:
        if metric.histogram is not None:
            histogram = self.histograms[metric.histogram]
            return Group(key, _median_hours(histogram), {"n": sum(histogram)})
        assert metric.estimate is not None
        return Group(key, metric.estimate(self.counts), dict(self.counts))


def metric_totals(
    metric: Metric, scope: Scope, period: Period | None = None
) -> tuple[Totals, dict[str, Totals]]:
    """The metric's raw sums over the scope, and per period (periods with rows only):
    its counts, and for a duration its histogram — what a comparison that must add or
    subtract samples (a check against the rest of the organisation) reads."""
    wanted = [metric.histogram] if metric.histogram is not None else []
    whole, periods, _ = _sums_by_period(
        metric.source, scope, period, wanted, columns=metric.columns
    )
    return whole, periods


def _sums_by_period(
    source: Literal["feedback", "case"],
    scope: Scope,
    period: Period | None,
    histograms: Sequence[str],
    *,
    earlier_from: dt.date | None = None,
    columns: Sequence[str] = (),
) -> tuple[Totals, dict[str, Totals], Totals | None]:
    """One query: the source's sums over the scope and per period (periods with rows only).

    With `earlier_from`, the same query also reads the days from there up to the
    scope's first day, summed apart (the span a figure is compared with).
    Rows are folded column by column, which keeps the Python work to a few C-level
    sums per period.
    """
    counts = columns or (FEEDBACK_COUNTS if source == "feedback" else CASE_COUNTS)
    if period is None:
        rows = _rollup_rows(source, scope, by_day=False, histograms=histograms, counts=counts)
        return Totals.of_rows(rows, counts, histograms), {}, None
    read = scope if earlier_from is None else replace(scope, date_from=earlier_from)
    rows = _rollup_rows(source, read, by_day=True, histograms=histograms, counts=counts)
    keys: dict[dt.date, str] = {}
    by_period: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    before: list[tuple[Any, ...]] = []
    for row in rows:
        day = row[0]
        if day < scope.date_from:
            before.append(row[1:])
            continue
        if day not in keys:
            keys[day] = _period_key(day, period)
        by_period[keys[day]].append(row[1:])
    periods = {key: Totals.of_rows(values, counts, histograms) for key, values in by_period.items()}
    total = Totals.of_rows([p.row() for p in periods.values()], counts, histograms)
    earlier = None if earlier_from is None else Totals.of_rows(before, counts, histograms)
    return total, periods, earlier


def metrics_by_period(
    metrics: Sequence[Metric], scope: Scope, period: Period = "week"
) -> dict[str, tuple[Group, list[Group]]]:
    """For each metric name: (the whole scope's group "all", its groups per period in key order).

    The same figures as metric_groups(metric, scope) and metric_groups(metric, scope,
    period), for many metrics at once: one query per rollup table (feedback, case),
    whatever the number of metrics. A case metric with a channel in the scope is
    refused (ValueError): cases have no channel.
    """
    answer, _ = metrics_with_before(metrics, scope, period, before=None)
    return answer


def metrics_with_before(
    metrics: Sequence[Metric], scope: Scope, period: Period, *, before: Scope | None
) -> tuple[dict[str, tuple[Group, list[Group]]], dict[str, Group]]:
    """metrics_by_period, and each metric over `before` (a span ending the day before the
    scope starts) read by the same queries: (by period, {name: the earlier total})."""
    if before is not None and before.date_to != scope.date_from - dt.timedelta(days=1):
        raise ValueError("the earlier span must end the day before the scope starts")
    folded: dict[str, tuple[Totals, dict[str, Totals], Totals | None]] = {}
    for source in ("feedback", "case"):
        chosen = [m for m in metrics if m.source == source]
        if chosen:
            histograms = sorted({m.histogram for m in chosen if m.histogram is not None})
            themed = any(m.by_theme for m in chosen)
            folded[source] = _sums_by_period(
                source,
                scope,
                period,
                histograms,
                earlier_from=before.date_from if before is not None else None,
                columns=(*FEEDBACK_COUNTS, THEME_COMMENTS) if themed else (),
            )
    answer: dict[str, tuple[Group, list[Group]]] = {}
    earlier: dict[str, Group] = {}
    for metric in metrics:
        total, periods, earlier_sums = folded[metric.source]
        answer[metric.name] = (
            total.group("all", metric),
            [periods[key].group(key, metric) for key in sorted(periods)],
        )
        if earlier_sums is not None:
            earlier[metric.name] = earlier_sums.group("all", metric)
    return answer, earlier


def _median_hours(histogram: list[int]) -> Estimate:
    est = quantile_from_histogram(DURATION_EDGES, histogram, 0.5)

    def hours(seconds: float | None) -> float | None:
        return None if seconds is None else seconds / HOUR

    return Estimate(
        value=hours(est.value),
        n=est.n,
        ci_low=hours(est.ci_low),
        ci_high=hours(est.ci_high),
        enough_data=est.enough_data,
        method=est.method,
    )


def metric_control_chart(
    metric: Metric, scope: Scope, period: Period = "week", *, today: dt.date | None = None
) -> Chart:
    """The metric's control chart over whole periods with data (see whole_period)."""
    if metric.chart is None:
        raise ValueError(f"{metric.name} has no control chart")
    today = today or day_of(timezone.now())
    groups = [
        g
        for g in metric_groups(metric, scope, period)
        if g.estimate.n > 0 and whole_period(g.key, period, scope, today)
    ]
    chart = control_chart(metric, groups)
    return Chart(groups, chart, chart.note if chart else TOO_FEW_PERIODS)
