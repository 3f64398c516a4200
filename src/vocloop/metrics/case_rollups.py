"""Case rollups: a case's figures move as it is acknowledged, resolved, reopened and resolved again.

Each case's current contribution is recorded (CaseContribution). Every change of a
case passes through cases.timeline.record_events and is announced to
`rollup_case_events` (the conductor's first consumer of case changes): it reads the
case again, takes back the recorded contribution, adds the new one and records it —
a reopened, then re-resolved case counts once, on its latest resolution day.
Verdicts and reopenings are moments that never change: they are counted from their
timeline entries.

SLA compliance counts every deadline on its own day, whatever became of it: met,
missed, or still open past it (a miss already). A deadline not yet passed counts
nothing, and the contribution records when it passes (`pending_until`): the
worker's sweep, `rollup_deadlines_passed`, counts it then, whether or not an
escalation follows. Deadlines move (a new severity, the clock paused, a reopening):
every such change passes through record_events, and the case counts anew.

A case counts in one segment all its life: the customer's size when the feedback it
was opened for was given (`case_segment`), whatever size the customer has since.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from vocloop.cases.models import Case, CaseEvent
from vocloop.lib.days import day_of
from vocloop.listening.models import Feedback
from vocloop.metrics.models import (
    DURATION_BUCKETS,
    DURATION_EDGES,
    CaseContribution,
    CaseRollup,
    CaseTouchpointRollup,
)
from vocloop.metrics.upsert import upsert_add

CASE_KEY = ("day", "team_id", "touchpoint_id", "segment")
CASE_TOUCHPOINT_KEY = ("day", "touchpoint_id")
CASE_COUNTS = (
    "opened",
    "acknowledged",
    "acknowledge_deadlines",
    "acknowledge_deadlines_met",
    "resolved",
    "resolve_deadlines",
    "resolve_deadlines_met",
    "resolved_after_reopening",
    "verdicts_satisfied",
    "verdicts_unsatisfied",
    "reopens",
)
HISTOGRAMS = ("acknowledge_histogram", "resolve_histogram")
CaseKey = tuple[dt.date, int, int, str]


def duration_bucket(seconds: int | None) -> int | None:
    if seconds is None:
        return None
    return min(max(bisect_right(DURATION_EDGES, seconds) - 1, 0), DURATION_BUCKETS - 1)


CASE_FIELDS = (
    "pk",
    "team_id",
    "touchpoint_id",
    "segment",
    "opened_at",
    "acknowledge_by",
    "resolve_by",
    "acknowledged_at",
    "acknowledged_within_sla",
    "business_seconds_to_acknowledge",
    "resolved_at",
    "resolved_within_sla",
    "business_seconds_to_resolve",
    "reopen_count",
)


def case_segment(case: str = "pk") -> Coalesce:
    """The segment of the case `case` refers to: that of the feedback it was opened for (its
    first), "" when unknown. Never the customer's size now, which may have changed."""
    opened_for = Feedback.objects.filter(case_id=OuterRef(case)).order_by("pk")
    return Coalesce(Subquery(opened_for.values("segment")[:1]), Value(""))


def case_values(cases: QuerySet[Case]) -> QuerySet[Any]:
    """The cases' CASE_FIELDS, their segment among them: what their contribution depends on."""
    return cases.annotate(segment=case_segment()).values(*CASE_FIELDS)


@dataclass(frozen=True)
class Deadline:
    """What one deadline adds to SLA compliance: the day it counts on and whether it was met
    (both None while it counts nothing), and the moment it will count if nothing changes."""

    day: dt.date | None = None
    met: bool | None = None
    pending_until: dt.datetime | None = None

    @classmethod
    def of(
        cls,
        due: dt.datetime | None,
        done: dt.datetime | None,
        within: bool | None,
        now: dt.datetime,
    ) -> Deadline:
        if due is None:
            return cls()
        if done is not None:
            # Met or missed as recorded when it was done; None: done with no deadline then.
            return cls() if within is None else cls(day_of(due), within)
        if due <= now:
            return cls(day_of(due), False)  # still open past it: a miss already
        return cls(pending_until=due)


