"""A demo case's life as plain data: its planned timeline and the state it leads to.

The timeline is planned when the case opens, with the wording and the delays of
real case work: a lead triages and assigns, an agent acknowledges and replies,
sometimes asks the customer for details, resolves with a root cause, and the
customer accepts or reopens. Events later than "now" are dropped, so recent cases
are still open. `replay` derives the case's fields from its events exactly as
the case services would have set them.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import random
from dataclasses import dataclass, field
from typing import Any

from vocloop.cases import wording
from vocloop.demo import casework as words
from vocloop.demo.organisation import Staff, TeamSpec

# CaseEvent.Kind, CaseEvent.Actor and Status values, repeated here so this module
# needs no Django; tests check they match the models.
OPENED, ATTACHED, ASSIGNED_TEAM, ASSIGNED = (
    "opened",
    "feedback_attached",
    "assigned_team",
    "assigned",
)
ACKNOWLEDGED, REPLY, NOTE = "acknowledged", "public_reply", "internal_note"
CUSTOMER_MESSAGE, SEVERITY_CHANGED, STATUS_CHANGED = (
    "customer_message",
    "severity_changed",
    "status_changed",
)
RESOLVED, REOPENED, CLOSED, SATISFACTION = "resolved", "reopened", "closed", "satisfaction"
NEW, WAITING = "new", "waiting_on_customer"
OPEN_STATUSES = frozenset({NEW, ACKNOWLEDGED, WAITING})

SYSTEM = ("system", None, "vocloop")
CUSTOMER = ("customer", None, "Customer")


@dataclass(slots=True)
class PlannedEvent:
    kind: str
    at: dt.datetime
    actor_kind: str
    actor: str | None  # a staff username
    actor_label: str
    public: bool = False
    body: str = ""
    public_text: str = ""
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class CaseState:
    status: str = NEW
    severity: str = "normal"
    assignee: str | None = None
    acknowledged_at: dt.datetime | None = None
    resolved_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    resolution: str = ""
    root_cause: str | None = None
    customer_satisfied: bool | None = None
    reopen_count: int = 0
    updated_at: dt.datetime | None = None
    # The SLA clock's pauses (slas.ClockPause rows), as the SLA services record them:
    # while waiting on the customer (an end of None: still waiting), and from each
    # resolution to the reopening that undid it.
    clock_pauses: list[Interval] = field(default_factory=list)


Interval = tuple[dt.datetime, dt.datetime | None]


def replay(opened_at: dt.datetime, events: list[PlannedEvent]) -> tuple[CaseState, list[Interval]]:
    """The case's fields after its events, and the spans of time during which it was open."""
    state = CaseState(updated_at=opened_at)
    intervals: list[Interval] = []
    open_since: dt.datetime | None = opened_at
    waiting_since: dt.datetime | None = None
    for e in events:
        if e.kind == ACKNOWLEDGED:
            state.status = ACKNOWLEDGED
            state.acknowledged_at = state.acknowledged_at or e.at
        elif e.kind == STATUS_CHANGED:
            state.status = WAITING
            state.acknowledged_at = state.acknowledged_at or e.at
            waiting_since = waiting_since or e.at
        elif e.kind in (CUSTOMER_MESSAGE, ATTACHED) and state.status == WAITING:
            # Whatever the customer sends ends the wait (cases.services.customer_answered).
            state.status = ACKNOWLEDGED
            state.clock_pauses.append((waiting_since or e.at, e.at))
            waiting_since = None
        elif e.kind == ASSIGNED:
            state.assignee = e.data["assignee"]
        elif e.kind == SEVERITY_CHANGED:
            state.severity = e.data["to"]
        elif e.kind == RESOLVED:
            if waiting_since is not None:  # resolving ends the wait (case_sla_resolved)
                state.clock_pauses.append((waiting_since, e.at))
                waiting_since = None
            state.status = RESOLVED
            state.acknowledged_at = state.acknowledged_at or e.at
            state.resolved_at, state.resolution = e.at, e.body
            state.root_cause, state.customer_satisfied = e.data["root_cause"], None
            if open_since is not None:
                intervals.append((open_since, e.at))
                open_since = None
        elif e.kind == SATISFACTION:
            state.customer_satisfied = e.data["satisfied"]
        elif e.kind == CLOSED:
            state.status, state.closed_at = CLOSED, e.at
        elif e.kind == REOPENED:
            if state.resolved_at is not None:  # nobody's to work while resolved
                state.clock_pauses.append((state.resolved_at, e.at))
            state.status = ACKNOWLEDGED
            state.resolved_at = state.closed_at = None
            state.reopen_count += 1
            open_since = e.at
        state.updated_at = max(state.updated_at or e.at, e.at)
    if open_since is not None:
        intervals.append((open_since, None))
    if waiting_since is not None:
        state.clock_pauses.append((waiting_since, None))
    return state, intervals


