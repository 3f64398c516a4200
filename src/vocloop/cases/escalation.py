"""Escalation: a breached SLA deadline goes up the chain of team leads until someone acts.

The sweep runs in the worker at least every minute. A case whose acknowledge
deadline has passed unacknowledged, or whose resolve deadline has passed
unresolved, goes first to the owning team's lead; while the breach lasts, after
each further interval (the policy's escalate_every) to the lead of the team above,
and so on up the chain. Teams without an active lead are passed over.

Each escalation is one Escalation row, unique per case, deadline, breached moment
and level, created in the same transaction as its timeline entry: two sweeps at
once, or a sweep killed half way and run again, never escalate a breach twice.
A chunk of escalations costs a few statements, not a few per case: the sweep over
100,000 open cases stays under a second (bench/escalation_sweep.py).

An escalation that fell due longer ago than ESCALATION_EMAIL_WITHIN (24 hours of
wall time by default) is news to nobody: a worker started for the first time on
old data, or after weeks stopped, would otherwise email a team lead dozens of
breaches months old, and post each to the teams' chat. Such escalations are
recorded as any other (the timeline, the Escalation row) but marked late, and a
late escalation is announced nowhere: no email, no webhook, no chat message. The
chain is brought up to where it would stand had the sweep run all along, so that
the lead above is not told of them either at the next interval. An integration
that needs every escalation reads the case's timeline through the API.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Field
from django.utils import timezone

from vocloop.accounts.models import Team
from vocloop.accounts.people import display_name
from vocloop.cases import wording
from vocloop.cases.models import Case, CaseEvent, Status
from vocloop.cases.timeline import Actor, build_event, record_events
from vocloop.lib.moments import utc_minute
from vocloop.slas.models import Escalation

Deadline = Escalation.Deadline
RUNNING = (Status.NEW, Status.ACKNOWLEDGED)  # open, and the clock is the team's
CHUNK = 500


@dataclass(frozen=True)
class SweepReport:
    escalated: int  # every escalation recorded, emailed or not
    without_email: int  # of those, the ones that fell due too long ago to email


@dataclass(frozen=True)
class Breach:
    case: Case
    deadline: str
    due_at: dt.datetime


def breaches(now: dt.datetime) -> Iterator[Breach]:
    """Open cases past a deadline, found through the (status, deadline) indexes.

    An unacknowledged case escalates for its acknowledge deadline only: one chain
    of escalations per neglected case is enough.
    """
    # What the timeline entry and its notifications read, loaded with the case.
    # Waiting on the customer is not breaching, even if a deadline passed before the
    # wait began: the ball is in the customer's court.
    cases = Case.objects.filter(status__in=RUNNING).select_related(
        "sla_policy", "team", "touchpoint", "customer", "assignee"
    )
    # Ordered by id, so that concurrent sweeps take their row locks in the same order.
    late_acknowledging = cases.filter(
        acknowledged_at__isnull=True, acknowledge_by__lte=now
    ).order_by("pk")
    late_resolving = cases.filter(acknowledged_at__isnull=False, resolve_by__lte=now).order_by("pk")
    for case in late_acknowledging.iterator(chunk_size=CHUNK):
        assert case.acknowledge_by is not None
        yield Breach(case, Deadline.ACKNOWLEDGE, case.acknowledge_by)
    for case in late_resolving.iterator(chunk_size=CHUNK):
        assert case.resolve_by is not None
        yield Breach(case, Deadline.RESOLVE, case.resolve_by)


def lead_chain(team: Team, teams: dict[int, Team]) -> list[Team]:
    """The team and those above it that have an active lead, nearest first."""
    chain: list[Team] = []
    seen: set[int] = set()
    current: Team | None = team
    while current is not None and current.pk not in seen:  # a cycle stops the walk
        seen.add(current.pk)
        if current.lead is not None and current.lead.is_active:
            chain.append(current)
        current = teams.get(current.parent_id) if current.parent_id else None
    return chain


def _chunks(items: Iterable[Breach], size: int) -> Iterator[list[Breach]]:
    chunk: list[Breach] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def escalation_sweep(*, now: dt.datetime | None = None) -> int:
    """Escalate every breach that is due a (next) escalation; the number escalated."""
    return escalation_sweep_report(now=now).escalated


def escalation_sweep_report(*, now: dt.datetime | None = None) -> SweepReport:
    """As escalation_sweep, telling apart the escalations recorded without an email."""
    now = now or timezone.now()
    teams = {team.pk: team for team in Team.objects.select_related("lead")}
    escalated = without_email = 0
    for chunk in _chunks(breaches(now), CHUNK):
        earlier: dict[tuple[int, str, dt.datetime], Escalation] = {}
        for row in Escalation.objects.filter(case_id__in={b.case.pk for b in chunk}):
            key = (row.case_id, row.deadline, row.due_at)
            if key not in earlier or row.level > earlier[key].level:
                earlier[key] = row
        # One transaction per chunk: the escalations and their timeline entries (and
        # notifications) are committed together or not at all.
        with transaction.atomic():
            still = _still_breached(chunk, now)
            current = [b for b in chunk if (b.case.pk, b.deadline) in still]
            rows = _escalate_chunk(current, earlier, teams, now)
        escalated += len(rows)
        without_email += sum(1 for row in rows if not row.notified)
    return SweepReport(escalated=escalated, without_email=without_email)


def _still_breached(chunk: list[Breach], now: dt.datetime) -> set[tuple[int, str]]:
    """The chunk's breaches that still stand, read again under row locks.

    A case acknowledged or resolved since the chunk was read (case services lock the
    case too) is not escalated.
    """
    ids = [b.case.pk for b in chunk]
    rows = (
        Case.objects.select_for_update()
        .filter(pk__in=ids, status__in=RUNNING)
        .order_by("pk")
        .values_list("pk", "acknowledged_at", "acknowledge_by", "resolve_by")
    )
    still: set[tuple[int, str]] = set()
    for pk, acknowledged_at, acknowledge_by, resolve_by in rows:
        if acknowledged_at is None and acknowledge_by is not None and acknowledge_by <= now:
            still.add((pk, Deadline.ACKNOWLEDGE))
        elif acknowledged_at is not None and resolve_by is not None and resolve_by <= now:
            still.add((pk, Deadline.RESOLVE))
    return still


def _escalate_chunk(
    chunk: list[Breach],
    earlier: dict[tuple[int, str, dt.datetime], Escalation],
    teams: dict[int, Team],
    now: dt.datetime,
) -> list[Escalation]:
    """Record the escalations due now; those recorded (not another sweep's)."""
    planned: list[tuple[Breach, Escalation]] = []
    for breach in chunk:
        last = earlier.get((breach.case.pk, breach.deadline, breach.due_at))
        policy = breach.case.sla_policy
        interval = policy.escalate_every if policy else dt.timedelta(hours=4)
        # When the next escalation fell due: at the breach, or an interval after the last.
        due = last.created_at + interval if last is not None else breach.due_at
        chain = lead_chain(teams[breach.case.team_id], teams)
        level = last.level + 1 if last else 1
        # Levels that fell due too long ago to email are recorded at once, up to the
        # first one still worth an email (or the top of the chain, or now).
        while level <= len(chain) and due <= now:
            team = chain[level - 1]
            assert team.lead is not None
            email = now - due <= settings.ESCALATION_EMAIL_WITHIN
            row = Escalation(
                case=breach.case,
                deadline=breach.deadline,
                due_at=breach.due_at,
                level=level,
                team=team,
                notified=[team.lead.pk] if email else [],
                created_at=now,
            )
            planned.append((breach, row))
            if email:
                break
            level, due = level + 1, due + interval
    won = _claim([row for _, row in planned])
    recorded = [(b, row) for b, row in planned if (row.case_id, row.deadline, row.level) in won]
    record_events([escalation_entry(breach, row) for breach, row in recorded])
    return [row for _, row in recorded]


def _claim(rows: list[Escalation]) -> set[tuple[int, str, int]]:
    """Insert the escalations no other sweep has made; (case, deadline, level) of those inserted.

    INSERT … ON CONFLICT DO NOTHING RETURNING in one statement, on SQLite and
    PostgreSQL alike: the unique constraint decides which sweep escalates a breach,
    and the database says which rows were this sweep's.
    """
    if not rows:
        return set()
    meta = Escalation._meta
    columns = ["case", "deadline", "due_at", "level", "team", "notified", "created_at"]
    by_name = {field.name: field for field in meta.concrete_fields}
    fields: list[Field[Any, Any]] = [by_name[name] for name in columns]
    quote = connection.ops.quote_name
    params: list[Any] = []
    for row in rows:
        params += [f.get_db_prep_save(getattr(row, f.attname), connection) for f in fields]
    values = ", ".join(["(" + ", ".join(["%s"] * len(fields)) + ")"] * len(rows))
    sql = (
        f"INSERT INTO {quote(meta.db_table)} "
        f"({', '.join(quote(f.column) for f in fields)}) VALUES {values} "
        "ON CONFLICT (case_id, deadline, due_at, level) DO NOTHING "
        "RETURNING case_id, deadline, level"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {(case_id, deadline, level) for case_id, deadline, level in cursor.fetchall()}


def _body(*, deadline: str, due_at: dt.datetime, lead: str, team: str, late: bool) -> str:
    passed = f"The {deadline} deadline ({utc_minute(due_at)}) has passed: "
    if not late:
        return passed + f"{lead}, lead of the {team} team, was told."
    hours = settings.ESCALATION_EMAIL_WITHIN.total_seconds() / 3600
    return (
        passed + f"escalated to {lead}, lead of the {team} team, without an email, webhook "
        f"or chat message: it fell due more than {hours:g} hours before the sweep saw it."
    )


def escalation_entry(breach: Breach, row: Escalation) -> CaseEvent:
    """The escalation's entry on the case's timeline (the demo writes them too)."""
    case, team = breach.case, row.team
    lead = team.lead
    assert lead is not None
    # Only an escalation too old to email goes without its lead's name in `notified`.
    late = not row.notified
    return build_event(
        case,
        Actor.system(),
        CaseEvent.Kind.ESCALATED,
        public=True,
        public_text=wording.escalated_to(team.name, lead_of_own_team=team.pk == case.team_id),
        body=_body(
            deadline=breach.deadline,
            due_at=breach.due_at,
            lead=display_name(lead),
            team=team.name,
            late=late,
        ),
        data={
            "deadline": breach.deadline,
            "due_at": breach.due_at.isoformat(),
            "level": row.level,
            "team": team.slug,
            "notified": row.notified,
            "late": late,  # recorded, announced nowhere (notifications.events)
        },
        at=row.created_at,
    )
