"""One metric in depth: its control chart, each signal explained, and the feedback behind a point.

The chart and its table come from the rollups. Choosing a point opens the raw
feedback (or, for a case metric, the cases) of that period and scope, worst first,
so a manager can read what customers actually said when the chart moved.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from vocloop.accounts.scope import case_scope
from vocloop.dashboards import charts, selectors
from vocloop.dashboards.figures import (
    EXPLANATIONS,
    LABELS,
    Figure,
    figure,
)
from vocloop.dashboards.templatetags.vocloop_figures import period_label
from vocloop.dashboards.views import (
    FIGURE_CSV_HEADER,
    csv_name,
    filter_form,
    invalid_filters,
    wants_csv,
)
from vocloop.lib.downloads import csv_response
from vocloop.metrics.catalogue import LOWER_IS_BETTER, format_value
from vocloop.metrics.selectors import METRICS, Period, Scope, enough, period_bounds
from vocloop.statistics.control_charts import ControlChart

DRILL_PAGE_SIZE = 25


def axis_label(day: dt.date, period: str, *, first: bool) -> str:
    """Short labels under the chart: the year only on the first and on each January."""
    with_year = first or (day.month == 1 and (period == "month" or day.day <= 7))
    text = f"{day:%b}" if period == "month" else f"{day.day} {day:%b}"
    return f"{text} {day:%Y}" if with_year else text


def chart_drawing(
    chart: ControlChart, keys: Sequence[str], sizes: Sequence[int], period: str, *, share: bool
) -> charts.ControlChartDrawing:
    """A control chart over periods keyed by their first day, drawn to scale in time."""
    days = [dt.date.fromisoformat(key) for key in keys]
    return charts.control_chart_drawing(
        keys=list(keys),
        labels=[axis_label(d, period, first=i == 0) for i, d in enumerate(days)],
        at=[d.toordinal() for d in days],
        values=list(chart.values),
        centre=chart.centre,
        lower=list(chart.lower),
        upper=list(chart.upper),
        signal_indices={i for s in chart.signals for i in s.indices},
        sizes=list(sizes),
        value_label="{:.0%}" if share else "{:g}",
    )


def _drawing(fig: Figure, period: str) -> charts.ControlChartDrawing | None:
    if fig.chart is None:
        return None
    keys = [g.key for g in fig.series]
    sizes = [g.estimate.n for g in fig.series]
    return chart_drawing(fig.chart, keys, sizes, period, share=fig.metric.unit == "share")


def _drill(
    request: HttpRequest, fig: Figure, scope: Scope, period: Period, query: str
) -> dict[str, Any] | None:
    key = request.GET.get("point")
    if not key:
        return None
    point = next((g for g in fig.series if g.key == key), None)
    if point is None:
        return {"missing": key}
    first, last = period_bounds(key, period)
    first, last = max(first, scope.date_from), min(last, scope.date_to)
    reader = case_scope(request.user)
    if fig.metric.source == "feedback":
        rows: QuerySet[Any] = selectors.feedback_behind(fig.name, scope, first, last, reader)
        kind = "feedback"
    elif fig.name == "recovery_rate":
        rows = selectors.verdicts_behind(scope, first, last, reader)
        kind = "verdicts"
    else:
        rows = selectors.cases_behind(fig.name, scope, first, last, reader)
        kind = "acknowledge" if fig.name == "sla_compliance_acknowledge" else "resolve"
    page: Page[Any] = Paginator(rows, DRILL_PAGE_SIZE).get_page(request.GET.get("page"))
    return {
        "key": key,
        "label": period_label(key, period),
        "point": point,
        "enough": enough(point.estimate),
        "first": first,
        "last": last,
        "page": page,
        "kind": kind,
        "partial_view": not reader.sees_all,
        "query": f"{query}&point={key}" if query else f"point={key}",
        "sentiment": fig.name in selectors.SENTIMENT_METRICS,
    }


@login_required
@require_GET
def metric_detail(request: HttpRequest, metric: str) -> HttpResponse:
    if metric not in METRICS or METRICS[metric].by_theme:
        return metric_index(request, missing=metric)
    form = filter_form(request)
    if not form.is_valid():
        return invalid_filters(request, form, "metric")
    if form.cleaned_data.get("channel") and METRICS[metric].source == "case":
        form.add_error("channel", "Cases have no channel: clear it to see this case metric.")
        return invalid_filters(request, form, "metric")
    scope, period = form.scope(), form.period()
    fig = figure(metric, scope, period)
    chart = fig.chart
    if wants_csv(request):
        header = (*FIGURE_CSV_HEADER, "centre", "lower", "upper", "signals")
        rows = []
        for i, g in enumerate(fig.series):
            e = g.estimate
            rules = " ".join(s.rule for s in (chart.signals if chart else ()) if i in s.indices)
            rows.append(
                (
                    fig.name,
                    g.key,
                    e.value,
                    e.n,
                    e.ci_low,
                    e.ci_high,
                    enough(e),
                    chart.centre if chart else None,
                    chart.lower[i] if chart else None,
                    chart.upper[i] if chart else None,
                    rules,
                )
            )
        return csv_response(csv_name(fig.name, scope), header, rows)
    points = [
        {
            "group": g,
            "label": period_label(g.key, period),
            "lower": chart.lower[i] if chart else None,
            "upper": chart.upper[i] if chart else None,
            "rules": [s.rule for s in (chart.signals if chart else ()) if i in s.indices],
        }
        for i, g in enumerate(fig.series)
    ]
    context = {
        "form": form,
        "figure": fig,
        "explanation": EXPLANATIONS.get(metric, ""),
        "lower_is_better": metric in LOWER_IS_BETTER,
        "drawing": _drawing(fig, period),
        "points": points,
        "signals": sorted(fig.signals, key=lambda s: s.last_key, reverse=True),
        "chart_title": (
            f"Control chart of {fig.label}, one point per {period}, with "
            f"{len(fig.signals)} signal{'' if len(fig.signals) == 1 else 's'}. The numbers, "
            "with a link to each point's feedback, are in the table below."
        ),
        "period": period,
        "centre": format_value(chart.centre, metric) if chart else None,
        "drill": _drill(request, fig, scope, period, form.query()),
        "query": form.query(),
        "min_n": settings.MIN_RESPONSES,
    }
    return render(request, "dashboards/metric.html", context)


@login_required
@require_GET
def metric_index(request: HttpRequest, missing: str | None = None) -> HttpResponse:
    """Every metric, what it means, and a link to its chart."""
    metrics = [
        {"name": name, "label": LABELS.get(name, name), "explanation": EXPLANATIONS.get(name, "")}
        for name in METRICS
        if not METRICS[name].by_theme  # no chart of its own here: it needs a theme
    ]
    context = {
        "metrics": metrics,
        "missing": missing,
        "by_theme": LABELS.get(missing) if missing is not None and missing in METRICS else None,
        "query": request.GET.urlencode(),
    }
    return render(request, "dashboards/metric_index.html", context, status=404 if missing else 200)
