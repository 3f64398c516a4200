"""Server-drawn charts: numbers become coordinates that keep their order and their gaps."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vocloop.dashboards import charts


def test_ticks_are_round_and_cover_the_range() -> None:
    assert charts.nice_ticks(0.0, 1.0) == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert charts.nice_ticks(-37.0, 52.0) == [-25.0, 0.0, 25.0, 50.0]
    assert charts.nice_ticks(3.0, 3.0) == [3.0]


@pytest.mark.timeout(10)
def test_a_range_as_narrow_as_rounding_error_is_one_tick() -> None:
    # The same limit reached by two sums (-100/3 one way, another way) differs in its
    # last bit: ticks a fraction of that apart never added up to the end of the range.
    assert charts.nice_ticks(-33.333333333333336, -33.33333333333333) == [-33.333333333333336]


@pytest.mark.timeout(30)
@given(
    st.floats(min_value=-1e12, max_value=1e12),
    st.floats(min_value=0, max_value=1e12),
)
def test_ticks_are_few_and_within_any_range(low: float, width: float) -> None:
    high = low + width
    ticks = charts.nice_ticks(low, high)
    assert 1 <= len(ticks) <= 6
    slack = 1e-10  # ticks are rounded to ten places
    assert all(low - abs(low) * 1e-9 - slack <= t <= high + abs(high) * 1e-9 + slack for t in ticks)


def test_a_missing_value_breaks_the_sparkline() -> None:
    line = charts.sparkline([1.0, 2.0, None, 3.0, 4.0])
    assert line.path.count("M") == 2 and line.path.count("L") == 2
    assert line.last is not None and line.last[0] == pytest.approx(117.0)


def test_a_flat_series_is_drawn_mid_height() -> None:
    line = charts.sparkline([5.0, 5.0, 5.0], height=30)
    ys = {float(y) for y in re.findall(r",([\d.]+)", line.path)}
    assert len(ys) == 1 and 3 < ys.pop() < 27


@given(
    st.lists(st.floats(min_value=-100, max_value=100), min_size=2, max_size=60),
    st.floats(min_value=0.5, max_value=30),
)
def test_the_control_chart_keeps_order_between_points_and_limits(
    values: list[float], half_width: float
) -> None:
    centre = sum(values) / len(values)
    drawing = charts.control_chart_drawing(
        keys=[str(i) for i in range(len(values))],
        labels=[str(i) for i in range(len(values))],
        values=values,
        centre=centre,
        lower=[centre - half_width] * len(values),
        upper=[centre + half_width] * len(values),
        signal_indices={0},
        sizes=[40] * len(values),
    )
    upper_y = float(re.search(r"M[\d.]+,([\d.]+)", drawing.upper).group(1))  # type: ignore[union-attr]
    lower_y = float(re.search(r"M[\d.]+,([\d.]+)", drawing.lower).group(1))  # type: ignore[union-attr]
    # SVG's y grows downwards: the upper limit is drawn above the centre, the lower below.
    assert drawing.top <= upper_y <= drawing.centre <= lower_y <= drawing.bottom
    for point in drawing.points:
        assert drawing.top <= point.y <= drawing.bottom
        # Beyond the upper limit is drawn above its line (equal within the 0.1 px rounding).
        if point.value > centre + half_width:
            assert point.y <= upper_y
        else:
            assert point.y >= upper_y
    xs = [p.x for p in drawing.points]
    assert xs == sorted(xs) and drawing.points[0].signal and not drawing.points[1].signal


def test_a_group_without_enough_data_gets_no_dot() -> None:
    drawing = charts.interval_drawing(
        [("a", "A", 0.9, 0.85, 0.95, True), ("b", "B", 0.2, 0.0, 0.7, False)],
        low=0.0,
        high=1.0,
    )
    a, b = drawing.rows
    assert a.x is not None and a.x_low is not None and a.x_high is not None
    assert a.x_low < a.x < a.x_high
    assert b.x is None and b.x_low is None


def test_a_pareto_bar_and_the_cumulative_line_share_one_scale() -> None:
    rows = [
        ("process", "Process", 0.5, 0.4, 0.6, 0.5, False),
        ("product", "Product quality and reliability", 0.3, 0.22, 0.38, 0.8, False),
        ("not-recorded", "Not recorded", 0.2, 0.13, 0.28, 1.0, True),
    ]
    drawing = charts.pareto_drawing(rows, total=200)
    first, second, last = drawing.columns
    full = drawing.bottom - drawing.top  # 100 % of the cases
    assert first.height == pytest.approx(0.5 * full, abs=0.2)
    assert second.height == pytest.approx(0.3 * full, abs=0.2)
    # The line rises over a bar by the bar's own height.
    assert first.cumulative_y - second.cumulative_y == pytest.approx(second.height, abs=0.3)
    assert last.cumulative_y == drawing.top and last.muted and not first.muted
    assert first.whisker_top is not None and first.whisker_bottom is not None
    assert first.whisker_top < first.y < first.whisker_bottom
    assert first.x + first.width < second.x < last.x
    assert second.label.endswith("…") and second.title == "Product quality and reliability"
    # Counts on the left at whole numbers, per cent on the right, on the same heights.
    assert [t.label for t in drawing.count_ticks] == ["0", "50", "100", "150", "200"]
    assert drawing.count_ticks[-1].position == drawing.share_ticks[-1].position == drawing.top