@dataclass(frozen=True)
class CaseFacts:
    """Everything about a case that its rollup contribution depends on (see CaseContribution)."""

    team_id: int
    touchpoint_id: int
    segment: str
    opened_day: dt.date
    acknowledged_day: dt.date | None
    acknowledge_bucket: int | None
    resolved_day: dt.date | None
    resolve_bucket: int | None
    reopened: bool
    acknowledge_due_day: dt.date | None
    acknowledge_met: bool | None
    resolve_due_day: dt.date | None
    resolve_met: bool | None
    pending_until: dt.datetime | None

    @classmethod
    def of(cls, row: Mapping[str, Any], now: dt.datetime) -> CaseFacts:
        """The case's contribution as of `now`: which of its deadlines have passed."""
        acknowledged, resolved = row["acknowledged_at"], row["resolved_at"]
        acknowledge = Deadline.of(
            row["acknowledge_by"], acknowledged, row["acknowledged_within_sla"], now
        )
        resolve = Deadline.of(row["resolve_by"], resolved, row["resolved_within_sla"], now)
        pending = [d for d in (acknowledge.pending_until, resolve.pending_until) if d is not None]
        return cls(
            team_id=row["team_id"],
            touchpoint_id=row["touchpoint_id"],
            segment=row["segment"],
            opened_day=day_of(row["opened_at"]),
            acknowledged_day=day_of(acknowledged) if acknowledged else None,
            acknowledge_bucket=(
                duration_bucket(row["business_seconds_to_acknowledge"]) if acknowledged else None
            ),
            resolved_day=day_of(resolved) if resolved else None,
            resolve_bucket=(
                duration_bucket(row["business_seconds_to_resolve"]) if resolved else None
            ),
            reopened=row["reopen_count"] > 0,
            acknowledge_due_day=acknowledge.day,
            acknowledge_met=acknowledge.met,
            resolve_due_day=resolve.day,
            resolve_met=resolve.met,
            pending_until=min(pending, default=None),
        )

    @classmethod
    def recorded(cls, row: CaseContribution) -> CaseFacts:
        return cls(**{name: getattr(row, name) for name in cls.__dataclass_fields__})

    def key(self, day: dt.date) -> CaseKey:
        return (day, self.team_id, self.touchpoint_id, self.segment)


@dataclass
class CaseDelta:
    counts: Counter[str] = field(default_factory=Counter)
    histograms: dict[str, Counter[int]] = field(
        default_factory=lambda: {name: Counter() for name in HISTOGRAMS}
    )

    def add(self, other: CaseDelta, sign: int = 1) -> None:
        for name, n in other.counts.items():
            self.counts[name] += sign * n
        for name, buckets in other.histograms.items():
            for bucket, n in buckets.items():
                self.histograms[name][bucket] += sign * n

    def is_zero(self) -> bool:
        return not any(self.counts.values()) and not any(
            any(b.values()) for b in self.histograms.values()
        )


CaseDeltas = dict[CaseKey, CaseDelta]


def _delta_at(deltas: CaseDeltas, key: CaseKey) -> CaseDelta:
    if key not in deltas:
        deltas[key] = CaseDelta()
    return deltas[key]


def case_contribution(facts: CaseFacts, into: CaseDeltas, sign: int = 1) -> None:
    """Add (sign 1) or take back (sign −1) what a case in this state adds to the rollups."""
    _delta_at(into, facts.key(facts.opened_day)).counts["opened"] += sign
    if facts.acknowledged_day is not None:
        delta = _delta_at(into, facts.key(facts.acknowledged_day))
        delta.counts["acknowledged"] += sign
        if facts.acknowledge_bucket is not None:
            delta.histograms["acknowledge_histogram"][facts.acknowledge_bucket] += sign
    if facts.resolved_day is not None:
        delta = _delta_at(into, facts.key(facts.resolved_day))
        delta.counts["resolved"] += sign
        delta.counts["resolved_after_reopening"] += sign * facts.reopened
        if facts.resolve_bucket is not None:
            delta.histograms["resolve_histogram"][facts.resolve_bucket] += sign
    for deadline, day, met in (
        ("acknowledge", facts.acknowledge_due_day, facts.acknowledge_met),
        ("resolve", facts.resolve_due_day, facts.resolve_met),
    ):
        if day is not None:
            delta = _delta_at(into, facts.key(day))
            delta.counts[f"{deadline}_deadlines"] += sign
            delta.counts[f"{deadline}_deadlines_met"] += sign * bool(met)


COUNTED_EVENTS = (CaseEvent.Kind.SATISFACTION, CaseEvent.Kind.REOPENED)


def event_contribution(kind: str, data: Mapping[str, Any], key: CaseKey, into: CaseDeltas) -> None:
    """A verdict or a reopening counts once, on its own day, whatever the case does later."""
    if kind == CaseEvent.Kind.REOPENED:
        _delta_at(into, key).counts["reopens"] += 1
    elif kind == CaseEvent.Kind.SATISFACTION:
        verdict = "verdicts_satisfied" if data.get("satisfied") else "verdicts_unsatisfied"
        _delta_at(into, key).counts[verdict] += 1


