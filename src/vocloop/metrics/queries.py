"""Reading metrics from the rollups: every figure with its interval, per group or period.

Nothing here reads raw feedback or cases: each answer sums the rollup rows of its
scope in SQL (one row per group and day), folds days into weeks or months in
Python, and hands the sums to the statistics package. The number of queries does
not depend on the number of responses, only on the filters given.

Definitions (PRODUCT.md where it gives one):
- nps, csat, ces (mean on 1–7), ces_easy (share of 5–7): from survey scores.
- complaint_rate: complaints / all feedback received.
- sla_compliance: cases resolved within their resolution deadline / cases resolved
  with a deadline (resolution is what the customer waits for);
  sla_compliance_acknowledge is the same for the first answer.
- recovery_rate: "satisfied" verdicts after resolution / all verdicts.
- time_to_acknowledge, time_to_resolve: the median in business hours, from the
  duration histograms; the interval is widened to the histogram's bucket edges.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from django.db.models import QuerySet, Sum

from vocloop.metrics.models import DURATION_EDGES, HOUR, CaseRollup, FeedbackRollup
from vocloop.metrics.rollups import CASE_COUNTS, FEEDBACK_COUNTS
from vocloop.statistics import metrics as stats
from vocloop.statistics.control_charts import ControlChart, p_chart, xmr_chart
from vocloop.statistics.estimate import Estimate
from vocloop.statistics.intervals import Moments
from vocloop.statistics.quantiles import quantile_from_histogram

Grouping = Literal["day", "week", "month", "touchpoint", "stage", "team", "segment"]
Period = Literal["day", "week", "month"]
Sums = Mapping[str, int]
# A blank segment (customer or size unknown) is shown and filtered by this name.
UNKNOWN_SEGMENT = "unknown"


@dataclass(frozen=True)
class Metric:
    name: str
    source: Literal["feedback", "case"]
    # From the summed counts; None for durations, estimated from their histogram.
    estimate: Callable[[Sums], Estimate] | None
    # For proportions: (successes, n) from the sums — what a p-chart plots.
    counts: Callable[[Sums], tuple[int, int]] | None = None
    histogram: str | None = None  # duration metrics: the rollup histogram they read
    unit: str = ""

    @property
    def chart(self) -> Literal["p", "XmR", None]:
        if self.counts is not None:
            return "p"
        return None if self.histogram else "XmR"


def _share(successes: str, *total: str) -> Callable[[Sums], tuple[int, int]]:
    return lambda s: (int(s[successes]), sum(int(s[t]) for t in total))


def _csat_counts(s: Sums) -> tuple[int, int]:
    # CSAT: the share of 4 and 5 on a 1–5 scale.
    return int(s["csat_4"] + s["csat_5"]), sum(int(s[f"csat_{i}"]) for i in range(1, 6))


def _proportion_metric(name: str, source: Literal["feedback", "case"], counts: Any) -> Metric:
    return Metric(name, source, lambda s: stats.proportion(*counts(s)), counts=counts, unit="share")


def _duration_metric(name: str, histogram: str) -> Metric:
    return Metric(name, "case", None, histogram=histogram, unit="business hours")


METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric(
            "nps",
            "feedback",
            lambda s: stats.nps(s["nps_promoters"], s["nps_passives"], s["nps_detractors"]),
            unit="points",
        ),
        _proportion_metric("csat", "feedback", _csat_counts),
        Metric(
            "ces",
            "feedback",
            lambda s: stats.mean(Moments(s["ces_n"], s["ces_sum"], s["ces_sum_squares"])),
            unit="mean on 1–7",
        ),
        _proportion_metric("ces_easy", "feedback", _share("ces_easy", "ces_n")),
        _proportion_metric("complaint_rate", "feedback", _share("complaints", "responses")),
        _proportion_metric(
            "sla_compliance", "case", _share("resolved_within_sla", "resolved_with_sla")
        ),
        _proportion_metric(
            "sla_compliance_acknowledge",
            "case",
            _share("acknowledged_within_sla", "acknowledged_with_sla"),
        ),
        _proportion_metric(
            "recovery_rate",
            "case",
            _share("verdicts_satisfied", "verdicts_satisfied", "verdicts_unsatisfied"),
        ),
        _duration_metric("time_to_acknowledge", "acknowledge_histogram"),
        _duration_metric("time_to_resolve", "resolve_histogram"),
    )
}


@dataclass(frozen=True)
class Scope:
    """Which rollup rows count: inclusive dates and optional filters (already validated)."""

    date_from: dt.date
    date_to: dt.date
    touchpoint_id: int | None = None
    stage: str | None = None
    channel: str | None = None  # feedback metrics only: cases have no channel
    segment: str | None = None


@dataclass(frozen=True)
class Group:
    key: str
    estimate: Estimate
    sums: Sums


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


def _rows(metric: Metric, scope: Scope, by: str | None) -> Iterable[tuple[str, dict[str, Any]]]:
    """(group key, sums) per group and — for periods and histograms — per day."""
    rows: QuerySet[Any] = (
        FeedbackRollup.objects.all() if metric.source == "feedback" else CaseRollup.objects.all()
    )
    rows = rows.filter(day__gte=scope.date_from, day__lte=scope.date_to)
    if scope.touchpoint_id is not None:
        rows = rows.filter(touchpoint_id=scope.touchpoint_id)
    if scope.stage is not None:
        rows = rows.filter(touchpoint__stage=scope.stage)
    if scope.channel is not None:
        rows = rows.filter(channel=scope.channel)
    if scope.segment is not None:
        rows = rows.filter(segment="" if scope.segment == UNKNOWN_SEGMENT else scope.segment)
    column = "day" if by in ("day", "week", "month") else _GROUP_COLUMNS.get(by or "")
    if metric.histogram is not None:
        # Histograms are JSON lists: summed bucket by bucket here, not in SQL.
        fields = [metric.histogram] + ([column] if column else [])
        for row in rows.values(*fields).iterator(chunk_size=2000):
            yield (
                _key(row.get(column) if column else None, by),
                {"histogram": row[metric.histogram]},
            )
        return
    counts = FEEDBACK_COUNTS if metric.source == "feedback" else CASE_COUNTS
    sums = {name: Sum(name) for name in counts}
    if column is None:
        yield "all", rows.aggregate(**sums)
        return
    for row in rows.order_by().values(column).annotate(**sums):
        yield _key(row[column], by), row


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
    if by is None and metric.histogram is not None:
        histograms.setdefault("all", [0] * (len(DURATION_EDGES) - 1))
    groups = []
    if metric.histogram is not None:
        for key, histogram in sorted(histograms.items()):
            groups.append(Group(key, _median_hours(histogram), {"n": sum(histogram)}))
    elif metric.estimate is not None:
        for key, sums in sorted(totals.items()):
            groups.append(Group(key, metric.estimate(sums), sums))
    return groups


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


@dataclass(frozen=True)
class Chart:
    """A control chart over periods: `chart` is None when fewer than two periods have data."""

    groups: list[Group]
    chart: ControlChart | None
    note: str


def metric_control_chart(metric: Metric, scope: Scope, period: Period = "week") -> Chart:
    """p-chart (Laney p′ when overdispersed) for proportions, XmR for NPS and CES means.

    Periods without data are left out: a p-chart needs n > 0 in every subgroup.
    """
    if metric.chart is None:
        raise ValueError(f"{metric.name} has no control chart")
    groups = [g for g in metric_groups(metric, scope, period) if g.estimate.n > 0]
    if len(groups) < 2:
        return Chart(groups, None, "Too few periods with data for a control chart (needs two).")
    if metric.counts is not None:
        pairs = [metric.counts(g.sums) for g in groups]
        chart = p_chart([x for x, _ in pairs], [n for _, n in pairs])
    else:
        chart = xmr_chart([float(g.estimate.value or 0.0) for g in groups])
    return Chart(groups, chart, chart.note)
