"""metrics_by_period: a dashboard's metrics at once, in two queries.

Its figures equal metric_groups' for every metric, and its sums equal the finest
rollup rows (FeedbackRollup, CaseRollup) of the scope added up by hand — not read
through the per-touch-point tables nor through any query code of the product.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.clock import Clock, utc
from tests.conftest import Org, planted_once
from tests.test_rollups import Stream
from vocloop.cases.models import Case
from vocloop.customers.models import Customer
from vocloop.lib.days import day_of
from vocloop.listening.models import Feedback, Touchpoint
from vocloop.metrics.models import DURATION_BUCKETS, CaseRollup, FeedbackRollup
from vocloop.metrics.rollups import CASE_COUNTS, FEEDBACK_COUNTS, HISTOGRAMS
from vocloop.metrics.selectors import (
    METRICS,
    UNKNOWN_SEGMENT,
    Group,
    Metric,
    Scope,
    metric_groups,
    metrics_by_period,
)

# The module's work, made once, takes a minute or more on a busy machine.
pytestmark = pytest.mark.timeout(600)

# Every metric a dashboard reads (theme_share is read one theme at a time: its own tests).
EVERY_METRIC = [m for m in METRICS.values() if not m.by_theme]
FEEDBACK_METRICS = [m for m in EVERY_METRIC if m.source == "feedback"]


def comparable(group: Group, metric: Metric) -> tuple[Any, ...]:
    """Key, estimate and the sums the metric reads (metric_groups sums only those)."""
    sums = {c: group.sums[c] for c in metric.columns} if metric.columns else dict(group.sums)
    return (group.key, dataclasses.astuple(group.estimate), sums)


def sums_by_hand(source: str, scope: Scope, period: str) -> dict[str, dict[str, Any]]:
    """Per period, the finest rollup rows of the scope summed in Python: no query code shared."""
    model = FeedbackRollup if source == "feedback" else CaseRollup
    counts = FEEDBACK_COUNTS if source == "feedback" else CASE_COUNTS
    stages = dict(Touchpoint.objects.values_list("pk", "stage"))
    owners = dict(Touchpoint.objects.values_list("pk", "owning_team_id"))
    segment = "" if scope.segment == UNKNOWN_SEGMENT else scope.segment
    out: dict[str, dict[str, Any]] = {}
    for row in model.objects.all():
        if not scope.date_from <= row.day <= scope.date_to:
            continue
        if scope.touchpoint_id is not None and row.touchpoint_id != scope.touchpoint_id:
            continue
        if scope.stage is not None and stages[row.touchpoint_id] != scope.stage:
            continue
        if scope.channel is not None and getattr(row, "channel", None) != scope.channel:
            continue
        if scope.segment is not None and row.segment != segment:
            continue
        # A case's own team; feedback's, the team owning its touch point.
        team = getattr(row, "team_id", None) or owners[row.touchpoint_id]
        if scope.team_id is not None and team != scope.team_id:
            continue
        monday = row.day - dt.timedelta(days=row.day.weekday())
        key = {"week": monday, "month": row.day.replace(day=1), "day": row.day}[period]
        into = out.setdefault(key.isoformat(), {name: 0 for name in counts})
        for name in counts:
            into[name] += getattr(row, name)
        for name in HISTOGRAMS if source == "case" else ():
            before = into.get(name, [0] * DURATION_BUCKETS)
            into[name] = [a + b for a, b in zip(before, getattr(row, name), strict=True)]
    return out


def assert_equals_metric_groups(scope: Scope, period: Any, metrics: list[Any]) -> None:
    answer = metrics_by_period(metrics, scope, period)
    assert list(answer) == [m.name for m in metrics]
    for metric in metrics:
        by_hand = sums_by_hand(metric.source, scope, period)
        _, periods = answer[metric.name]
        assert [g.key for g in periods] == sorted(by_hand), metric.name
        for group in periods:
            expected = by_hand[group.key]
            if metric.histogram is None:
                counts = FEEDBACK_COUNTS if metric.source == "feedback" else CASE_COUNTS
                assert group.sums == {name: expected[name] for name in counts}, metric.name
            else:
                assert group.sums == {"n": sum(expected[metric.histogram])}, metric.name
        whole, periods = answer[metric.name]
        (expected_whole,) = metric_groups(metric, scope)
        assert comparable(whole, metric) == comparable(expected_whole, metric), metric.name
        expected = [comparable(g, metric) for g in metric_groups(metric, scope, period)]
        assert [comparable(g, metric) for g in periods] == expected, metric.name


@pytest.fixture(scope="module")
def work(django_db_setup: Any, django_db_blocker: Any) -> Iterator[tuple[Org, dt.datetime]]:
    """Some weeks of random feedback and case work, across touch points, channels, sizes:
    made once for the module's tests, which only read it, and rolled back after them.
    The organisation, and the moment the work ended."""
    clock = Clock(utc(2026, 3, 2, 7, 0))
    with planted_once(django_db_blocker, clock) as org:
        Stream(org, clock, seed=11).run(300)
        yield org, clock.now


@pytest.fixture
def worked(work: tuple[Org, dt.datetime], db: Any, clock: Clock) -> Org:
    """The module's work, with the clock where the work left it."""
    org, ended = work
    clock.to(ended)
    return org


