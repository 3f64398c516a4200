"""An objective's status, computed from its metric, never typed.

Met when the current interval (the last eight whole weeks) lies wholly on the right
side of the target; otherwise on track, at risk or off track from the weekly series'
weighted line projected to the due date, with its prediction interval and the
probability of reaching the target (statistics/projection.py) — or not enough data.
The weekly points carry their own standard errors: the p-chart's σ for a share, the
estimate's for NPS and means, the interval's half-width for a median duration.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from vocloop.improvement.models import Direction, Objective
from vocloop.improvement.samples import measured_scope
from vocloop.lib.words import number
from vocloop.metrics.catalogue import METRICS, bounds_of, format_value
from vocloop.metrics.selectors import metric_control_chart, metric_groups, whole_period
from vocloop.statistics.estimate import Estimate, z_value
from vocloop.statistics.projection import Projection, SeriesPoint, project_objective

CURRENT_WEEKS = 8
SERIES_WEEKS = 26


@dataclass(frozen=True)
class ObjectiveStatus:
    status: str
    sentence: str
    baseline: Estimate
    projection: Projection
    series: list[SeriesPoint]


def _last_whole_week_end(today: dt.date) -> dt.date:
    """The Sunday that ended the last whole week before today."""
    return today - dt.timedelta(days=today.weekday() + 1)


def weekly_series(objective: Objective, *, today: dt.date) -> list[SeriesPoint]:
    metric = METRICS[objective.metric]
    last = _last_whole_week_end(today)
    scope = measured_scope(
        objective, last - dt.timedelta(weeks=SERIES_WEEKS) + dt.timedelta(1), last
    )
    z = z_value()
    points = []
    if metric.chart is not None:
        drawn = metric_control_chart(metric, scope, "week", today=today)
        sigmas = drawn.chart.sigma if drawn.chart is not None and metric.chart == "p" else ()
        for i, group in enumerate(drawn.groups):
            se = sigmas[i] if sigmas else _standard_error(group.estimate, z)
            if se is not None:
                points.append(_point(group.key, group.estimate, se))
    else:
        for group in metric_groups(metric, scope, "week"):
            se = _standard_error(group.estimate, z)
            if (
                se is not None
                and group.estimate.n
                and whole_period(group.key, "week", scope, today)
            ):
                points.append(_point(group.key, group.estimate, se))
    return points


def _standard_error(estimate: Estimate, z: float) -> float | None:
    if estimate.standard_error is not None:
        return estimate.standard_error
    if estimate.ci_low is None or estimate.ci_high is None:
        return None
    return (estimate.ci_high - estimate.ci_low) / (2 * z)


def _point(key: str, estimate: Estimate, se: float) -> SeriesPoint:
    monday = dt.date.fromisoformat(key)
    return SeriesPoint(
        (monday + dt.timedelta(days=3)).toordinal(), float(estimate.value or 0.0), se, estimate.n
    )


def objective_status(objective: Objective, *, today: dt.date) -> ObjectiveStatus:
    metric = METRICS[objective.metric]
    last = _last_whole_week_end(today)
    current_scope = measured_scope(
        objective, last - dt.timedelta(weeks=CURRENT_WEEKS) + dt.timedelta(1), last
    )
    (current,) = metric_groups(metric, current_scope)
    baseline_scope = measured_scope(objective, objective.baseline_from, objective.baseline_to)
    (baseline,) = metric_groups(metric, baseline_scope)
    series = weekly_series(objective, today=today)
    projection = project_objective(
        series,
        current=current.estimate,
        target=objective.target,
        due_day=objective.due_on.toordinal(),
        higher_is_better=objective.direction == Direction.HIGHER,
        bounds=bounds_of(metric),
    )
    return ObjectiveStatus(
        projection.status,
        status_sentence(objective, projection),
        baseline.estimate,
        projection,
        series,
    )


def likelihood(probability: float) -> str:
    """A probability as the sentences say it: "42 %", never a bare 0 % or 100 %."""
    if probability < 0.005:
        return "less than 1 %"
    if probability > 0.995:
        return "more than 99 %"
    return f"{100 * probability:.0f} %"


def status_sentence(objective: Objective, projection: Projection) -> str:
    """ "NPS 31 [26, 36], n=812; at this pace 42 % likely to reach 40 by 30 June."

    A lower-is-better target is "to be at or below" it: "reach" reads wrongly when the
    figure is below the target already and the question is whether it stays there."""
    name, current = objective.metric, projection.current
    if current.value is None:
        shown = f"no answers in the last {CURRENT_WEEKS} whole weeks"
    else:
        shown = (
            f"{format_value(current.value, name)} [{format_value(current.ci_low, name)}, "
            f"{format_value(current.ci_high, name)}], n={number(current.n)}"
        )
    target = format_value(objective.target, name)
    aim = "reach" if objective.direction == Direction.HIGHER else "be at or below"
    due = f"{objective.due_on:%-d %B %Y}"
    if projection.status == "met":
        side = "at or above" if objective.direction == Direction.HIGHER else "at or below"
        return f"Met: {shown}, wholly {side} the target of {target}."
    if projection.status == "not enough data" or projection.probability is None:
        return (
            f"Not enough data to project: {shown}; {projection.points_used} whole weeks "
            f"with answers. The target is {target} by {due}."
        )
    return (
        f"{shown}; at this pace {likelihood(projection.probability)} likely to {aim} {target} "
        f"by {due} (projected {format_value(projection.prediction, name)} "
        f"[{format_value(projection.prediction_low, name)}, "
        f"{format_value(projection.prediction_high, name)}])."
    )