@dataclass(slots=True)
class PlannedCase:
    seq: int
    reference: str
    touchpoint: str
    team: str
    customer: int | None  # a CustomerSpec index
    opened_at: dt.datetime
    events: list[PlannedEvent]
    state: CaseState = field(default_factory=CaseState)
    intervals: list[Interval] = field(default_factory=list)

    def refresh(self) -> None:
        self.state, self.intervals = replay(self.opened_at, self.events)

    def is_open_at(self, at: dt.datetime) -> bool:
        return any(start <= at and (end is None or at < end) for start, end in self.intervals)

    @property
    def is_open(self) -> bool:
        return self.state.status in OPEN_STATUSES

    @property
    def last_at(self) -> dt.datetime:
        return self.events[-1].at

    def reopens_after(self, at: dt.datetime) -> bool:
        return any(e.kind == REOPENED and e.at > at for e in self.events)

    def truncate(self, at: dt.datetime) -> None:
        """Forget what was planned after `at`: the customer wrote anew instead of answering."""
        self.events = [e for e in self.events if e.at <= at]
        self.refresh()

    def attach(self, event: PlannedEvent) -> None:
        bisect.insort_right(self.events, event, key=lambda e: e.at)
        self.refresh()


def working_time(rng: random.Random, at: dt.datetime) -> dt.datetime:
    """The moment, or the next office-hours moment (Mon–Fri 08:00–18:00) after it."""
    for _ in range(4):
        morning = dt.timedelta(minutes=rng.uniform(0, 90))
        if at.weekday() >= 5:
            days = 7 - at.weekday()
            at = (at + dt.timedelta(days=days)).replace(hour=8, minute=0, second=0) + morning
        elif at.hour < 8:
            at = at.replace(hour=8, minute=0, second=0) + morning
        elif at.hour >= 18:
            at = (at + dt.timedelta(days=1)).replace(hour=8, minute=0, second=0) + morning
        else:
            return at
    return at


def customer_time(rng: random.Random, at: dt.datetime) -> dt.datetime:
    """Customers write at any hour, but few do between midnight and seven."""
    if at.hour < 7:
        at = at.replace(hour=7, minute=0) + dt.timedelta(minutes=rng.uniform(0, 180))
    return at


def _after(rng: random.Random, median_hours: float, sigma: float = 0.8) -> dt.timedelta:
    return dt.timedelta(hours=rng.lognormvariate(math.log(median_hours), sigma))


@dataclass(frozen=True)
class CaseContext:
    reference: str
    touchpoint: str
    team: TeamSpec
    opened_at: dt.datetime
    customer_first: str | None
    complaint: bool
    deteriorating: bool
    now: dt.datetime


# Typical delays of an average team, in real hours: about a third of what the default
# SLA policies allow in business hours (slas/migrations/0002_defaults.py), so that most
# cases are acknowledged and resolved in time, and the long tail, the backlogs and a
# slower team's pace (TeamSpec.pace) make the believable minority that are not.
ACK_MEDIAN_HOURS = {"critical": 0.25, "high": 1.0, "normal": 2.5, "low": 5.0}
RESOLVE_MEDIAN_HOURS = {"critical": 2.5, "high": 8.0, "normal": 24.0, "low": 48.0}
BACKLOG_CHANCE = 0.04
# A deteriorating touch point swamps its team: more backlogs, slower work.
SWAMPED_BACKLOG, SWAMPED_PACE = 0.15, 1.4


