"""The evidence an action is raised from, counted and with intervals, and the problem
statement written from it: what, where, since when, how many.

Four places raise an action: a theme's page (its share of comments where it rises),
a metric's page (the control-chart signal), a case (and its root cause), an
objective at risk. Every figure is read through the selectors those pages read —
insights for a theme's shares and rises, the dashboards' figure (the metrics
selectors and their control chart) for a signal, the metrics selectors for a
metric's value — so that the numbers in the statement are the numbers the page
showed, and nothing here computes a statistic of its own.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet, Sum
from django.urls import reverse

from vocloop.accounts.models import Team
from vocloop.accounts.scope import CaseScope
from vocloop.cases.models import Case
from vocloop.dashboards.figures import Figure, SignalView, figure
from vocloop.improvement.models import Action, Objective
from vocloop.improvement.status import objective_status
from vocloop.insights import selectors as insights
from vocloop.insights.models import Theme
from vocloop.lib.words import counted, number
from vocloop.listening.models import Touchpoint
from vocloop.metrics.catalogue import LABELS, format_value
from vocloop.metrics.models import ThemeRollup
from vocloop.metrics.selectors import METRICS, Scope, metric_groups, period_bounds
from vocloop.statistics.estimate import Estimate

# A case's figures look back this far: long enough to count a recurring root cause.
CASE_WEEKS = 8
# What a theme's action should move: the theme's share of comments where it rises.
THEME_METRIC = "theme_share"
# What a case's action should move: the complaint rate at its touch point.
CASE_METRIC = "complaint_rate"


@dataclass(frozen=True)
class Raised:
    """An action as the form opens it: where it came from, what it measures, and why."""

    source: str
    title: str
    metric: str
    problem: str
    evidence: str
    touchpoint: Touchpoint | None = None
    stage: str = ""
    channel: str = ""
    segment: str = ""
    scope_team_id: int | None = None  # the team measured, not the one that owns the action
    theme: Theme | None = None
    objective: Objective | None = None
    team_id: int | None = None
    kind: str = Action.Kind.CORRECTIVE
    cases: list[Case] = field(default_factory=list)

    def initial(self) -> dict[str, Any]:
        """The action form's initial values."""
        return {
            "source": self.source,
            "title": self.title[:200],
            "kind": self.kind,
            "metric": self.metric,
            "touchpoint": self.touchpoint.pk if self.touchpoint else None,
            "stage": self.stage,
            "channel": self.channel,
            "segment": self.segment,
            "scope_team": self.scope_team_id,
            "theme": self.theme.slug if self.theme else None,
            "objective": self.objective.pk if self.objective else None,
            "team": self.team_id,
            "problem": self.problem,
            "evidence": self.evidence,
            "cases": [c.reference for c in self.cases],
        }


def day(d: dt.date) -> str:
    return f"{d.day} {d:%b %Y}"


def stated(e: Estimate, metric: str) -> str:
    """ "14.2 % [11.0 %, 18.1 %], n=412": a figure as the pages show it."""
    if e.value is None:
        return f"no figure, n={number(e.n)}"
    low, high = format_value(e.ci_low, metric), format_value(e.ci_high, metric)
    return f"{format_value(e.value, metric)} [{low}, {high}], n={number(e.n)}"


def _split(e: Estimate) -> tuple[str, str]:
    """ "14.2 %" and "[11.0 %, 18.1 %], n=412": a share, then its interval and n."""
    value, _, rest = stated(e, "share").partition(" [")
    return value, f"[{rest}" if rest else ""


def _at(touchpoint: Touchpoint | None) -> str:
    return f" at {touchpoint.name}" if touchpoint else ""


def metric_value(metric: str, scope: Scope) -> Estimate:
    (whole,) = metric_groups(METRICS[metric], scope)
    return whole.estimate


# --- A theme --------------------------------------------------------------------------------


def _theme_figure(theme: Theme, span: insights.Span) -> insights.ThemeFigure:
    return next(f for f in insights.theme_figures(span) if f.theme == theme)


def _rise_at(
    theme: Theme, as_of: dt.date, touchpoint: Touchpoint | None
) -> insights.Emerging | None:
    tp = touchpoint.pk if touchpoint else None
    return next(
        (e for e in insights.emerging_themes(today=as_of, touchpoint_id=tp) if e.theme == theme),
        None,
    )


