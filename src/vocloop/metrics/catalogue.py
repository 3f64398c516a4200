"""What each metric is: how it is estimated from summed rollup counts, and charted over periods.

Definitions (the formulas in docs/formulas.md where it gives them):
- nps, csat, ces (mean on 1–7), ces_easy (share of 5–7): from survey scores.
- complaint_rate: complaints / all feedback received.
- negative_comments: comments read as negative / all comments read (the label as it
  stands, a staff correction included); sentiment: the mean sentiment score of the
  comments read, −1 to 1. Both count every comment read — reviews, social posts and
  complaints with no score too — on the day its feedback was given.
- sla_compliance: of the cases whose resolve deadline fell in the period, the share
  resolved by it. Every such deadline counts on its own day: resolved in time,
  resolved late, or still unresolved past it (a miss already); a deadline not yet
  passed counts nothing until it is met or passes. Closing late cases never
  lowers the figure, and leaving them open never raises it.
  sla_compliance_acknowledge is the same for the acknowledge deadline.
- recovery_rate: "satisfied" verdicts after resolution / all verdicts.
- time_to_acknowledge, time_to_resolve: the median in business hours, from the
  duration histograms; the interval is widened to the histogram's bucket edges.
- theme_share: of the comments read, the share about one theme (Scope.theme_id), a
  parent theme's counting its children's comments as on the themes pages; read from
  ThemeRollup over FeedbackRollup.comments_read of the same scope. Lower is better:
  themes name what customers raise, most often a problem.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from django.conf import settings

from vocloop.metrics.models import SENTIMENT_UNITS
from vocloop.statistics import metrics as stats
from vocloop.statistics.control_charts import ControlChart, p_chart, xmr_chart
from vocloop.statistics.estimate import Estimate
from vocloop.statistics.intervals import Moments

Grouping = Literal["day", "week", "month", "touchpoint", "stage", "team", "segment"]
Period = Literal["day", "week", "month"]
Sums = Mapping[str, int]
# A blank segment (customer or size unknown) is shown and filtered by this name.
UNKNOWN_SEGMENT = "unknown"


def enough(estimate: Estimate) -> bool:
    """Whether a figure may be shown as a number: the organisation's minimum sample
    (VOCLOOP_MIN_RESPONSES) decides, for the dashboards and the API alike."""
    return estimate.value is not None and estimate.n >= settings.MIN_RESPONSES


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
    # The rollup counts the estimate reads: a query for this metric alone sums only these.
    columns: tuple[str, ...] = ()
    # For means: (n, sum, sum of squares) from the sums — what a comparison of means reads.
    moments: Callable[[Sums], Moments] | None = None
    # Read for one theme, whose comments the sums hold as THEME_COMMENTS (Scope.theme_id).
    by_theme: bool = False

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


def _proportion_metric(
    name: str, source: Literal["feedback", "case"], counts: Any, columns: tuple[str, ...]
) -> Metric:
    return Metric(
        name,
        source,
        lambda s: stats.proportion(*counts(s)),
        counts=counts,
        unit="share",
        columns=columns,
    )


def _share_metric(
    name: str, source: Literal["feedback", "case"], successes: str, *total: str
) -> Metric:
    return _proportion_metric(
        name, source, _share(successes, *total), tuple(dict.fromkeys((successes, *total)))
    )


def _mean_metric(
    name: str, unit: str, moments: Callable[[Sums], Moments], columns: tuple[str, ...]
) -> Metric:
    return Metric(
        name,
        "feedback",
        lambda s: stats.mean(moments(s)),
        unit=unit,
        columns=columns,
        moments=moments,
    )


def _sentiment_moments(s: Sums) -> Moments:
    # Kept in SENTIMENT_UNITS (whole numbers, exact sums): back to the −1 … 1 scale.
    return Moments(
        int(s["comments_read"]),
        s["sentiment_sum"] / SENTIMENT_UNITS,
        s["sentiment_sum_squares"] / SENTIMENT_UNITS**2,
    )


# The comments read about the scope's theme: a count ThemeRollup gives, beside the
# feedback rollups' own.
THEME_COMMENTS = "theme_comments"


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
            columns=("nps_promoters", "nps_passives", "nps_detractors"),
        ),
        _proportion_metric(
            "csat", "feedback", _csat_counts, tuple(f"csat_{i}" for i in range(1, 6))
        ),
        _mean_metric(
            "ces",
            "mean on 1–7",
            lambda s: Moments(s["ces_n"], s["ces_sum"], s["ces_sum_squares"]),
            ("ces_n", "ces_sum", "ces_sum_squares"),
        ),
        _share_metric("ces_easy", "feedback", "ces_easy", "ces_n"),
        _share_metric("complaint_rate", "feedback", "complaints", "responses"),
        _share_metric("negative_comments", "feedback", "comments_negative", "comments_read"),
        _mean_metric(
            "sentiment",
            "mean on −1 to 1",
            _sentiment_moments,
            ("comments_read", "sentiment_sum", "sentiment_sum_squares"),
        ),
        _share_metric("sla_compliance", "case", "resolve_deadlines_met", "resolve_deadlines"),
        _share_metric(
            "sla_compliance_acknowledge",
            "case",
            "acknowledge_deadlines_met",
            "acknowledge_deadlines",
        ),
        _share_metric(
            "recovery_rate",
            "case",
            "verdicts_satisfied",
            "verdicts_satisfied",
            "verdicts_unsatisfied",
        ),
        _duration_metric("time_to_acknowledge", "acknowledge_histogram"),
        _duration_metric("time_to_resolve", "resolve_histogram"),
        replace(
            _share_metric("theme_share", "feedback", THEME_COMMENTS, "comments_read"),
            by_theme=True,
        ),
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
    # A team's id: its cases (case metrics), the feedback at the touch points it owns now.
    team_id: int | None = None
    theme_id: int | None = None  # the theme of a metric read by theme (theme_share)


@dataclass(frozen=True)
class Group:
    key: str
    estimate: Estimate
    sums: Sums


@dataclass(frozen=True)
class Chart:
    """A control chart over periods: `chart` is None when fewer than two periods have data."""

    groups: list[Group]
    chart: ControlChart | None
    note: str


def period_bounds(key: str, period: Period) -> tuple[dt.date, dt.date]:
    """The first and last day of the period a key (its first day) stands for."""
    start = dt.date.fromisoformat(key)
    if period == "week":
        return start, start + dt.timedelta(days=6)
    if period == "month":
        following = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return start, following - dt.timedelta(days=1)
    return start, start


def whole_period(key: str, period: Period, scope: Scope, today: dt.date) -> bool:
    """Whether the scope holds the whole period, and the period is over.

    A control chart compares like with like: the week in progress (or one cut by
    the dates) holds a fraction of the usual answers, often from particular days,
    and would raise signals that say nothing about the process.
    """
    first, last = period_bounds(key, period)
    return first >= scope.date_from and last <= scope.date_to and last < today


def control_chart(metric: Metric, groups: Sequence[Group]) -> ControlChart | None:
    """p-chart (Laney p′ when overdispersed) for proportions, XmR for NPS and means,
    over groups that all have data; None with fewer than two."""
    if metric.chart is None:
        raise ValueError(f"{metric.name} has no control chart")
    if len(groups) < 2:
        return None
    if metric.counts is not None:
        pairs = [metric.counts(g.sums) for g in groups]
        return p_chart([x for x, _ in pairs], [n for _, n in pairs])
    return xmr_chart([float(g.estimate.value or 0.0) for g in groups])


TOO_FEW_PERIODS = "Too few whole periods with data for a control chart (needs two)."

# What each metric is called on every page.
LABELS: dict[str, str] = {
    "nps": "NPS",
    "csat": "CSAT",
    "ces": "CES (mean)",
    "ces_easy": "CES: share easy",
    "complaint_rate": "Complaint rate",
    "negative_comments": "Negative comments",
    "sentiment": "Sentiment (mean)",
    "sla_compliance": "SLA compliance",
    "sla_compliance_acknowledge": "SLA compliance: acknowledgement",
    "recovery_rate": "Recovery rate",
    "time_to_acknowledge": "Time to acknowledge (median)",
    "time_to_resolve": "Time to resolve (median)",
    "theme_share": "Theme's share of comments",
}

# For these a rise is bad news; for every other metric a rise is good news.
# The values a metric can take, by its unit: a projection or an interval beyond them
# says nothing (a share of 122 %), so they are cut there.
UNIT_BOUNDS: dict[str, tuple[float, float]] = {
    "share": (0.0, 1.0),
    "points": (-100.0, 100.0),
    "mean on 1–7": (1.0, 7.0),
    "mean on −1 to 1": (-1.0, 1.0),
    "business hours": (0.0, math.inf),
}


def bounds_of(metric: Metric) -> tuple[float, float]:
    return UNIT_BOUNDS.get(metric.unit, (-math.inf, math.inf))


LOWER_IS_BETTER = frozenset(
    {
        "complaint_rate",
        "negative_comments",
        "theme_share",
        "time_to_acknowledge",
        "time_to_resolve",
    }
)


def format_value(value: float | None, metric: str) -> str:
    """A metric's value as it reads: NPS in points, shares in per cent, CES and sentiment
    as means, durations in hours; `metric` may also be a bare unit, "share"."""
    if value is None:
        return "–"
    unit = METRICS[metric].unit if metric in METRICS else metric
    if metric == "nps":
        return f"{value:.0f}".replace("-", "−")
    if metric == "sentiment":  # −1 … 1: the sign is the news
        return f"{value:+.2f}".replace("-", "−")
    if unit == "share":
        return f"{100 * value:.1f} %"
    if unit == "business hours":
        return f"{value:.1f} h"
    return f"{value:.2f}"
