"""Case handling per team, compared without ranking noise.

Shares (SLA compliance, recovery) are empirical-Bayes shrunken estimates: a team
with five cases is pulled toward the overall rate instead of topping a table by
luck, and teams whose intervals overlap are said to be indistinguishable. Medians
of time to acknowledge and resolve come with their own intervals. Teams are listed
by name, never sorted by score.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from vocloop.accounts.models import Team
from vocloop.dashboards import charts
from vocloop.metrics.selectors import METRICS, Scope, enough, metric_groups
from vocloop.statistics.estimate import Estimate
from vocloop.statistics.shrinkage import Shrinkage, shrink

SHARES = ("sla_compliance_acknowledge", "sla_compliance", "recovery_rate")
DURATIONS = ("time_to_acknowledge", "time_to_resolve")


@dataclass(frozen=True)
class Cell:
    """One group's figure: `raw` is the plain share (None for a median or with n = 0)."""

    value: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    enough_data: bool
    raw: float | None = None
    apart_from: tuple[str, ...] = ()  # groups whose intervals do not overlap this one


def shrunken_cells(
    groups: Sequence[tuple[str, int, int]], names: dict[str, str]
) -> tuple[dict[str, Cell], Shrinkage]:
    result = shrink(groups, min_n=settings.MIN_RESPONSES)
    cells = {}
    for g in result.groups:
        apart = tuple(
            names[other.key]
            for other in result.groups
            if other.key != g.key
            and other.key not in g.indistinguishable_from
            and other.enough_data
        )
        cells[g.key] = Cell(
            value=g.value if g.n else None,
            ci_low=g.ci_low if g.n else None,
            ci_high=g.ci_high if g.n else None,
            n=g.n,
            enough_data=g.enough_data,
            raw=g.raw,
            apart_from=apart if g.n else (),
        )
    return cells, result


def _estimate_cell(e: Estimate) -> Cell:
    return Cell(e.value, e.ci_low, e.ci_high, e.n, enough(e))


@dataclass
class TeamTable:
    teams: list[Team]
    cells: dict[str, dict[str, Cell]] = field(default_factory=dict)  # metric → team slug → cell
    methods: dict[str, str] = field(default_factory=dict)
    drawings: dict[str, charts.IntervalDrawing] = field(default_factory=dict)
    overall: dict[str, Cell] = field(default_factory=dict)

    def rows(self) -> list[tuple[Team, list[tuple[str, Cell | None]]]]:
        metrics = [*SHARES, *DURATIONS]
        return [
            (team, [(m, self.cells.get(m, {}).get(team.slug)) for m in metrics])
            for team in self.teams
        ]

    def csv_rows(self) -> Iterable[Sequence[Any]]:
        for team, cells in self.rows():
            for metric, cell in cells:
                if cell is None:
                    continue
                yield (
                    team.slug,
                    metric,
                    cell.raw if cell.enough_data else None,
                    cell.n,
                    cell.value,
                    cell.ci_low,
                    cell.ci_high,
                    cell.enough_data,
                )


def interval_chart(
    cells: dict[str, Cell], teams: Sequence[Team], overall: float | None
) -> charts.IntervalDrawing:
    rows = []
    for team in teams:
        cell = cells.get(team.slug)
        if cell is None:
            continue
        rows.append((team.slug, team.name, cell.value, cell.ci_low, cell.ci_high, cell.enough_data))
    # The scale spans the intervals shown, in steps of 10 %: teams at 85–95 % would
    # all sit on one spot of a 0–100 % axis.
    ends = [v for _, _, _, lo, hi, ok in rows if ok for v in (lo, hi) if v is not None]
    low = max(0.0, math.floor(min(ends, default=0.0) * 10) / 10)
    high = min(1.0, math.ceil(max(ends, default=1.0) * 10) / 10)
    if high - low < 0.1:
        low, high = max(0.0, high - 0.1), min(1.0, low + 0.1)
    return charts.interval_drawing(rows, low=low, high=high, overall=overall, value_label="{:.0%}")


def team_table(scope: Scope) -> TeamTable:
    teams = list(Team.objects.order_by("name"))
    names = {t.slug: t.name for t in teams}
    table = TeamTable(teams=teams)
    for name in SHARES:
        metric = METRICS[name]
        assert metric.counts is not None
        groups = metric_groups(metric, scope, "team")
        counted = [(g.key, *metric.counts(g.sums)) for g in groups]
        seen = {key for key, _, _ in counted}
        counted += [(t.slug, 0, 0) for t in teams if t.slug not in seen]
        cells, result = shrunken_cells(counted, names)
        table.cells[name] = cells
        table.methods[name] = result.method
        overall = metric_groups(metric, scope)[0].estimate
        table.overall[name] = _estimate_cell(overall)
        table.drawings[name] = interval_chart(cells, teams, overall.value)
    for name in DURATIONS:
        groups = metric_groups(METRICS[name], scope, "team")
        table.cells[name] = {g.key: _estimate_cell(g.estimate) for g in groups}
    return table