def where_it_rises(theme: Theme, as_of: dt.date) -> Touchpoint | None:
    """The touch point where the theme is on the rise, its largest rise in comments; where
    it rises at none alone, the one where it was said most in the weeks the rise is read
    over. An action needs a scope that leaves a rest of the organisation to compare with
    (improvement/check.py): raised over all comments, it could never be checked."""
    found = [
        (rise.comments, tp.name, tp)
        for tp in Touchpoint.objects.order_by("name")
        if (rise := _rise_at(theme, as_of, tp)) is not None
    ]
    if found:
        return max(found, key=lambda f: (f[0], f[1]))[2]
    period = insights.rise_period(as_of)
    most = (
        ThemeRollup.objects.filter(
            theme=theme, day__gte=period.recent_first, day__lte=period.recent_last
        )
        .values("touchpoint")
        .annotate(n=Sum("comments"))
        .order_by("-n", "touchpoint")
        .first()
    )
    return Touchpoint.objects.get(pk=most["touchpoint"]) if most else None


def theme_raised(theme: Theme, *, as_of: dt.date, touchpoint: Touchpoint | None = None) -> Raised:
    """A theme's share of comments in the weeks the rising test reads, against the weeks
    before, where it rises (the touch point asked for, else the one it rises most at).

    `as_of` is the day the theme's page reads its rise by (the day after its range).
    """
    touchpoint = touchpoint or where_it_rises(theme, as_of)
    period = insights.rise_period(as_of)
    tp = touchpoint.pk if touchpoint else None
    recent = _theme_figure(
        theme, insights.span_of(period.recent_first, period.recent_last, touchpoint_id=tp)
    )
    history = _theme_figure(
        theme, insights.span_of(period.history_first, period.history_last, touchpoint_id=tp)
    )
    rose = (recent.share.value or 0) > (history.share.value or 0)
    rise = _rise_at(theme, as_of, touchpoint)
    weeks = insights.RECENT_WEEKS
    where = f"of comments{_at(touchpoint)}" if touchpoint else "of all comments"
    now, interval = _split(recent.share)
    problem = (
        f"‘{theme.name}’: {now} {where} in the {weeks} weeks to {day(period.recent_last)} "
        f"{interval}, {'up from' if rose else 'against'} {stated(history.share, 'share')} in "
        f"the {insights.HISTORY_WEEKS} weeks before; {counted(recent.comments, 'comment')}."
    )
    measured = Scope(period.recent_first, period.recent_last, touchpoint_id=tp)
    negative = metric_value("negative_comments", measured)
    lines = [
        problem,
        (
            f"Flagged as rising: {rise.plain} (p = {rise.p_value:.2g}, family-wise 5 % over "
            "all themes)."
            if rise
            else "Not flagged as rising by the test of the themes page."
        ),
        f"Of the theme's comments, negative: {stated(recent.negative, 'share')}.",
        f"Negative comments{_at(touchpoint)} in the same weeks: "
        f"{stated(negative, 'negative_comments')}.",
        f"Theme page: {_theme_link(theme, period, touchpoint)}",
    ]
    return Raised(
        source=Action.Source.THEME,
        title=f"Fewer comments about {theme.name}{_at(touchpoint)}",
        metric=THEME_METRIC,
        problem=problem,
        evidence="\n".join(lines),
        touchpoint=touchpoint,
        theme=theme,
        team_id=touchpoint.owning_team_id if touchpoint else None,
    )


def _theme_link(theme: Theme, period: insights.RisePeriod, touchpoint: Touchpoint | None) -> str:
    query = f"?from={period.recent_first}&to={period.recent_last}"
    if touchpoint:
        query += f"&touchpoint={touchpoint.slug}"
    return reverse("insights:theme", args=[theme.slug]) + query


# --- A control-chart signal -----------------------------------------------------------------


def _where(scope: Scope) -> str:
    parts = []
    if scope.touchpoint_id is not None:
        parts.append(f"at {Touchpoint.objects.get(pk=scope.touchpoint_id).name}")
    if scope.stage:
        parts.append(f"in the {scope.stage} stage")
    if scope.channel:
        parts.append(f"by {scope.channel}")
    if scope.segment:
        parts.append(f"from {scope.segment} customers")
    if scope.team_id is not None:
        parts.append(f"for the {Team.objects.get(pk=scope.team_id).name} team")
    return " " + ", ".join(parts) if parts else ""


def signal_estimate(fig: Figure, signal: SignalView) -> Estimate:
    """The metric over the signal's periods together, from their summed rollup counts."""
    sums: dict[str, int] = defaultdict(int)
    for group in fig.series:
        if group.key in signal.keys:
            for name, value in group.sums.items():
                sums[name] += int(value)
    assert fig.metric.estimate is not None  # a charted metric has one
    return fig.metric.estimate(sums)


