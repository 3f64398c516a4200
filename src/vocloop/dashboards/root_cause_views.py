"""The root-cause analysis page: the Pareto of causes, the top causes over time, the cases.

Filters as on the other dashboards (dates, touch point, stage, segment, one point
per week or month) with a team in place of the channel. Choosing a cause — or a
cause and a period — lists the cases behind it, each linking to its case page.
Staff who see only their own teams' cases read only their teams' figures.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from vocloop.accounts.models import Team
from vocloop.accounts.scope import CaseScope, case_scope
from vocloop.cases.models import Case
from vocloop.dashboards import charts
from vocloop.dashboards.forms import RootCauseFilterForm
from vocloop.dashboards.metric_views import DRILL_PAGE_SIZE, chart_drawing
from vocloop.dashboards.root_causes import (
    NOT_RECORDED,
    Cause,
    CauseChart,
    RootCauseAnalysis,
    cases_of_cause,
    resolved_cases,
    root_cause_analysis,
)
from vocloop.dashboards.selectors import within
from vocloop.dashboards.templatetags.vocloop_figures import period_label
from vocloop.dashboards.views import csv_name, invalid_filters, wants_csv
from vocloop.lib.downloads import csv_response
from vocloop.metrics.selectors import Period, Scope, period_bounds
from vocloop.statistics.metrics import proportion
from vocloop.statistics.pareto import ParetoBar

PAGE = "root-causes"
CSV_HEADER = (
    "root_cause",
    "name",
    "period",
    "cases",
    "resolved",
    "share",
    "ci_low",
    "ci_high",
    "enough_data",
    "cumulative_share",
    "centre",
    "lower",
    "upper",
    "signals",
)


def visible_teams(reader: CaseScope) -> QuerySet[Team]:
    """The teams whose figures the reader may choose: all, or their own."""
    teams = Team.objects.order_by("name")
    return teams if reader.sees_all else teams.filter(pk__in=reader.team_ids)


def _csv_rows(analysis: RootCauseAnalysis) -> Iterable[Sequence[Any]]:
    """The Pareto over the whole range, then every cause per period (limits where charted)."""
    for bar in analysis.bars:
        share, name = bar.share, analysis.causes[bar.key].name
        yield (
            bar.key,
            name,
            "all",
            bar.count,
            analysis.resolved,
            share.value,
            share.ci_low,
            share.ci_high,
            share.enough_data,
            bar.cumulative,
            "",
            "",
            "",
            "",
        )
    charted = {
        chart.cause.key: {p.key: (chart, p) for p in chart.points} for chart in analysis.charts
    }
    for bar in analysis.bars:
        name = analysis.causes[bar.key].name
        for key in analysis.periods:
            count, resolved = analysis.counts[key].get(bar.key, 0), analysis.totals[key]
            e = proportion(count, resolved, min_n=settings.MIN_RESPONSES)
            limits: tuple[Any, ...] = ("", "", "", "")
            if found := charted.get(bar.key, {}).get(key):
                chart, point = found
                if chart.chart is not None:
                    limits = (chart.chart.centre, point.lower, point.upper, " ".join(point.rules))
            shown = (e.value, e.ci_low, e.ci_high, e.enough_data, "")
            yield (bar.key, name, key, count, resolved, *shown, *limits)


@dataclass(frozen=True)
class CauseRow:
    """A cause as the page shows it: its bar, its interval in words, its links."""

    bar: ParetoBar
    cause: Cause
    interval: str
    query: str  # the page's filters and this cause: its cases
    column: charts.ParetoColumn | None  # where its bar is drawn; None without a chart


def _with(query: str, **values: str) -> str:
    """The page's filters with more values, for links that keep them."""
    extra = urlencode(values)
    return f"{query}&{extra}" if query else extra


def _share_text(low: float | None, high: float | None) -> str:
    return f"{100 * (low or 0):.1f} to {100 * (high or 0):.1f} %"


