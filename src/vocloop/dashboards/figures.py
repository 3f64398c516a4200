"""What the dashboards show: each figure with its interval, its n, its trend and its latest signal.

Everything is read from the rollups through metrics/selectors.py; this module only
decides what a reader needs to know about a figure: whether there is enough data
to show it at all, which way is better, and whether its control chart signals a
change *now* (a signal that includes the latest whole period) or only did so
earlier in the range. An earlier signal is history, shown on the metric's own
page; flagging it on an overview would keep touch points red long after the fact.
A sustained shift keeps the latest point inside a signal week after week; a lone
false alarm does not stay there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from django.conf import settings
from django.utils import timezone

from vocloop.lib.days import day_of
from vocloop.metrics.catalogue import LABELS as LABELS
from vocloop.metrics.catalogue import LOWER_IS_BETTER
from vocloop.metrics.selectors import (
    METRICS,
    TOO_FEW_PERIODS,
    Group,
    Metric,
    Period,
    Scope,
    Sums,
    control_chart,
    enough,
    metrics_with_before,
    whole_period,
)
from vocloop.statistics.compare import (
    NO_CHANGE,
    Comparison,
    compare_means,
    compare_nps,
    compare_proportions,
)
from vocloop.statistics.control_charts import ControlChart
from vocloop.statistics.estimate import Estimate
from vocloop.statistics.metrics import NpsCounts

EXPLANATIONS: dict[str, str] = {
    "nps": "Promoters (9–10) minus detractors (0–6), in points from −100 to 100.",
    "csat": "Share of satisfied answers: 4 or 5 on a 1–5 scale.",
    "ces": "Mean answer to “how easy was it?” on a 1–7 scale.",
    "ces_easy": "Share of effort answers of 5–7 (easy) on a 1–7 scale.",
    "complaint_rate": "Complaints as a share of all feedback received.",
    "negative_comments": "Comments read as negative, of all comments read: every comment "
    "counts, scored or not (reviews, social posts, complaints), on the day it was given; a "
    "label corrected by staff counts as corrected.",
    "sentiment": "Mean sentiment of the comments read, from −1 (very negative) to 1 (very "
    "positive): every comment counts, scored or not, on the day it was given.",
    "sla_compliance": "Of the cases whose resolution deadline fell in the period, the share "
    "resolved by it. Every such case counts on its deadline's day: resolved in time, resolved "
    "late, or still open past the deadline (a miss already); a deadline still ahead counts "
    "once it is met or passes.",
    "sla_compliance_acknowledge": "Of the cases whose acknowledgement deadline fell in the "
    "period, the share acknowledged by it: acknowledged in time, late, or not yet (a miss "
    "already), each on its deadline's day.",
    "recovery_rate": "Customers who said they were satisfied with the resolution, of all "
    "who answered.",
    "time_to_acknowledge": "Median business hours from opening to the first acknowledgement.",
    "time_to_resolve": "Median business hours from opening to resolution.",
    "theme_share": "Comments about one theme, of all comments read; a parent theme counts "
    "its children's comments. Read theme by theme: on a quality objective or improvement "
    "action, or through the API.",
}
OVERVIEW_METRICS = (
    "nps",
    "csat",
    "ces",
    "complaint_rate",
    "negative_comments",
    "sentiment",
    "sla_compliance",
    "recovery_rate",
)
SCORE_METRICS = ("nps", "csat", "ces")

Meaning = Literal["worse", "better"]


# The Western Electric rules in words a reader needs no statistics for.
PLAIN_RULES = {
    "we-1": "1 {period} far {side} the usual range",
    "we-2": "2 of 3 {period}s well {side} the average",
    "we-3": "4 of 5 {period}s {side} the average",
    "we-4": "8 {period}s in a row {side} the average",
}


@dataclass(frozen=True)
class SignalView:
    rule: str
    description: str
    keys: tuple[str, ...]
    meaning: Meaning
    current: bool
    rising: bool = False

    def plain(self, period: str) -> str:
        side = "above" if self.rising else "below"
        template = PLAIN_RULES.get(self.rule)
        if template is None:
            return self.description
        return template.format(period=period, side=side)

    @property
    def last_key(self) -> str:
        return self.keys[-1]


@dataclass
class Figure:
    """One metric over one scope: the headline estimate, its series and its chart."""

    metric: Metric
    total: Estimate
    sums: Sums  # the whole range's rollup sums (counts behind the estimate)
    series: list[Group]
    chart: ControlChart | None
    chart_note: str
    signals: list[SignalView] = field(default_factory=list)
    # Answers in the range but in no charted period (the week in progress, or one
    # the range cuts): counted in the headline, charted once their period is whole.
    left_out: int = 0
    before: Scope | None = None
    comparison: Comparison | None = None

    @property
    def comparison_meaning(self) -> str:
        """ "better", "worse" or "" (no detectable change) for the comparison with before."""
        if self.comparison is None or self.comparison.verdict == NO_CHANGE:
            return ""
        higher = self.comparison.verdict == "higher"
        return "worse" if higher == (self.metric.name in LOWER_IS_BETTER) else "better"

    @property
    def name(self) -> str:
        return self.metric.name

    @property
    def label(self) -> str:
        return LABELS.get(self.metric.name, self.metric.name)

    @property
    def enough_data(self) -> bool:
        return enough(self.total)

    @property
    def latest_signal(self) -> SignalView | None:
        """The signal that ends last; of two ending together, the one for the worse."""
        return max(self.signals, key=lambda s: (s.last_key, s.meaning == "worse"), default=None)

    @property
    def current_signal(self) -> SignalView | None:
        """A signal that includes the latest whole period: the process has changed as of now."""
        current = [s for s in self.signals if s.current]
        return max(current, key=lambda s: s.meaning == "worse", default=None)


def signal_views(
    chart: ControlChart, keys: Sequence[str], *, lower_is_better: bool
) -> list[SignalView]:
    """A chart's signals for a reader: which points, which way, and whether still current."""
    latest = len(keys) - 1
    views = []
    for signal in chart.signals:
        # The Western Electric rules fire on one side of the centre: its sign is the direction.
        rising = sum(chart.z[i] for i in signal.indices) > 0
        bad = rising if lower_is_better else not rising
        views.append(
            SignalView(
                rule=signal.rule,
                description=signal.description,
                keys=tuple(keys[i] for i in signal.indices),
                meaning="worse" if bad else "better",
                current=latest in signal.indices,
                rising=rising,
            )
        )
    return views


