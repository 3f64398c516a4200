"""The per-person coaching view: case handling by assignee within one team.

Off unless VOCLOOP_COACHING_VIEW is set, and then shown only to the team's lead and
to quality managers (accounts.roles.may_coach). It shows what a person's cases say
about handling — resolved within the deadline, and whether customers were
satisfied with the resolution — as shrunken estimates with intervals, people listed
by name: a conversation starter for coaching, not a league table. Cases count for
their current assignee, on the days the team figures count them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Count, Q

from vocloop.accounts.models import Team
from vocloop.accounts.people import display_name
from vocloop.cases.models import Case, CaseEvent
from vocloop.dashboards.selectors import deadlines_counted, scoped, within
from vocloop.dashboards.teams import Cell, shrunken_cells
from vocloop.metrics.selectors import Scope

METRICS = ("sla_compliance", "recovery_rate")


@dataclass
class PeopleTable:
    people: list[tuple[str, str]]  # (key, name), by name
    cells: dict[str, dict[str, Cell]]  # metric → person key → cell
    methods: dict[str, str]

    def rows(self) -> list[tuple[str, list[tuple[str, Cell | None]]]]:
        return [(name, [(m, self.cells[m].get(key)) for m in METRICS]) for key, name in self.people]

    def csv_rows(self) -> Iterable[Sequence[Any]]:
        # No raw share below the minimum: that would be the small-sample league table
        # the shrinkage is there to prevent.
        for name, cells in self.rows():
            for metric, c in cells:
                if c is not None:
                    raw = c.raw if c.enough_data else None
                    yield (name, metric, raw, c.n, c.value, c.ci_low, c.ci_high, c.enough_data)


def coaching_rows(team: Team, scope: Scope) -> PeopleTable:
    cases = scoped(Case.objects.filter(team=team, assignee__isnull=False), scope)
    resolved = (
        deadlines_counted(cases, "resolve", scope.date_from, scope.date_to)
        .values("assignee")
        .annotate(n=Count("pk"), x=Count("pk", filter=Q(resolved_within_sla=True)))
        .order_by()
    )
    verdicts = (
        within(
            CaseEvent.objects.filter(kind=CaseEvent.Kind.SATISFACTION, case__in=cases),
            "created_at",
            scope.date_from,
            scope.date_to,
        )
        .values("case__assignee")
        .annotate(n=Count("pk"), x=Count("pk", filter=Q(data__satisfied=True)))
        .order_by()
    )
    sla = {str(r["assignee"]): (r["x"], r["n"]) for r in resolved}
    recovery = {str(r["case__assignee"]): (r["x"], r["n"]) for r in verdicts}
    people = User.objects.filter(pk__in=[int(k) for k in sla.keys() | recovery.keys()])
    names = {str(u.pk): display_name(u) for u in people}
    ordered = sorted(names.items(), key=lambda item: item[1].casefold())
    cells, methods = {}, {}
    for metric, counts in (("sla_compliance", sla), ("recovery_rate", recovery)):
        groups = [(key, *counts.get(key, (0, 0))) for key in names]
        cells[metric], fit = shrunken_cells(groups, names)
        methods[metric] = fit.method
    return PeopleTable(people=ordered, cells=cells, methods=methods)
