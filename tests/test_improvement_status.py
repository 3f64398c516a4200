"""An objective's status, computed from its metric's weekly series: met, on track, off track,
not enough data — and the sentence with the numbers behind it."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from tests.conftest import Org
from tests.improvement_data import plant_complaints, rollups_from_rows
from vocloop.cases.timeline import Actor
from vocloop.improvement.models import Direction, Objective
from vocloop.improvement.services import ImprovementError, objective_create
from vocloop.improvement.status import likelihood, objective_status, weekly_series
from vocloop.listening.models import Feedback
from vocloop.statistics.intervals import wilson_interval

FIRST = dt.date(2026, 3, 2)  # a Monday
WEEKS = 26
TODAY = FIRST + dt.timedelta(weeks=WEEKS)  # the Monday after the last whole week


def objective(org: Org, *, target: float, due_weeks: int = 12, **extra: object) -> Objective:
    fields: dict[str, object] = {
        "title": "Fewer invoicing complaints",
        "metric": "complaint_rate",
        "touchpoint": org.invoicing,
        "target": target,
        "direction": Direction.LOWER,
        "due_on": TODAY + dt.timedelta(weeks=due_weeks),
        "baseline_from": FIRST,
        "baseline_to": FIRST + dt.timedelta(weeks=4, days=-1),
        "team": org.billing,
        "owner": org.billing_agent,
    }
    return objective_create(actor=Actor.staff(org.manager), **(fields | extra))


def plant(org: Org, share: object, *, weeks: int = WEEKS, per_day: int = 60) -> None:
    plant_complaints(
        org.invoicing,
        first=FIRST,
        days=7 * weeks,
        per_day=per_day,
        complaint_share=share,  # type: ignore[arg-type]
        rng=random.Random(5),
    )
    rollups_from_rows()


def test_a_rate_already_well_below_the_target_is_met(org: Org) -> None:
    plant(org, 0.05)
    status = objective_status(objective(org, target=0.10), today=TODAY)
    assert status.status == "met"
    current = status.projection.current
    assert current.n == 8 * 7 * 60 and (current.ci_high or 1) < 0.10
    assert (
        status.sentence.startswith("Met: ")
        and "wholly at or below the target of 10.0 %" in status.sentence
    )


def test_a_falling_rate_that_will_pass_the_target_is_on_track(org: Org) -> None:
    plant(org, lambda day: 0.40 - 0.20 * day / (7 * WEEKS))
    status = objective_status(objective(org, target=0.14), today=TODAY)
    assert status.status == "on track", status.sentence
    assert status.projection.probability is not None and status.projection.probability >= 0.8
    assert "likely to be at or below 14.0 % by" in status.sentence


def test_a_flat_rate_far_from_the_target_is_off_track(org: Org) -> None:
    plant(org, 0.30)
    status = objective_status(objective(org, target=0.10), today=TODAY)
    assert status.status == "off track"
    assert status.projection.probability is not None and status.projection.probability < 0.2


def test_three_weeks_of_answers_are_not_enough_to_project(org: Org) -> None:
    plant(org, 0.30, weeks=3)
    status = objective_status(objective(org, target=0.10), today=TODAY)
    assert status.status == "not enough data"
    assert status.sentence.startswith("Not enough data to project")


def test_the_weekly_points_and_the_baseline_are_the_raw_rows_counted(org: Org) -> None:
    plant(org, lambda day: 0.40 - 0.20 * day / (7 * WEEKS), per_day=20)
    goal = objective(org, target=0.14)
    points = weekly_series(goal, today=TODAY)
    assert len(points) == WEEKS
    rows = Feedback.objects.filter(touchpoint=org.invoicing)
    for i, point in enumerate(points):
        monday = FIRST + dt.timedelta(weeks=i)
        week = rows.filter(
            occurred_at__date__gte=monday, occurred_at__date__lte=monday + dt.timedelta(days=6)
        )
        k, n = week.filter(kind=Feedback.Kind.COMPLAINT).count(), week.count()
        assert (point.day, point.n) == ((monday + dt.timedelta(days=3)).toordinal(), n)
        assert point.value == pytest.approx(k / n)
    base = rows.filter(occurred_at__date__lte=goal.baseline_to)
    k, n = base.filter(kind=Feedback.Kind.COMPLAINT).count(), base.count()
    status = objective_status(goal, today=TODAY)
    assert (status.baseline.n, status.baseline.value) == (n, pytest.approx(k / n))
    assert (status.baseline.ci_low, status.baseline.ci_high) == pytest.approx(wilson_interval(k, n))


def test_an_objective_scoped_to_a_team_reads_the_feedback_at_its_touch_points(org: Org) -> None:
    plant(org, 0.30, per_day=20)
    plant_complaints(
        org.helpdesk, first=FIRST, days=7 * WEEKS, per_day=30, complaint_share=0.10,
        rng=random.Random(6),
    )  # fmt: skip
    rollups_from_rows()
    goal = objective(org, target=0.14, touchpoint=None, scope_team=org.support)
    rows = Feedback.objects.filter(touchpoint__owning_team=org.support)
    points = weekly_series(goal, today=TODAY)
    assert len(points) == WEEKS
    for i, point in enumerate(points):
        monday = FIRST + dt.timedelta(weeks=i)
        week = rows.filter(
            occurred_at__date__gte=monday, occurred_at__date__lte=monday + dt.timedelta(days=6)
        )
        k, n = week.filter(kind=Feedback.Kind.COMPLAINT).count(), week.count()
        assert (point.n, point.value) == (n, pytest.approx(k / n)) and n == 7 * 30
    base = rows.filter(occurred_at__date__lte=goal.baseline_to)
    k, n = base.filter(kind=Feedback.Kind.COMPLAINT).count(), base.count()
    status = objective_status(goal, today=TODAY)
    assert (status.baseline.n, status.baseline.value) == (n, pytest.approx(k / n))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"metric": "loyalty"}, "Unknown metric"),
        ({"target": 10.0}, "between 0 and 1"),
        ({"due_weeks": -30}, "after the baseline"),
        ({"baseline_to": FIRST - dt.timedelta(days=3)}, "ends before it starts"),
    ],
)
def test_bad_objectives_are_refused_in_words(
    org: Org, fields: dict[str, object], message: str
) -> None:
    target = fields.pop("target", 0.1)
    with pytest.raises(ImprovementError, match=message):
        objective(org, target=target, **fields)  # type: ignore[arg-type]


def test_an_objective_with_no_answers_says_so_in_words(org: Org) -> None:
    status = objective_status(objective(org, target=0.10), today=TODAY)
    assert status.status == "not enough data"
    assert status.sentence.startswith(
        "Not enough data to project: no answers in the last 8 whole weeks; 0 whole weeks"
    )


@pytest.mark.parametrize(
    ("probability", "said"),
    [(0.0, "less than 1 %"), (0.004, "less than 1 %"), (0.42, "42 %"), (0.999, "more than 99 %")],
)
def test_a_probability_is_said_without_a_bare_nought_or_hundred(
    probability: float, said: str
) -> None:
    assert likelihood(probability) == said
