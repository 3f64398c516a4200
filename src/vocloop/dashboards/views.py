"""Dashboard pages: overview, journey and teams (the metric page is in metric_views.py).

Every page reads its figures from the rollups (figures.py), draws its charts on the
server (charts.py) and offers the same numbers as a table and as CSV (?format=csv).
A bad filter is answered with the form and its message, never with a guess.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET

from vocloop.accounts import roles
from vocloop.accounts.models import Team
from vocloop.dashboards import charts
from vocloop.dashboards.backlog import case_backlog
from vocloop.dashboards.figures import (
    LABELS,
    OVERVIEW_METRICS,
    SCORE_METRICS,
    Figure,
    figures,
)
from vocloop.dashboards.forms import DashboardFilterForm
from vocloop.dashboards.people import coaching_rows
from vocloop.dashboards.teams import team_table
from vocloop.dashboards.templatetags.vocloop_figures import period_label
from vocloop.insights.selectors import emerging_themes
from vocloop.lib.downloads import csv_response
from vocloop.lib.words import number
from vocloop.listening.models import STAGE_ORDER, LifecycleStage, Touchpoint
from vocloop.metrics.catalogue import format_value
from vocloop.metrics.selectors import METRICS, Scope, enough


def wants_csv(request: HttpRequest) -> bool:
    return request.GET.get("format") == "csv"


def filter_form(request: HttpRequest) -> DashboardFilterForm:
    return DashboardFilterForm(request.GET)


def invalid_filters(request: HttpRequest, form: DashboardFilterForm, page: str) -> HttpResponse:
    return render(request, "dashboards/invalid.html", {"form": form, "page": page}, status=400)


def csv_name(page: str, scope: Scope) -> str:
    """A download says what it holds: vocloop-overview-2026-05-25-to-2026-11-22.csv."""
    return f"vocloop-{page}-{scope.date_from}-to-{scope.date_to}.csv"


def worse_now(figure: Figure) -> bool:
    signal = figure.current_signal
    return signal is not None and signal.meaning == "worse"


def flag(figure: Figure, label: str, form: DashboardFilterForm, **query: str) -> dict[str, Any]:
    url = reverse("dashboards:metric", args=[figure.name]) + "?" + form.query(**query)
    return {"label": label, "url": url, "signal": figure.current_signal}


NumberRow = tuple[str, str | None, str | None, int]


def number_rows(figure: Figure, period: str) -> list[NumberRow]:
    """(period, value, interval, n) per row of a figure's table, formatted once here.

    The value and interval are None below the minimum sample ("not enough data").
    """
    rows: list[NumberRow] = []
    for key, e in [("all", figure.total), *((g.key, g.estimate) for g in figure.series)]:
        label = "Whole range" if key == "all" else period_label(key, period)
        if enough(e):
            low = "unbounded" if e.ci_low is None else format_value(e.ci_low, figure.name)
            high = "unbounded" if e.ci_high is None else format_value(e.ci_high, figure.name)
            rows.append((label, format_value(e.value, figure.name), f"{low} to {high}", e.n))
        else:
            rows.append((label, None, None, e.n))
    return rows


NOT_ENOUGH_CELLS = mark_safe('<td colspan="2" class="not-enough">Not enough data</td>')


def numbers_table_rows(numbers: Sequence[tuple[str, list[Any]]]) -> SafeString:
    """The overview's table body: built here, as a template loop over some 200 rows of
    figures would cost more than reading them did."""
    rows = []
    for label, figure_rows in numbers:
        for i, (when, value, interval, n) in enumerate(figure_rows):
            head = (
                format_html("{}", label)
                if i == 0
                else format_html('<span class="visually-hidden">{}</span>', label)
            )
            cells = (
                NOT_ENOUGH_CELLS
                if value is None
                else format_html("<td>{}</td><td>{}</td>", value, interval)
            )
            rows.append(
                format_html(
                    '<tr><th scope="row">{}</th><td>{}</td>{}<td>{}</td></tr>',
                    head,
                    when,
                    cells,
                    number(n),
                )
            )
    # Safe: every row was built by format_html, which escapes what goes in.
    return mark_safe("\n".join(rows))


def sparkline_of(figure: Figure) -> charts.Sparkline:
    return charts.sparkline([g.estimate.value for g in figure.series])


FIGURE_CSV_HEADER = ("metric", "period", "value", "n", "ci_low", "ci_high", "enough_data")


def figure_csv_rows(figure: Figure, *, prefix: Sequence[Any] = ()) -> Iterable[Sequence[Any]]:
    e = figure.total
    yield (*prefix, figure.name, "all", e.value, e.n, e.ci_low, e.ci_high, enough(e))
    for g in figure.series:
        s = g.estimate
        yield (*prefix, figure.name, g.key, s.value, s.n, s.ci_low, s.ci_high, enough(s))


@login_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    form = filter_form(request)
    if not form.is_valid():
        return invalid_filters(request, form, "overview")
    scope, period = form.scope(), form.period()
    # Cases have no channel: with one chosen, the case figures are left out, not faked.
    names = [n for n in OVERVIEW_METRICS if not (scope.channel and METRICS[n].source == "case")]
    shown = figures(names, scope, period, compare=True)
    if wants_csv(request):
        rows = (row for f in shown for row in figure_csv_rows(f))
        return csv_response(csv_name("overview", scope), FIGURE_CSV_HEADER, rows)
    by_name = {f.name: f for f in shown}
    sla = by_name.get("sla_compliance")
    context = {
        "form": form,
        "scope": scope,
        "period": period,
        "tiles": [(f, sparkline_of(f)) for f in shown],
        "numbers": numbers_table_rows([(f.label, number_rows(f, period)) for f in shown]),
        "complaints": by_name["complaint_rate"].sums.get("complaints", 0),
        "opened": sla.sums.get("opened", 0) if sla else None,
        "opened_per_period": charts.sparkline(
            [float(g.sums.get("opened", 0)) for g in sla.series] if sla else []
        ),
        "backlog": case_backlog(scope),
        "flagged": [flag(f, f.label, form) for f in shown if worse_now(f)],
        "emerging": emerging_themes(),
        "min_n": settings.MIN_RESPONSES,
        "query": form.query(),
    }
    return render(request, "dashboards/overview.html", context)


def _journey_figures(scope: Scope, period: Any) -> list[dict[str, Any]]:
    """Touch points in journey order, each with its scores, its share of negative comments
    and its complaint rate."""
    touchpoints = Touchpoint.objects.order_by("name")
    if scope.touchpoint_id is not None:
        touchpoints = touchpoints.filter(pk=scope.touchpoint_id)
    if scope.stage is not None:
        touchpoints = touchpoints.filter(stage=scope.stage)
    stages: dict[str, list[dict[str, Any]]] = {stage: [] for stage in STAGE_ORDER}
    for tp in touchpoints:
        tp_scope = Scope(
            scope.date_from,
            scope.date_to,
            touchpoint_id=tp.pk,
            channel=scope.channel,
            segment=scope.segment,
        )
        read = figures([*SCORE_METRICS, "negative_comments", "complaint_rate"], tp_scope, period)
        # Scores asked for there, and what its comments say (scored or not), when any.
        shown = [f for f in read[:-1] if f.total.n > 0]
        complaint_rate = read[-1]
        stages[tp.stage].append(
            {
                "touchpoint": tp,
                "scores": [(f, sparkline_of(f)) for f in shown],
                "complaint_rate": (complaint_rate, sparkline_of(complaint_rate)),
                "worse": [f for f in [*shown, complaint_rate] if worse_now(f)],
            }
        )
    labels = dict(LifecycleStage.choices)
    return [
        {"stage": stage, "label": labels[stage], "touchpoints": tps}
        for stage, tps in stages.items()
        if tps
    ]


@login_required
@require_GET
def journey(request: HttpRequest) -> HttpResponse:
    form = filter_form(request)
    if not form.is_valid():
        return invalid_filters(request, form, "journey")
    scope, period = form.scope(), form.period()
    stages = _journey_figures(scope, period)
    if wants_csv(request):
        header = ("stage", "touchpoint", *FIGURE_CSV_HEADER, "current_signal")
        rows = []
        for stage in stages:
            for item in stage["touchpoints"]:
                for f, _ in [*item["scores"], item["complaint_rate"]]:
                    signal = f.current_signal
                    prefix = (stage["stage"], item["touchpoint"].slug)
                    for row in figure_csv_rows(f, prefix=prefix):
                        rows.append((*row, signal.rule if signal else ""))
        return csv_response(csv_name("journey", scope), header, rows)
    flagged = [
        flag(f, f"{item['touchpoint'].name}: {f.label}", form, touchpoint=item["touchpoint"].slug)
        for stage in stages
        for item in stage["touchpoints"]
        for f in item["worse"]
    ]
    context = {
        "form": form,
        "stages": stages,
        "flagged": flagged,
        "period": period,
        "min_n": settings.MIN_RESPONSES,
        "query": form.query(),
    }
    return render(request, "dashboards/journey.html", context)


def _refuse_channel(request: HttpRequest, form: DashboardFilterForm, page: str) -> HttpResponse:
    form.add_error("channel", "Cases have no channel: clear it to see case handling.")
    return invalid_filters(request, form, page)


@login_required
@require_GET
def teams(request: HttpRequest) -> HttpResponse:
    form = filter_form(request)
    if not form.is_valid():
        return invalid_filters(request, form, "teams")
    if form.cleaned_data.get("channel"):
        return _refuse_channel(request, form, "teams")
    table = team_table(form.scope())
    if wants_csv(request):
        header = ("team", "metric", "raw", "n", "value", "ci_low", "ci_high", "enough_data")
        return csv_response(csv_name("teams", form.scope()), header, table.csv_rows())
    context = {
        "form": form,
        "table": table,
        "labels": LABELS,
        "coachable": {t.slug for t in table.teams if roles.may_coach(request.user, t)},
        "min_n": settings.MIN_RESPONSES,
        "query": form.query(),
    }
    return render(request, "dashboards/teams.html", context)


@login_required
@require_GET
def team_people(request: HttpRequest, slug: str) -> HttpResponse:
    """Case handling per person in one team, for coaching: only where roles.may_coach allows."""
    team = get_object_or_404(Team, slug=slug)
    if not roles.may_coach(request.user, team):
        raise Http404("There is no per-person view here.")
    form = filter_form(request)
    if not form.is_valid():
        return invalid_filters(request, form, "teams")
    if form.cleaned_data.get("channel"):
        return _refuse_channel(request, form, "teams")
    rows = coaching_rows(team, form.scope())
    if wants_csv(request):
        header = ("person", "metric", "raw", "n", "value", "ci_low", "ci_high", "enough_data")
        name = csv_name(f"{team.slug}-people", form.scope())
        return csv_response(name, header, rows.csv_rows())
    context = {
        "form": form,
        "team": team,
        "rows": rows,
        "query": form.query(),
        "labels": LABELS,
        "min_n": settings.MIN_RESPONSES,
    }
    return render(request, "dashboards/team_people.html", context)
