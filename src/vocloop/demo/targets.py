"""A demo objective's target, chosen so that its computed status is the one the demo shows.

The status is computed from the data (improvement/status.py), and the demo is generated
at any size and seed: a fixed target that is "at risk" on 20,000 responses may be "met"
or "off track" on a million, whose intervals are far narrower. So each objective names
the status it is there to show and, where it has one, its natural target (the level
before the baseline changed, a round figure); the target is the natural one when that
gives the status, else the nearest round figure that does, else the exact one. Each
candidate is judged by the same projection the status uses, on the same series.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from vocloop.improvement.models import Objective
from vocloop.improvement.status import objective_status
from vocloop.metrics.catalogue import METRICS
from vocloop.statistics.projection import (
    AT_RISK,
    MET,
    OFF_TRACK,
    ON_TRACK,
    Projection,
    project_objective,
)

# How finely a target is written: a tenth of a per cent, a twentieth of a point.
STEPS = {"share": 0.001, "points": 1.0, "business hours": 1.0}
MEAN_STEP = 0.05


@dataclass(frozen=True)
class ObjectiveAim:
    key: str
    title: str
    aim: str  # the status the objective shows on the demo's data
    metric: str
    higher: bool
    due_days: int
    team: str
    owner: str
    touchpoint: str | None = None
    channel: str = ""
    dimension: str = ""
    want: str = ""
    # A target of its own, or "baseline": the baseline period's value.
    natural: float | Literal["baseline"] | None = None
    set_days_ago: int = 75
    baseline_days: tuple[int, int] = (180, 90)  # from … to, in days before the demo's now
    # Objectives to set instead, in order, where the data cannot show this one's status
    # (the support desk's slow improvement is not always steady enough to project).
    instead: tuple[ObjectiveAim, ...] = ()


def _step(metric: str) -> float:
    return STEPS.get(METRICS[metric].unit, MEAN_STEP)


def _wanted(projection: Projection, aim: str, higher: bool) -> Iterator[float]:
    """Targets that would give the aimed status, from the most to the least natural."""
    current = projection.current
    prediction, se = projection.prediction, projection.prediction_se
    sign = 1.0 if higher else -1.0
    near = current.ci_low if higher else current.ci_high
    if aim == MET and near is not None:
        yield near  # the edge of the current interval: met, just
    if prediction is None or se is None:
        return
    if aim == ON_TRACK:
        yield prediction - sign * 1.28 * se  # 90 % likely
        if near is not None:  # between the interval's edge and 80 % likely
            yield (near + prediction - sign * 0.84 * se) / 2
    elif aim == AT_RISK:
        yield prediction  # even odds
        if near is not None:
            yield near + sign * 0.1 * se
    elif aim == OFF_TRACK:
        yield prediction + sign * 1.5 * se  # 7 % likely


def _rounded(value: float, step: float, higher: bool, aim: str) -> list[float]:
    """The value written to the step, rounded both ways (the safer first), and as it is."""
    down, up = math.floor(value / step) * step, math.ceil(value / step) * step
    safer_down = (aim == MET) == higher
    firsts = (down, up) if safer_down else (up, down)
    return [round(v, 6) for v in firsts] + [value]


def target_for(objective: Objective, aim: ObjectiveAim, *, today: dt.date) -> float | None:
    """The target of `objective` (its other fields set) that gives `aim.aim` as of `today`,
    or None where no target does."""
    status = objective_status(objective, today=today)
    projection = status.projection

    def gives(target: float) -> bool:
        if METRICS[aim.metric].unit == "share" and not 0 <= target <= 1:
            return False
        judged = project_objective(
            status.series,
            current=projection.current,
            target=target,
            due_day=objective.due_on.toordinal(),
            higher_is_better=aim.higher,
        )
        return judged.status == aim.aim

    natural = status.baseline.value if aim.natural == "baseline" else aim.natural
    if natural is not None:
        for target in _rounded(natural, _step(aim.metric), aim.higher, aim.aim):
            if gives(target):
                return target
    for wanted in _wanted(projection, aim.aim, aim.higher):
        for target in _rounded(wanted, _step(aim.metric), aim.higher, aim.aim):
            if gives(target):
                return target
    return None


def target_fallback(objective: Objective, aim: ObjectiveAim, *, today: dt.date) -> float:
    """Where the data cannot show the status (a small demo): the natural target, or the
    current value."""
    status = objective_status(objective, today=today)
    natural = status.baseline.value if aim.natural == "baseline" else aim.natural
    fallback = natural if natural is not None else status.projection.current.value
    return _rounded(float(fallback or 0.0), _step(aim.metric), aim.higher, aim.aim)[0]