def _pareto(analysis: RootCauseAnalysis) -> charts.ParetoDrawing | None:
    if not analysis.enough_data or not analysis.bars:
        return None
    rows = [
        (
            bar.key,
            analysis.causes[bar.key].name,
            bar.count / analysis.resolved,
            bar.share.ci_low,
            bar.share.ci_high,
            bar.cumulative,
            bar.key == NOT_RECORDED,
        )
        for bar in analysis.bars
    ]
    return charts.pareto_drawing(rows, total=analysis.resolved)


def _chart_view(chart: CauseChart, period: Period, query: str) -> dict[str, Any]:
    drawing = None
    if chart.chart is not None:
        keys = [p.key for p in chart.points]
        sizes = [p.share.n for p in chart.points]
        drawing = chart_drawing(chart.chart, keys, sizes, period, share=True)
    count = len(chart.signals)
    return {
        "chart": chart,
        "drawing": drawing,
        "query": _with(query, cause=chart.cause.key),
        "title": (
            f"Control chart of the share of resolved cases caused by {chart.cause.name}, one "
            f"point per {period}, with {count} signal{'' if count == 1 else 's'}. The numbers, "
            "with a link to each point's cases, are in the table below."
        ),
        "signals": sorted(chart.signals, key=lambda s: s.last_key, reverse=True),
        "centre": None if chart.chart is None else f"{100 * chart.chart.centre:.1f} %",
    }


def _drill(
    request: HttpRequest,
    analysis: RootCauseAnalysis,
    cases: QuerySet[Case],
    scope: Scope,
    period: Period,
    query: str,
) -> dict[str, Any] | None:
    cause = request.GET.get("cause")
    if not cause:
        return None
    if cause not in analysis.causes:
        return {"missing": "No case you can see was resolved with that root cause in this range."}
    rows = cases_of_cause(cases, cause)
    first, last, label = scope.date_from, scope.date_to, ""
    point = request.GET.get("point") or ""
    if point:
        if point not in analysis.totals:
            return {"missing": f"No case was resolved in the {period} of “{point}” in this range."}
        start, end = period_bounds(point, period)
        first, last = max(start, scope.date_from), min(end, scope.date_to)
        rows = within(rows, "resolved_at", first, last)
        label = period_label(point, period)
    page = Paginator(rows, DRILL_PAGE_SIZE).get_page(request.GET.get("page"))
    chosen = {"cause": cause, **({"point": point} if point else {})}
    return {
        "cause": analysis.causes[cause],
        "label": label,
        "first": first,
        "last": last,
        "page": page,
        "query": _with(query, **chosen),
    }


@login_required
@require_GET
def root_causes(request: HttpRequest) -> HttpResponse:
    reader = case_scope(request.user)
    form = RootCauseFilterForm(request.GET, teams=visible_teams(reader))
    if not form.is_valid():
        return invalid_filters(request, form, PAGE)
    scope, period = form.scope(), form.period()
    cases = resolved_cases(reader, scope, form.chosen_team())
    analysis = root_cause_analysis(cases, scope, period)
    if wants_csv(request):
        return csv_response(csv_name(PAGE, scope), CSV_HEADER, _csv_rows(analysis))
    query = form.query()
    pareto = _pareto(analysis)
    columns = pareto.columns if pareto is not None else [None] * len(analysis.bars)
    rows = [
        CauseRow(
            bar=bar,
            cause=analysis.causes[bar.key],
            interval=_share_text(bar.share.ci_low, bar.share.ci_high),
            query=_with(query, cause=bar.key),
            column=column,
        )
        for bar, column in zip(analysis.bars, columns, strict=True)
    ]
    context = {
        "form": form,
        "query": query,
        "period": period,
        "analysis": analysis,
        "rows": rows,
        "not_recorded": next((r for r in rows if r.bar.key == NOT_RECORDED), None),
        "pareto": pareto,
        "charts": [_chart_view(chart, period, query) for chart in analysis.charts],
        "drill": _drill(request, analysis, cases, scope, period, query),
        "partial_view": not reader.sees_all,
        "min_n": settings.MIN_RESPONSES,
    }
    return render(request, "dashboards/root_causes.html", context)
