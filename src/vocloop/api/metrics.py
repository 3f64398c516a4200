"""Metrics: every figure with its interval and n, per group or period, and its control chart."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Schema
from pydantic import field_validator

from vocloop.accounts.models import ApiScope
from vocloop.accounts.selectors import team_by_slug
from vocloop.api.auth import ApiRouter, requires_scope
from vocloop.api.errors import ApiError, ErrorOut, invalid
from vocloop.api.schemas import IsoDate, refuse_unstorable_text
from vocloop.customers.models import Customer
from vocloop.insights.models import Theme
from vocloop.lib.days import day_of
from vocloop.listening.models import LifecycleStage
from vocloop.listening.selectors import touchpoint_by_slug
from vocloop.metrics.selectors import (
    METRICS,
    UNKNOWN_SEGMENT,
    Group,
    Metric,
    Scope,
    enough,
    metric_control_chart,
    metric_groups,
)

router = ApiRouter(tags=["metrics"])

DEFAULT_DAYS = 90
GroupingName = Literal["day", "week", "month", "touchpoint", "stage", "team", "segment"]
PeriodName = Literal["day", "week", "month"]
SEGMENTS = (*Customer.Size.values, UNKNOWN_SEGMENT)


class MetricFilters(Schema):
    date_from: IsoDate | None = Field(
        None, alias="from", description=f"First day, inclusive (default: {DEFAULT_DAYS} days ago)."
    )
    date_to: IsoDate | None = Field(None, alias="to", description="Last day, inclusive (today).")
    touchpoint: str | None = Field(None, description="A touch point's slug.")
    stage: str | None = Field(None, description="A lifecycle stage, e.g. support.")
    channel: str | None = Field(None, description="Feedback metrics only, e.g. web, email.")
    segment: str | None = Field(
        None,
        description=f"A customer size, or '{UNKNOWN_SEGMENT}' for no known size: the size the "
        "customer had when the feedback was given (for a case metric, the feedback the case "
        "was opened for), whatever it is now.",
    )
    team: str | None = Field(
        None,
        description="A team's slug: for a case metric the cases the team owns, for a "
        "feedback metric the feedback heard at the touch points the team owns now (a touch "
        "point handed to another team takes its past feedback with it).",
    )
    theme: str | None = Field(
        None,
        description="A theme's slug: required for theme_share (that theme's share of the "
        "comments read), refused for every other metric.",
    )

    _storable_text = field_validator("*", mode="before")(refuse_unstorable_text)


class GroupedFilters(MetricFilters):
    by: GroupingName | None = Field(
        None,
        description="Group by day, week (keyed by Monday), month, touchpoint, stage, team "
        "(case metrics only) or segment.",
    )


class ChartFilters(MetricFilters):
    by: PeriodName = Field("week", description="The period of one point.")


class GroupOut(Schema):
    key: str
    value: float | None
    n: int
    ci_low: float | None
    ci_high: float | None
    enough_data: bool


class MetricOut(Schema):
    metric: str
    unit: str
    date_from: dt.date = Field(..., alias="from")
    date_to: dt.date = Field(..., alias="to")
    groups: list[GroupOut]


class PointOut(Schema):
    key: str
    value: float | None
    n: int
    centre: float | None
    lower: float | None
    upper: float | None


class SignalOut(Schema):
    rule: str
    description: str
    keys: list[str]


class ControlChartOut(Schema):
    metric: str
    chart: str | None = Field(..., description="p, laney p′ or XmR; null with too few periods.")
    note: str
    points: list[PointOut]
    signals: list[SignalOut]


def _metric(name: str) -> Metric:
    if name not in METRICS:
        raise ApiError(404, f"There is no metric {name!r}; choose one of {', '.join(METRICS)}.")
    return METRICS[name]


def _named(slug: str | None, find: Callable[[str], Any], field: str, what: str) -> int | None:
    """The id of the touch point or team a slug names; a 422 on the field when none."""
    if slug is None:
        return None
    found = find(slug)
    if found is None:
        raise invalid(field, f"There is no {what} {slug!r}.")
    return int(found.pk)


def _scope(metric: Metric, filters: MetricFilters) -> Scope:
    today = day_of(timezone.now())
    date_to = filters.date_to or today
    try:
        date_from = filters.date_from or date_to - dt.timedelta(days=DEFAULT_DAYS - 1)
    except OverflowError:  # `to` in the first 90 days of year 1
        raise invalid("to", "The last day is too early to count back 90 days from.") from None
    if date_from > date_to:
        raise invalid("from", "The first day comes after the last day (to).")
    if filters.stage is not None and filters.stage not in LifecycleStage.values:
        raise invalid("stage", f"Stage must be one of {', '.join(LifecycleStage.values)}.")
    if filters.segment is not None and filters.segment not in SEGMENTS:
        raise invalid("segment", f"Segment must be one of {', '.join(SEGMENTS)}.")
    if filters.channel is not None and metric.source == "case":
        raise invalid("channel", f"{metric.name} is a case metric: cases have no channel.")
    return Scope(
        date_from=date_from,
        date_to=date_to,
        touchpoint_id=_named(filters.touchpoint, touchpoint_by_slug, "touchpoint", "touch point"),
        stage=filters.stage,
        channel=filters.channel,
        segment=filters.segment,
        team_id=_named(filters.team, team_by_slug, "team", "team"),
        theme_id=_theme_id(metric, filters.theme),
    )


def _theme_id(metric: Metric, slug: str | None) -> int | None:
    if not metric.by_theme:
        if slug is not None:
            raise invalid("theme", f"{metric.name} is not read by theme: leave the theme out.")
        return None
    if slug is None:
        raise invalid("theme", f"{metric.name} is a theme's share: give the theme's slug.")
    theme = Theme.objects.filter(slug=slug).values_list("pk", flat=True).first()
    if theme is None:
        raise invalid("theme", f"There is no theme {slug!r}.")
    return theme


def _group_out(group: Group) -> dict[str, Any]:
    e = group.estimate
    return {
        "key": group.key,
        "value": e.value,
        "n": e.n,
        "ci_low": e.ci_low,
        "ci_high": e.ci_high,
        "enough_data": enough(e),
    }


@router.get(
    "/metrics/{metric}",
    response={200: MetricOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="metric_read",
    auth=requires_scope(ApiScope.METRICS_READ),
    by_alias=True,
    summary="A metric with its interval and n, overall or per group",
    description=(
        "Metrics: nps, csat, ces (mean), ces_easy (share), complaint_rate (complaints / "
        "feedback), negative_comments (comments read as negative / all comments read, "
        "scored or not: reviews, social posts and complaints count too; a label corrected "
        "by staff counts as corrected), sentiment (the mean sentiment of the comments read, "
        "−1 to 1, with a t interval), sla_compliance (of the cases whose resolution "
        "deadline fell in the period, the share resolved by it: each counts on its "
        "deadline's day, resolved in time, "
        "resolved late or still open past it, which is a miss already; a deadline not yet "
        "passed counts nothing), sla_compliance_acknowledge (the same for the "
        "acknowledgement deadline), recovery_rate (satisfied verdicts / all "
        "verdicts), time_to_acknowledge and time_to_resolve (median in business hours, from "
        "histograms: the interval reaches to bucket edges), theme_share (of the comments "
        "read, the share about the theme given by `theme`; a parent theme counts its "
        "children's comments, each once). Shares are 0–1. "
        "`enough_data` is false below 30 responses (VOCLOOP_MIN_RESPONSES): show n, not the "
        "value. "
        "Computed from daily rollups, never from raw feedback."
    ),
)
def metric_read(request: HttpRequest, metric: str, filters: Query[GroupedFilters]) -> HttpResponse:
    found = _metric(metric)
    scope = _scope(found, filters)
    if filters.by == "team" and found.source == "feedback":
        raise invalid("by", f"{metric} is a feedback metric: feedback has no team.")
    groups = metric_groups(found, scope, filters.by)
    body = {
        "metric": found.name,
        "unit": found.unit,
        "from": scope.date_from.isoformat(),
        "to": scope.date_to.isoformat(),
        "groups": [_group_out(g) for g in groups],
    }
    # The answer is built from plain values that already have MetricOut's shape (a test
    # checks it against the schema); validating it again costs more than reading it.
    return HttpResponse(json.dumps(body), content_type="application/json")


@router.get(
    "/metrics/{metric}/control-chart",
    response={200: ControlChartOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="metric_control_chart",
    auth=requires_scope(ApiScope.METRICS_READ),
    summary="A metric's control chart over days, weeks or months",
    description=(
        "A p-chart with limits per point for shares (switched to Laney p′ when the periods "
        "vary more than sampling explains; `note` says which and why), XmR for nps, ces "
        "and sentiment. "
        "Only whole periods are charted: periods without data, the one in progress and one "
        "the dates cut are left out. Each signal names its Western Electric rule and "
        "the keys of the points that raised it."
    ),
)
def metric_chart(request: HttpRequest, metric: str, filters: Query[ChartFilters]) -> dict[str, Any]:
    found = _metric(metric)
    scope = _scope(found, filters)
    if found.chart is None:
        raise invalid("metric", f"{metric} is a duration: it has no control chart.")
    result = metric_control_chart(found, scope, filters.by)
    chart = result.chart
    points = []
    for i, group in enumerate(result.groups):
        points.append(
            {
                "key": group.key,
                "value": chart.values[i] if chart else group.estimate.value,
                "n": group.estimate.n,
                "centre": chart.centre if chart else None,
                "lower": chart.lower[i] if chart else None,
                "upper": chart.upper[i] if chart else None,
            }
        )
    signals = [
        {
            "rule": s.rule,
            "description": s.description,
            "keys": [result.groups[i].key for i in s.indices],
        }
        for s in (chart.signals if chart else ())
    ]
    return {
        "metric": found.name,
        "chart": chart.chart if chart else None,
        "note": result.note,
        "points": points,
        "signals": signals,
    }