def figure_from(
    metric: Metric,
    total: Group,
    series: list[Group],
    scope: Scope,
    period: Period,
    today: dt.date,
) -> Figure:
    """A figure from already-read groups: nothing more is read from the database.

    The headline covers the whole range; the trend and the chart, whole periods
    only, and only when the whole range has enough answers to be read at all.
    """
    whole = [g.estimate.n > 0 and whole_period(g.key, period, scope, today) for g in series]
    charted = [g for g, keep in zip(series, whole, strict=True) if keep]
    left_out = sum(g.estimate.n for g, keep in zip(series, whole, strict=True) if not keep)
    chart: ControlChart | None = None
    if metric.chart is None:
        note = "A duration has no control chart; its median and interval are shown."
    elif not enough(total.estimate):
        note = "Not enough answers in this range for a control chart."
    else:
        chart = control_chart(metric, charted)
        note = chart.note if chart else TOO_FEW_PERIODS
    keys = [g.key for g in charted]
    lower_is_better = metric.name in LOWER_IS_BETTER
    signals = signal_views(chart, keys, lower_is_better=lower_is_better) if chart else []
    return Figure(metric, total.estimate, total.sums, charted, chart, note, signals, left_out)


def previous_scope(scope: Scope) -> Scope:
    """The same number of days just before the scope: what "compared with before" means."""
    days = (scope.date_to - scope.date_from).days + 1
    return replace(
        scope,
        date_from=scope.date_from - dt.timedelta(days=days),
        date_to=scope.date_from - dt.timedelta(days=1),
    )


def compared(metric: Metric, now: Sums, before: Sums) -> Comparison | None:
    """This range against the one before, with the test that fits the metric.

    None when either side has too few answers to compare: a difference between
    small samples would be read as news.
    """
    min_n = settings.MIN_RESPONSES
    try:
        if metric.name == "nps":
            a, b = (
                NpsCounts(s["nps_promoters"], s["nps_passives"], s["nps_detractors"])
                for s in (now, before)
            )
            result = compare_nps(a, b, min_n=min_n)
        elif metric.counts is not None:
            result = compare_proportions(*metric.counts(now), *metric.counts(before), min_n=min_n)
        elif metric.moments is not None:
            result = compare_means(metric.moments(now), metric.moments(before), min_n=min_n)
        else:
            return None
    except (ValueError, KeyError, ZeroDivisionError):
        return None
    return result if result.enough_data else None


def figures(
    names: Sequence[str], scope: Scope, period: Period = "week", *, compare: bool = False
) -> list[Figure]:
    """Several metrics over one scope, read together (one query per rollup table).

    With `compare`, each figure also carries its comparison with the range before
    (read with one more query per rollup table).
    """
    metrics = [METRICS[name] for name in names]
    before = previous_scope(scope) if compare else None
    read, earlier = metrics_with_before(metrics, scope, period, before=before)
    today = day_of(timezone.now())
    shown = [figure_from(m, *read[m.name], scope, period, today) for m in metrics]
    if before is not None:
        for fig in shown:
            fig.before = before
            fig.comparison = compared(fig.metric, fig.sums, earlier[fig.name].sums)
    return shown


def figure(name: str, scope: Scope, period: Period = "week") -> Figure:
    return figures([name], scope, period)[0]