class _Planner:
    def __init__(self, rng: random.Random, ctx: CaseContext):
        self.rng, self.ctx = rng, ctx
        self.events: list[PlannedEvent] = []
        self.t = ctx.opened_at
        self.lead = ctx.team.lead
        self.agent = rng.choice(ctx.team.members)
        self.first = ctx.customer_first or "there"
        self.pace = ctx.team.pace * (SWAMPED_PACE if ctx.deteriorating else 1.0)
        self.severity = "normal"

    def add(
        self, kind: str, actor: tuple[str, str | None, str] | Staff, **fields: Any
    ) -> PlannedEvent:
        if isinstance(actor, Staff):
            actor = ("staff", actor.username, actor.full_name)
        event = PlannedEvent(kind, self.t, actor[0], actor[1], actor[2], **fields)
        self.events.append(event)
        return event

    def staff_after(self, delta: dt.timedelta) -> None:
        self.t = working_time(self.rng, self.t + delta)

    def work(self, share: float, sigma: float = 0.8) -> dt.timedelta:
        """A stretch of case work: `share` of the severity's typical time to resolve."""
        return _after(self.rng, RESOLVE_MEDIAN_HOURS[self.severity] * share * self.pace, sigma)

    def customer_after(self, delta: dt.timedelta) -> None:
        self.t = customer_time(self.rng, self.t + delta)

    def text(self, phrase: str) -> str:
        return words.fill(self.rng, phrase, first=self.first, reference=self.ctx.reference)

    def reply(self, phrase: str, by: Staff) -> None:
        body = self.text(phrase) + words.SIGN_OFF.format(
            agent=by.first_name, team=self.ctx.team.name
        )
        self.add(
            REPLY,
            by,
            public=True,
            body=body,
            public_text=wording.reply_from(self.ctx.team.name),
        )

    def resolve(self, by: Staff, resolution: tuple[str, str]) -> None:
        summary, cause = resolution
        self.add(
            RESOLVED,
            by,
            public=True,
            body=self.text(summary),
            public_text=wording.RESOLVED,
            data={"root_cause": cause},
        )

    def plan(self) -> list[PlannedEvent]:
        rng, ctx, team = self.rng, self.ctx, self.ctx.team
        self.add(
            OPENED,
            SYSTEM,
            public=True,
            public_text=wording.OPENED,
            data={"feedback": ctx.reference},
        )
        self.add(
            ASSIGNED_TEAM,
            SYSTEM,
            public=True,
            public_text=wording.assigned_to(team.name),
            data={"team": team.slug, "touchpoint": ctx.touchpoint},
        )
        severity = self.severity = self.triage()
        owner = self.agent
        if rng.random() < 0.93:
            self.add(
                ASSIGNED,
                self.lead,
                body=f"Assigned to {owner.full_name}.",
                data={"assignee": owner.username},
            )
        else:
            owner = self.lead
        ack_delay = _after(rng, ACK_MEDIAN_HOURS[severity] * self.pace)
        backlog = SWAMPED_BACKLOG if ctx.deteriorating else BACKLOG_CHANCE
        if rng.random() < backlog:  # a backlog: nobody picks it up for days
            ack_delay += dt.timedelta(hours=rng.uniform(24, 96))
        self.staff_after(ack_delay)
        self.add(
            ACKNOWLEDGED,
            owner,
            public=True,
            public_text=wording.looking_into_it(team.name),
        )
        if rng.random() < 0.7:
            self.t += dt.timedelta(minutes=rng.uniform(1, 20))
            self.reply(rng.choice(words.ACK_REPLIES), owner)
        if rng.random() < 0.025:  # stalled: acknowledged, then forgotten
            return self.events
        self.notes(owner)
        if rng.random() < 0.35 and not self.wait_on_customer(owner):
            return self.events
        if rng.random() < 0.45:
            self.staff_after(self.work(0.4))
            self.reply(f"Quick update on {{reference}}: {words.PROGRESS[ctx.touchpoint]}.", owner)
        self.staff_after(self.work(1.0, 0.9))
        self.resolve(owner, rng.choice(words.RESOLUTIONS[ctx.touchpoint]))
        self.after_resolution(owner, severity)
        return self.events

    def triage(self) -> str:
        rng = self.rng
        # Complaints are triaged first: one may be critical, due within the hour.
        self.staff_after(dt.timedelta(minutes=rng.uniform(5, 45 if self.ctx.complaint else 150)))
        r = rng.random()
        if self.ctx.complaint:
            severity = "critical" if r < 0.06 else "high" if r < 0.35 else "normal"
        else:
            severity = "high" if r < 0.07 else "low" if r > 0.85 else "normal"
        if severity != "normal":
            self.add(
                SEVERITY_CHANGED,
                self.lead,
                body=f"Severity Normal → {words.SEVERITY_LABELS[severity]}.",
                data={"from": "normal", "to": severity},
            )
        self.t += dt.timedelta(minutes=rng.uniform(0.5, 5))
        return severity

    def notes(self, owner: Staff) -> None:
        rng, ctx = self.rng, self.ctx
        for _ in range(rng.choices((0, 1, 2), (45, 40, 15))[0]):
            self.staff_after(self.work(0.15))
            if ctx.deteriorating and rng.random() < 0.6:
                phrase = rng.choice(words.DETERIORATION_NOTES)
            elif rng.random() < 0.7:
                phrase = rng.choice(words.NOTES[ctx.touchpoint])
            else:
                phrase = rng.choice(words.GENERIC_NOTES)
            self.add(NOTE, owner, body=self.text(phrase.replace("{lead}", self.lead.full_name)))

    def wait_on_customer(self, owner: Staff) -> bool:
        """Ask the customer for details; False when they never answer and the case ends there."""
        rng, ctx = self.rng, self.ctx
        self.staff_after(_after(rng, 2))
        ask = (
            "Hello {first}, to look into this properly I need a little more from you: "
            f"could you tell us {words.ASK_DETAILS[ctx.touchpoint]}?"
        )
        self.reply(ask, owner)
        self.t += dt.timedelta(seconds=1)
        self.add(
            STATUS_CHANGED,
            owner,
            public=True,
            public_text=wording.WAITING_ON_CUSTOMER,
            data={"status": WAITING},
        )
        if rng.random() < 0.75:
            self.customer_after(_after(rng, 30, 1.0))
            answer = (
                words.CUSTOMER_ANSWERS[ctx.touchpoint] + " " + rng.choice(words.CUSTOMER_FOLLOW_UPS)
            )
            self.add(
                CUSTOMER_MESSAGE,
                CUSTOMER,
                public=True,
                body=self.text(answer).strip(),
                public_text=wording.CUSTOMER_MESSAGE,
            )
            return True
        self.staff_after(dt.timedelta(days=rng.uniform(10, 14)))
        self.resolve(owner, words.NO_ANSWER_RESOLUTION)
        return False

    def after_resolution(self, owner: Staff, severity: str) -> None:
        """The customer's verdict, and as many reopen-and-resolve rounds as it takes."""
        rng = self.rng
        for round_ in range(3):
            r = rng.random()
            if r < 0.55:
                self.customer_after(_after(rng, 20, 0.9))
                if rng.random() < (0.87 if round_ == 0 else 0.9):
                    self.verdict(satisfied=True, reason=rng.choice(words.SATISFIED))
                    return
                reason = rng.choice(words.NOT_SATISFIED)
                self.verdict(satisfied=False, reason=reason)
                self.add(
                    REOPENED,
                    CUSTOMER,
                    public=True,
                    body=reason,
                    public_text=wording.REOPENED_BY_CUSTOMER,
                )
            elif r < 0.57:
                self.staff_after(dt.timedelta(days=rng.uniform(1, 6)))
                self.add(
                    REOPENED,
                    owner,
                    public=True,
                    body=rng.choice(words.STAFF_REOPEN_REASONS),
                    public_text=wording.reopened_by(self.ctx.team.name),
                )
            else:
                return
            self.staff_after(_after(rng, 3))
            self.reply(rng.choice(words.REOPEN_REPLIES), owner)
            self.staff_after(self.work(0.8, 0.9))
            self.resolve(owner, rng.choice(words.RESOLUTIONS[self.ctx.touchpoint]))

    def verdict(self, *, satisfied: bool, reason: str) -> None:
        self.add(
            SATISFACTION,
            CUSTOMER,
            public=True,
            body=reason,
            public_text=wording.verdict(satisfied=satisfied),
            data={"satisfied": satisfied},
        )
        if satisfied:
            self.add(CLOSED, SYSTEM, public=True, public_text=wording.CLOSED)


def case_plan(rng: random.Random, ctx: CaseContext) -> list[PlannedEvent]:
    """The case's timeline from its opening up to `ctx.now`."""
    return [e for e in _Planner(rng, ctx).plan() if e.at <= ctx.now]


def attached_event(
    *, at: dt.datetime, reference: str, comment: str, score: int | None
) -> PlannedEvent:
    return PlannedEvent(
        ATTACHED,
        at,
        *SYSTEM,
        public=True,
        body=comment,
        public_text=wording.FEEDBACK_ATTACHED,
        data={"feedback": reference, "score": score},
    )
