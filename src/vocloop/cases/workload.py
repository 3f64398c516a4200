"""The team lead's workload: open cases per team and per person, by where they stand
against their SLA deadlines.

Counts of live cases, read in one grouped query with the same reading of a deadline
as the inbox (selectors.due_state). It is workload, not performance: people are
listed by name, with no ranking, and every count links to the inbox showing exactly
those cases. Quality managers see every team; a team lead sees the teams they lead
and the teams below them, whose breaches are escalated to them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count
from django.utils import timezone

from vocloop.accounts import roles
from vocloop.accounts.models import Team
from vocloop.accounts.people import display_name
from vocloop.cases.models import OPEN_STATUSES, Case
from vocloop.cases.selectors import DUE_STATES, due_state, escalation_open

User = get_user_model()


@dataclass
class Load:
    """Open cases by where each stands against its next deadline (selectors.DUE_STATES)."""

    due: dict[str, int] = field(default_factory=lambda: dict.fromkeys(DUE_STATES, 0))
    escalated: int = 0  # with an open escalation (selectors.escalation_open)

    @property
    def open(self) -> int:
        return sum(self.due.values())

    def add(self, state: str, cases: int, escalated: int) -> None:
        self.due[state] += cases
        self.escalated += escalated

    def merge(self, other: Load) -> None:
        for state, cases in other.due.items():
            self.add(state, cases, 0)
        self.escalated += other.escalated


@dataclass
class PersonLoad:
    person: Any
    name: str
    load: Load
    in_team: bool  # False: holds the team's cases but is no longer a member (or is inactive)


@dataclass
class TeamLoad:
    team: Team
    total: Load
    people: list[PersonLoad]  # by name
    unassigned: Load


def workload_teams(user: Any) -> list[Team]:
    """The teams whose workload the user may read: every team for a quality manager; for a
    team lead, the teams they lead and those below them; none for anyone else."""
    teams = list(Team.objects.order_by("name"))
    if roles.is_quality_manager(user):
        return teams
    if not roles.is_team_lead(user):
        return []
    children: dict[int | None, list[Team]] = {}
    for team in teams:
        children.setdefault(team.parent_id, []).append(team)
    chosen: set[int] = set()
    waiting = [team for team in teams if team.lead_id == user.pk]
    while waiting:
        team = waiting.pop()
        if team.pk not in chosen:  # a cycle in the parents stops here
            chosen.add(team.pk)
            waiting.extend(children.get(team.pk, []))
    return [team for team in teams if team.pk in chosen]


def team_workload(teams: Sequence[Team], *, now: dt.datetime | None = None) -> list[TeamLoad]:
    """Each team's open cases, in total, per person (members and lead, by name, with any
    other holder of its cases) and unassigned."""
    now = now or timezone.now()
    ids = [team.pk for team in teams]
    rows = (
        Case.objects.filter(team_id__in=ids, status__in=OPEN_STATUSES)
        .annotate(due=due_state(now))
        .values("team_id", "assignee_id", "due")
        .annotate(cases=Count("pk"), escalated=Count("pk", filter=escalation_open()))
        .order_by()
    )
    loads: dict[tuple[int, int | None], Load] = {}
    for row in rows:
        key = (row["team_id"], row["assignee_id"])
        loads.setdefault(key, Load()).add(row["due"], row["cases"], row["escalated"])

    members = Team.members.through.objects.filter(team_id__in=ids).values_list("team_id", "user_id")
    belongs = {(team_id, user_id) for team_id, user_id in members}
    belongs |= {(team.pk, team.lead_id) for team in teams if team.lead_id is not None}
    wanted = {user_id for _, user_id in belongs} | {a for _, a in loads if a is not None}
    people = {u.pk: u for u in User.objects.filter(pk__in=wanted)}

    result = []
    for team in teams:
        total, shown = Load(), []
        for load in (load for (t, _), load in loads.items() if t == team.pk):
            total.merge(load)
        holders = {a for t, a in loads if t == team.pk and a is not None}
        for pk in {u for t, u in belongs if t == team.pk} | holders:
            person = people.get(pk)
            if person is None:
                continue
            in_team = (team.pk, pk) in belongs and person.is_active
            load = loads.get((team.pk, pk), Load())
            if in_team or load.open:
                shown.append(PersonLoad(person, display_name(person), load, in_team))
        shown.sort(key=lambda p: (p.name.casefold(), p.person.pk))
        result.append(TeamLoad(team, total, shown, loads.get((team.pk, None), Load())))
    return result
