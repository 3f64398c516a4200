"""The root-cause analysis: what the resolved cases were caused by, and whether that moves.

Read from the cases themselves in one grouped query, not from the rollups: the
figures follow who may see which case, as the inbox does. A case counts in the
period it was resolved (days in settings.TIME_ZONE, as every daily figure); a
reopened case drops out (reopening clears its resolution and cause) until it is
resolved again. A case resolved without a root cause counts as "not recorded":
how often the cause goes unrecorded is a figure in itself, shown apart from the
causes.

Each cause's share is of every case resolved in the range, with its Wilson
interval (statistics/pareto.py). The causes most often recorded each get a p-chart
of their share per whole week or month, so that a cause becoming more frequent is
told from the usual ups and downs by the same rules as every other chart.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, DateField, QuerySet
from django.db.models.functions import Trunc
from django.utils import timezone

from vocloop.accounts.models import Team
from vocloop.accounts.scope import CaseScope
from vocloop.cases.models import Case
from vocloop.dashboards.figures import SignalView, signal_views
from vocloop.dashboards.selectors import scoped, within
from vocloop.lib.days import day_of
from vocloop.metrics.selectors import TOO_FEW_PERIODS, Period, Scope, whole_period
from vocloop.statistics.control_charts import ControlChart, p_chart
from vocloop.statistics.estimate import Estimate
from vocloop.statistics.metrics import proportion
from vocloop.statistics.pareto import ParetoBar, pareto

NOT_RECORDED = "not-recorded"
NOT_RECORDED_NAME = "Not recorded"
# How many of the most frequent causes get a control chart: the few that matter most.
TOP_CAUSES = 3


@dataclass(frozen=True)
class Cause:
    key: str  # the root cause's slug, or NOT_RECORDED
    name: str


@dataclass(frozen=True)
class CausePoint:
    """One period of a cause's chart: its cases of the period's resolved cases."""

    key: str
    count: int
    share: Estimate
    lower: float | None
    upper: float | None
    rules: tuple[str, ...]


@dataclass
class CauseChart:
    cause: Cause
    points: list[CausePoint]
    chart: ControlChart | None
    note: str
    signals: list[SignalView] = field(default_factory=list)

    @property
    def current_signal(self) -> SignalView | None:
        return next((s for s in self.signals if s.current), None)


@dataclass
class RootCauseAnalysis:
    resolved: int
    causes: dict[str, Cause]  # every cause with a case in the range, by key
    bars: list[ParetoBar]  # Pareto order, "not recorded" last
    counts: dict[str, dict[str, int]]  # period key → cause key → cases
    totals: dict[str, int]  # period key → cases resolved
    charts: list[CauseChart]
    left_out: int  # resolved in a period not charted: the one in progress, or one the range cuts

    @property
    def enough_data(self) -> bool:
        return self.resolved >= settings.MIN_RESPONSES

    @property
    def not_recorded(self) -> ParetoBar | None:
        return next((b for b in self.bars if b.key == NOT_RECORDED), None)

    @property
    def periods(self) -> list[str]:
        return sorted(self.totals)


def resolved_cases(reader: CaseScope, scope: Scope, team: Team | None) -> QuerySet[Case]:
    """The cases resolved in the scope's days that the reader may see."""
    cases = scoped(reader.cases(), scope).filter(resolved_at__isnull=False)
    if team is not None:
        cases = cases.filter(team=team)
    return within(cases, "resolved_at", scope.date_from, scope.date_to)


def _counted(
    cases: QuerySet[Case], period: Period
) -> tuple[dict[str, Cause], dict[str, dict[str, int]]]:
    """Cases per period and cause, in one query: (causes by key, period → cause → count)."""
    started = Trunc(
        "resolved_at", period, output_field=DateField(), tzinfo=ZoneInfo(settings.TIME_ZONE)
    )
    rows = (
        cases.annotate(period=started)
        .values("period", "root_cause__slug", "root_cause__name")
        .annotate(n=Count("pk"))
        .order_by()
    )
    causes: dict[str, Cause] = {}
    counts: dict[str, dict[str, int]] = {}
    for row in rows:
        key = row["root_cause__slug"] or NOT_RECORDED
        causes.setdefault(key, Cause(key, row["root_cause__name"] or NOT_RECORDED_NAME))
        day = row["period"]
        if isinstance(day, dt.datetime):  # a backend may hand back the period's start as a time
            day = day.date()
        per_cause = counts.setdefault(day.isoformat(), {})
        per_cause[key] = per_cause.get(key, 0) + row["n"]
    return causes, counts


def _cause_chart(
    cause: Cause,
    keys: list[str],
    counts: dict[str, dict[str, int]],
    totals: dict[str, int],
    *,
    enough_data: bool,
) -> CauseChart:
    """A cause's share of the resolved cases per whole period, as a p-chart with its signals."""
    cases = [counts[key].get(cause.key, 0) for key in keys]
    sizes = [totals[key] for key in keys]
    chart = None
    if not enough_data:
        note = "Not enough resolved cases in this range for a control chart."
    elif len(keys) < 2:
        note = TOO_FEW_PERIODS
    else:
        chart = p_chart(cases, sizes)
        note = chart.note
    points = [
        CausePoint(
            key=key,
            count=count,
            share=proportion(count, size),
            lower=chart.lower[i] if chart else None,
            upper=chart.upper[i] if chart else None,
            rules=tuple(s.rule for s in (chart.signals if chart else ()) if i in s.indices),
        )
        for i, (key, count, size) in enumerate(zip(keys, cases, sizes, strict=True))
    ]
    # A cause taking a larger share of the cases is the change to look into.
    signals = signal_views(chart, keys, lower_is_better=True) if chart else []
    return CauseChart(cause, points, chart, note, signals)


def root_cause_analysis(
    cases: QuerySet[Case], scope: Scope, period: Period, *, today: dt.date | None = None
) -> RootCauseAnalysis:
    """The Pareto of the cases' root causes and a control chart of the top causes."""
    today = today or day_of(timezone.now())
    causes, counts = _counted(cases, period)
    totals = {key: sum(per_cause.values()) for key, per_cause in counts.items()}
    overall: dict[str, int] = {}
    for per_cause in counts.values():
        for key, n in per_cause.items():
            overall[key] = overall.get(key, 0) + n
    # Ties in count are listed by name: the order must not change from one reading to the next.
    by_name = dict(sorted(overall.items(), key=lambda kv: causes[kv[0]].name.casefold()))
    bars = pareto(by_name, last={NOT_RECORDED}, min_n=settings.MIN_RESPONSES)
    resolved = sum(totals.values())
    charted = [key for key in sorted(totals) if whole_period(key, period, scope, today)]
    top = [causes[b.key] for b in bars if b.key != NOT_RECORDED][:TOP_CAUSES]
    enough_data = resolved >= settings.MIN_RESPONSES
    return RootCauseAnalysis(
        resolved=resolved,
        causes=causes,
        bars=bars,
        counts=counts,
        totals=totals,
        charts=[_cause_chart(c, charted, counts, totals, enough_data=enough_data) for c in top],
        left_out=resolved - sum(totals[key] for key in charted),
    )


def cases_of_cause(cases: QuerySet[Case], cause: str) -> QuerySet[Case]:
    """The cases behind a cause (NOT_RECORDED: those resolved without one), latest first."""
    if cause == NOT_RECORDED:
        chosen = cases.filter(root_cause__isnull=True)
    else:
        chosen = cases.filter(root_cause__slug=cause)
    return chosen.select_related("touchpoint", "team", "assignee").order_by("-resolved_at", "-pk")