def test_it_equals_metric_groups_for_every_metric_and_period(worked: Org, clock: Clock) -> None:
    scope = Scope(date_from=dt.date(2026, 3, 1), date_to=clock.now.date())
    for period in ("week", "day", "month"):
        assert_equals_metric_groups(scope, period, EVERY_METRIC)
    whole, weeks = metrics_by_period([METRICS["nps"]], scope)["nps"]
    assert whole.estimate.n > 30 and len(weeks) > 2  # the data is not trivially empty


@pytest.mark.parametrize(
    "filters",
    [
        {"touchpoint": True},
        {"stage": "invoicing"},
        {"segment": Customer.Size.LARGE},
        {"segment": UNKNOWN_SEGMENT},
        {"stage": "support", "segment": Customer.Size.SMALL},
        {"late_start": True},
        {"team": "support"},
        {"team": "billing", "segment": Customer.Size.SMALL},
        {"team": "billing", "stage": "support"},
    ],
)
def test_it_equals_metric_groups_with_filters(
    worked: Org, clock: Clock, filters: dict[str, Any]
) -> None:
    filters = dict(filters)
    date_from = dt.date(2026, 3, 11) if filters.pop("late_start", False) else dt.date(2026, 3, 1)
    if filters.pop("touchpoint", False):
        filters["touchpoint_id"] = worked.helpdesk.pk
    if "team" in filters:
        filters["team_id"] = getattr(worked, filters.pop("team")).pk
    scope = Scope(date_from=date_from, date_to=clock.now.date(), **filters)
    assert_equals_metric_groups(scope, "week", EVERY_METRIC)


def test_a_channel_filter_applies_to_feedback_metrics_and_refuses_case_ones(
    worked: Org, clock: Clock
) -> None:
    scope = Scope(date_from=dt.date(2026, 3, 1), date_to=clock.now.date(), channel="email")
    assert_equals_metric_groups(scope, "week", FEEDBACK_METRICS)
    with pytest.raises(ValueError, match="no channel"):
        metrics_by_period([METRICS["nps"], METRICS["sla_compliance"]], scope)


def test_a_team_reads_its_cases_and_the_feedback_at_the_touch_points_it_owns(
    worked: Org, clock: Clock
) -> None:
    first, last = dt.date(2026, 3, 1), clock.now.date()
    for team in (worked.support, worked.billing):
        scope = Scope(date_from=first, date_to=last, team_id=team.pk)
        answer = metrics_by_period([METRICS["complaint_rate"], METRICS["time_to_resolve"]], scope)
        feedback = Feedback.objects.filter(touchpoint__owning_team=team)
        resolved = Case.objects.filter(team=team, resolved_at__isnull=False)
        given = [f for f in feedback if first <= day_of(f.occurred_at) <= last]
        closed = [c for c in resolved if first <= day_of(c.resolved_at) <= last]
        assert answer["complaint_rate"][0].estimate.n == len(given) > 0
        assert answer["time_to_resolve"][0].estimate.n == len(closed) > 0


def test_an_empty_scope_gives_an_empty_whole_and_no_periods(worked: Org) -> None:
    scope = Scope(date_from=dt.date(2026, 1, 1), date_to=dt.date(2026, 1, 31))
    answer = metrics_by_period(EVERY_METRIC, scope)
    for metric in EVERY_METRIC:
        whole, periods = answer[metric.name]
        assert (whole.key, whole.estimate.n, whole.estimate.value, periods) == ("all", 0, None, [])


def test_it_reads_each_rollup_table_once_whatever_the_number_of_metrics(
    worked: Org, clock: Clock
) -> None:
    scope = Scope(date_from=dt.date(2026, 3, 1), date_to=clock.now.date())
    for metrics, queries in (
        (EVERY_METRIC, 2),
        (FEEDBACK_METRICS, 1),
        ([METRICS["time_to_resolve"], METRICS["recovery_rate"]], 1),
    ):
        with CaptureQueriesContext(connection) as captured:
            metrics_by_period(metrics, scope)
        assert len(captured) == queries, [q["sql"] for q in captured]