def signal_raised(metric: str, scope: Scope, *, period: str = "week") -> Raised:
    """The metric's latest signal on its control chart (a current one first), in the
    scope and periods of the metric's page."""
    fig = figure(metric, scope, period)  # type: ignore[arg-type]
    label = LABELS.get(metric, metric)
    where = _where(scope)
    signal = fig.current_signal or fig.latest_signal
    touchpoint = (
        Touchpoint.objects.get(pk=scope.touchpoint_id) if scope.touchpoint_id is not None else None
    )
    whole = f"{label}{where} from {day(scope.date_from)} to {day(scope.date_to)}: " + stated(
        fig.total, metric
    )
    if signal is None:
        problem = f"{whole}; no signal on its control chart."
        lines = [problem]
    else:
        first = period_bounds(signal.keys[0], period)[0]  # type: ignore[arg-type]
        last = period_bounds(signal.last_key, period)[1]  # type: ignore[arg-type]
        during = signal_estimate(fig, signal)
        assert fig.chart is not None
        problem = (
            f"{label}{where}: {stated(during, metric)} in the {counted(len(signal.keys), period)} "
            f"{day(first)} – {day(last)}, against a centre of "
            f"{format_value(fig.chart.centre, metric)} on its control chart; "
            f"{signal.plain(period)} ({signal.rule}), a change for the {signal.meaning}"
            f"{', still current' if signal.current else ''}."
        )
        lines = [problem, f"{whole}.", f"The chart: {fig.chart_note}"]
    return Raised(
        source=Action.Source.SIGNAL,
        title=f"{label}{where}: act on the signal",
        metric=metric,
        problem=problem,
        evidence="\n".join(lines),
        touchpoint=touchpoint,
        stage=scope.stage or "",
        channel=scope.channel or "",
        segment=scope.segment or "",
        scope_team_id=scope.team_id,
        team_id=touchpoint.owning_team_id if touchpoint else scope.team_id,
    )


# --- Cases ----------------------------------------------------------------------------------


def cases_raised(cases: QuerySet[Case], *, scope: CaseScope, today: dt.date) -> Raised:
    """The chosen cases (the first leads), its root cause counted among the cases within
    reach at its touch point, and the complaint rate there, over the last CASE_WEEKS."""
    chosen = list(cases.select_related("touchpoint", "root_cause").order_by("opened_at", "pk"))
    lead = chosen[0]
    first = today - dt.timedelta(weeks=CASE_WEEKS) + dt.timedelta(days=1)
    rate = metric_value(CASE_METRIC, Scope(first, today, touchpoint_id=lead.touchpoint_id))
    at = f"at {lead.touchpoint.name}"
    weeks = f"in the {CASE_WEEKS} weeks to {day(today)}"
    others = f" and {counted(len(chosen) - 1, 'other case')}" if len(chosen) > 1 else ""
    lines = [f"Case {lead.reference}{others} {at}, opened {day(lead.opened_at.date())}."]
    if lead.root_cause is not None:
        same = scope.cases().filter(
            root_cause=lead.root_cause,
            touchpoint=lead.touchpoint,
            opened_at__date__gte=first,
            opened_at__date__lte=today,
        )
        lines.append(
            f"Root cause: {lead.root_cause.name}, recorded for "
            f"{counted(same.count(), 'case')} {at} {weeks}."
        )
    lines.append(f"Complaint rate {at} {weeks}: {stated(rate, CASE_METRIC)}.")
    problem = " ".join(lines)
    return Raised(
        source=Action.Source.CASES,
        title=f"Remove the cause of {lead.reference}"
        + (f" ({lead.root_cause.name})" if lead.root_cause else ""),
        metric=CASE_METRIC,
        problem=problem,
        evidence="\n".join([*lines, *(f"Case {c.reference}" for c in chosen[1:])]),
        touchpoint=lead.touchpoint,
        team_id=lead.team_id,
        cases=chosen,
    )


# --- An objective ---------------------------------------------------------------------------


def objective_raised(objective: Objective, *, today: dt.date) -> Raised:
    """An objective's status in words, with the numbers behind it."""
    status = objective_status(objective, today=today)
    problem = f"Objective “{objective.title}” ({status.status}): {status.sentence}"
    return Raised(
        source=Action.Source.OBJECTIVE,
        title=f"Reach: {objective.title}",
        metric=objective.metric,
        problem=problem,
        evidence=problem,
        touchpoint=objective.touchpoint,
        stage=objective.stage,
        channel=objective.channel,
        segment=objective.segment,
        scope_team_id=objective.scope_team_id,
        objective=objective,
        team_id=objective.team_id,
        kind=Action.Kind.IMPROVEMENT,
    )
