"""A quality objective's status from its metric's series: the weighted trend and its odds.

Pure computation: no database. The line against numpy's least squares and scipy's
linregress, the statuses on constructed series, and the probability's calibration
and the interval's coverage in simulation.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from vocloop.statistics.estimate import Estimate
from vocloop.statistics.projection import (
    AT_RISK,
    MET,
    MIN_POINTS,
    NOT_ENOUGH_DATA,
    OFF_TRACK,
    ON_TRACK,
    SeriesPoint,
    fit_trend,
    project_objective,
)

DAYS = np.arange(11) * 7.0  # eleven weeks


def _series(values: np.ndarray, se: float | np.ndarray = 2.0, n: int = 100) -> list[SeriesPoint]:
    ses = np.broadcast_to(np.asarray(se, dtype=float), values.shape)
    return [
        SeriesPoint(float(d), float(v), float(s), n)
        for d, v, s in zip(DAYS[: values.size], values, ses, strict=True)
    ]


def _current(value: float, half: float = 4.0, n: int = 400) -> Estimate:
    return Estimate.of(value, n, value - half, value + half, method="test")


# NPS 20 rising by 0.1 a day, exactly: at day 150 it is 35.
ON_A_LINE = _series(20.0 + 0.1 * DAYS)


def _status(
    target: float, *, higher_is_better: bool = True, points: list[SeriesPoint] = ON_A_LINE
) -> str:
    return project_objective(
        points,
        current=_current(27.0),
        target=target,
        due_day=150.0,
        higher_is_better=higher_is_better,
    ).status


def test_the_weighted_line_is_numpys_least_squares_on_the_weighted_design() -> None:
    rng = np.random.default_rng(4)
    se = rng.uniform(1.0, 4.0, DAYS.size)
    values = 30.0 - 0.05 * DAYS + rng.normal(0.0, 3.0 * se)  # three times the sampling SD
    trend = fit_trend(_series(values, se))
    design = np.column_stack([np.ones_like(DAYS), DAYS])
    root_w = 1.0 / se
    coef, residual, _, _ = np.linalg.lstsq(design * root_w[:, None], values * root_w, rcond=None)
    phi = float(residual[0]) / (DAYS.size - 2)
    assert phi > 1
    covariance = phi * np.linalg.inv(design.T @ (design / se[:, None] ** 2))
    assert trend.slope == pytest.approx(coef[1])
    assert trend.slope_se == pytest.approx(math.sqrt(covariance[1, 1]))
    assert trend.overdispersion == pytest.approx(phi)
    x0 = np.array([1.0, 150.0])
    prediction, prediction_se = trend.predict(150.0)
    assert prediction == pytest.approx(x0 @ coef)
    new_period = phi * np.median(se**2)
    assert prediction_se == pytest.approx(math.sqrt(x0 @ covariance @ x0 + new_period))


def test_with_equal_weights_and_scatter_it_is_scipys_linregress() -> None:
    values = 40.0 + 0.2 * DAYS + np.random.default_rng(6).normal(0.0, 5.0, DAYS.size)
    trend = fit_trend(_series(values, se=1.0))
    reference = stats.linregress(DAYS, values)
    assert trend.slope == pytest.approx(reference.slope)
    # linregress estimates the scale from the residuals, as φ does when it exceeds 1.
    assert trend.slope_se == pytest.approx(reference.stderr)
    assert trend.level + trend.slope * (0.0 - trend.centre_day) == pytest.approx(
        reference.intercept
    )


def test_points_closer_to_the_line_than_their_errors_keep_their_errors() -> None:
    trend = fit_trend(ON_A_LINE)
    assert trend.overdispersion == 1.0
    assert trend.reduced_chi_square == pytest.approx(0.0, abs=1e-12)
    assert trend.slope_se == pytest.approx(2.0 / math.sqrt(np.sum((DAYS - DAYS.mean()) ** 2)))


def test_on_the_line_the_statuses_follow_the_probability_of_the_target() -> None:
    result = project_objective(
        ON_A_LINE, current=_current(27.0), target=30.0, due_day=150.0, higher_is_better=True
    )
    assert result.prediction == pytest.approx(35.0)
    assert result.slope_per_day == pytest.approx(0.1)
    assert result.probability == pytest.approx(stats.norm.cdf(5.0 / result.prediction_se))
    assert result.prediction_low == pytest.approx(35.0 - 1.959964 * result.prediction_se)
    assert (result.status, result.points_used, result.n) == (ON_TRACK, 11, 1100)
    assert result.probability > 0.8
    assert _status(35.0) == AT_RISK  # the line reaches it on the day: one chance in two
    assert _status(42.0) == OFF_TRACK


def test_a_current_interval_wholly_past_the_target_is_met_whatever_the_trend() -> None:
    falling = _series(40.0 - 0.2 * DAYS)
    result = project_objective(
        falling, current=_current(27.0), target=22.0, due_day=150.0, higher_is_better=True
    )
    assert result.status == MET
    assert result.probability is not None and result.probability < 0.2  # the trend says not
    # An interval touching the target is not past it.
    assert _status(23.5) != MET
    thin = Estimate.of(27.0, 20, 26.0, 28.0, method="test")  # too few responses to count
    assert (
        project_objective(
            ON_A_LINE, current=thin, target=20.0, due_day=150.0, higher_is_better=True
        ).status
        == ON_TRACK
    )


def test_lower_is_better_mirrors_higher_is_better() -> None:
    mirrored = [p._replace(value=-p.value) for p in ON_A_LINE]
    for target in (30.0, 35.0, 42.0):
        up = project_objective(
            ON_A_LINE, current=_current(27.0), target=target, due_day=150.0, higher_is_better=True
        )
        down = project_objective(
            mirrored, current=_current(-27.0), target=-target, due_day=150.0, higher_is_better=False
        )
        assert down.status == up.status
        assert down.probability == pytest.approx(up.probability)
    # Met downwards: the whole interval at or below the target.
    assert _status(40.0, higher_is_better=False) == MET  # current [23, 31]


def test_too_few_periods_or_responses_are_not_enough_data() -> None:
    short = ON_A_LINE[: MIN_POINTS - 1]
    result = project_objective(
        short, current=_current(27.0), target=30.0, due_day=150.0, higher_is_better=True
    )
    assert result.status == NOT_ENOUGH_DATA
    assert result.prediction is not None  # filled for exports, not to be shown
    assert "5 periods" in result.note
    sparse = [p._replace(n=10) for p in ON_A_LINE]  # 110 responses in all
    assert _status(30.0, points=sparse) == NOT_ENOUGH_DATA
    two = ON_A_LINE[:2]
    nothing = project_objective(
        two, current=_current(27.0), target=30.0, due_day=150.0, higher_is_better=True
    )
    assert (nothing.status, nothing.prediction, nothing.probability) == (
        NOT_ENOUGH_DATA,
        None,
        None,
    )


def test_periods_without_responses_or_spread_are_left_out() -> None:
    gaps = list(ON_A_LINE)
    gaps[3] = gaps[3]._replace(n=0, value=0.0)
    gaps[5] = gaps[5]._replace(standard_error=0.0, value=100.0)
    result = project_objective(
        gaps, current=_current(27.0), target=30.0, due_day=150.0, higher_is_better=True
    )
    assert result.points_used == 9
    assert result.prediction == pytest.approx(35.0)


def test_the_probability_is_calibrated_over_many_objectives() -> None:
    # Objectives with true lines of every level and slope; the period measured at the
    # due date decides whether each is reached. (For one fixed line the predictions
    # vary while the truth does not, so a probability can only be calibrated over the
    # objectives it is applied to, as here.) The points scatter twice as much as their
    # standard errors say, so the widening by φ is at work.
    rng = np.random.default_rng(21)
    sims, se, scatter = 2000, 3.0, 3.0
    level, slope = rng.uniform(0.0, 60.0, sims), rng.uniform(-0.3, 0.3, sims)
    sd = math.hypot(se, scatter)
    values = level[:, None] + slope[:, None] * DAYS + rng.normal(0.0, sd, (sims, DAYS.size))
    measured_at_due = level + slope * 120.0 + rng.normal(0.0, sd, sims)
    predicted = np.array(
        [
            project_objective(
                _series(v, se, n=400),
                current=_current(0.0),
                target=30.0,
                due_day=120.0,
                higher_is_better=True,
            ).probability
            for v in values
        ]
    )
    reached = measured_at_due >= 30.0
    # The simulation's own standard error of (reached − predicted).
    tolerance = 3 * np.std(reached - predicted) / math.sqrt(sims)
    assert abs(reached.mean() - predicted.mean()) < tolerance
    for low, high in ((0.0, 0.2), (0.2, 0.8), (0.8, 1.01)):  # off track, at risk, on track
        band = (predicted >= low) & (predicted < high)
        share = reached[band].mean()
        assert abs(share - predicted[band].mean()) < 3 * math.sqrt(share * (1 - share) / band.sum())


def test_a_line_reaching_the_target_on_the_due_day_has_even_odds() -> None:
    rng = np.random.default_rng(22)
    sims = 1000
    values = 25.0 + 0.1 * DAYS + rng.normal(0.0, 2.0, (sims, DAYS.size))
    predicted = [
        project_objective(
            _series(v), current=_current(0.0), target=37.0, due_day=120.0, higher_is_better=True
        ).probability
        for v in values
    ]
    assert np.mean(predicted) == pytest.approx(0.5, abs=3 * 0.29 / math.sqrt(sims))


def test_scatter_beyond_the_errors_widens_the_prediction_interval() -> None:
    # Points scattering twice their sampling variance: the interval widened by φ keeps
    # close to its 95 %, one built on the sampling errors alone covers far less.
    rng = np.random.default_rng(23)
    sims, se = 2000, 3.0
    sd = math.hypot(se, 3.0)
    values = 25.0 + 0.1 * DAYS + rng.normal(0.0, sd, (sims, DAYS.size))
    measured = 25.0 + 0.1 * 120.0 + rng.normal(0.0, sd, sims)
    widened, naive = [], []
    for v, y in zip(values, measured, strict=True):
        trend = fit_trend(_series(v, se))
        prediction, prediction_se = trend.predict(120.0)
        offset = 120.0 - trend.centre_day
        sampling_only = math.sqrt(
            (trend.level_se**2 + (offset * trend.slope_se) ** 2) / trend.overdispersion
            + trend.typical_variance
        )
        widened.append(abs(y - prediction) <= 1.959964 * prediction_se)
        naive.append(abs(y - prediction) <= 1.959964 * sampling_only)
    # φ is estimated from nine degrees of freedom, so a little short of 95 %.
    assert np.mean(widened) > 0.92
    assert np.mean(naive) < 0.88


def test_a_prediction_past_what_the_metric_can_take_is_cut_there() -> None:
    # A share rising 1 point a week from 80 %: the line passes 100 % before the due day.
    weeks = np.arange(11)
    points = _series(0.80 + 0.01 * weeks, se=0.02)
    free = project_objective(
        points, current=_current(0.9, 0.03), target=0.95, due_day=300.0, higher_is_better=True
    )
    cut = project_objective(
        points,
        current=_current(0.9, 0.03),
        target=0.95,
        due_day=300.0,
        higher_is_better=True,
        bounds=(0.0, 1.0),
    )
    assert free.prediction is not None and free.prediction > 1.0
    assert free.prediction_high is not None and free.prediction_low is not None
    assert cut.prediction == 1.0 and cut.prediction_high == 1.0
    assert cut.prediction_low == pytest.approx(min(free.prediction_low, 1.0))
    # The chance of the target is the line's, the same either way.
    assert cut.probability == free.probability and cut.status == free.status