def by_touchpoint(deltas: CaseDeltas) -> dict[tuple[dt.date, int], CaseDelta]:
    """The deltas summed over team and segment: what CaseTouchpointRollup rows take."""
    coarse: dict[tuple[dt.date, int], CaseDelta] = {}
    for (day, _team, touchpoint, _segment), delta in deltas.items():
        if (day, touchpoint) not in coarse:
            coarse[day, touchpoint] = CaseDelta()
        coarse[day, touchpoint].add(delta)
    return coarse


def _apply_case_deltas(deltas: CaseDeltas) -> None:
    """Apply deltas to CaseRollup, then to CaseTouchpointRollup, each in key order.

    One fixed lock order between transactions: every finer row, then every coarser one.
    """
    _apply_deltas(CaseRollup, CASE_KEY, deltas)
    _apply_deltas(CaseTouchpointRollup, CASE_TOUCHPOINT_KEY, by_touchpoint(deltas))


def _apply_deltas(
    model: type[CaseRollup | CaseTouchpointRollup],
    key_fields: tuple[str, ...],
    deltas: Mapping[Any, CaseDelta],
) -> None:
    """Apply deltas row by row, in key order."""
    empty = [0] * DURATION_BUCKETS
    for key in sorted(deltas):
        delta = deltas[key]
        if delta.is_zero():
            continue
        upsert_add(
            model,
            key_fields,
            CASE_COUNTS,
            [(key, delta.counts)],
            extra={name: empty for name in HISTOGRAMS},
        )
        takes_back = any(n < 0 for n in delta.counts.values())
        if not takes_back and not any(any(b.values()) for b in delta.histograms.values()):
            continue
        # The upsert holds the row: reading and writing its histograms is race-free.
        row = model.objects.get(**dict(zip(key_fields, key, strict=True)))
        for name, buckets in delta.histograms.items():
            histogram = getattr(row, name)
            for bucket, n in buckets.items():
                histogram[bucket] += n
        if not any(getattr(row, c) for c in CASE_COUNTS) and not any(
            any(getattr(row, h)) for h in HISTOGRAMS
        ):
            row.delete()  # a rebuild would have no such row either
        else:
            row.save(update_fields=list(HISTOGRAMS))


def _recount(case_ids: Iterable[int], now: dt.datetime, deltas: CaseDeltas) -> dict[int, CaseFacts]:
    """Take back each case's recorded contribution and add its contribution as of `now`.

    The recorded contributions are locked before the cases are read: a change that
    commits meanwhile is then seen here, or takes back what was recorded here.
    """
    recorded = {
        c.case_id: c
        for c in CaseContribution.objects.select_for_update()
        .filter(case_id__in=case_ids)
        .order_by("case_id")
    }
    rows = {row["pk"]: row for row in case_values(Case.objects.filter(pk__in=case_ids))}
    facts_now: dict[int, CaseFacts] = {}
    for case_id, row in rows.items():
        facts = facts_now[case_id] = CaseFacts.of(row, now)
        before = recorded.get(case_id)
        if before is not None and CaseFacts.recorded(before) == facts:
            continue
        if before is not None:
            case_contribution(CaseFacts.recorded(before), deltas, sign=-1)
        case_contribution(facts, deltas)
        CaseContribution(case_id=case_id, **asdict(facts)).save(force_insert=before is None)
    return facts_now


def rollup_case_events(events: Iterable[CaseEvent]) -> None:
    """Bring the rollups up to date with the cases of newly recorded timeline entries.

    Announced by record_events, inside the change's transaction, after the case is saved.
    """
    events = list(events)
    case_ids = {event.case_id for event in events}
    if not case_ids:
        return
    deltas: CaseDeltas = {}
    facts_now = _recount(case_ids, timezone.now(), deltas)
    for event in events:
        if event.kind in COUNTED_EVENTS and event.case_id in facts_now:
            key = facts_now[event.case_id].key(day_of(event.created_at))
            event_contribution(event.kind, event.data, key, deltas)
    _apply_case_deltas(deltas)


SWEEP_CHUNK = 500


def rollup_deadlines_passed(*, now: dt.datetime | None = None) -> int:
    """Count the deadlines that passed unmet since they were last counted; how many cases moved.

    Run by the worker's sweep every minute (beside the escalation sweep, but apart
    from it: a case whose team has no lead to escalate to misses its deadline too).
    """
    now = now or timezone.now()
    moved = 0
    while True:
        with transaction.atomic():
            due = list(
                CaseContribution.objects.filter(pending_until__lte=now)
                .order_by("case_id")
                .values_list("case_id", flat=True)[:SWEEP_CHUNK]
            )
            if not due:
                return moved
            deltas: CaseDeltas = {}
            _recount(due, now, deltas)
            _apply_case_deltas(deltas)
        moved += len(due)
