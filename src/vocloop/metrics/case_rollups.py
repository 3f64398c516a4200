"""Case rollups: a case's figures move as it is acknowledged, resolved, reopened and resolved again.

Each case's current contribution is recorded (CaseContribution). Every change of a
case passes through cases.services.record_events, which calls `rollup_case_events`:
it reads the case again, takes back the recorded contribution, adds the new one and
records it — a reopened, then re-resolved case counts once, on its latest resolution
day. Verdicts and reopenings are moments that never change: they are counted from
their timeline entries.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from vocloop.cases.models import Case, CaseEvent
from vocloop.metrics.models import (
    DURATION_BUCKETS,
    DURATION_EDGES,
    CaseContribution,
    CaseRollup,
    CaseTouchpointRollup,
)
from vocloop.metrics.upsert import day_of, upsert_add

CASE_KEY = ("day", "team_id", "touchpoint_id", "segment")
CASE_TOUCHPOINT_KEY = ("day", "touchpoint_id")
CASE_COUNTS = (
    "opened",
    "acknowledged",
    "acknowledged_with_sla",
    "acknowledged_within_sla",
    "resolved",
    "resolved_with_sla",
    "resolved_within_sla",
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
    "customer__size",
    "opened_at",
    "acknowledged_at",
    "acknowledged_within_sla",
    "business_seconds_to_acknowledge",
    "resolved_at",
    "resolved_within_sla",
    "business_seconds_to_resolve",
    "reopen_count",
)


@dataclass(frozen=True)
class CaseFacts:
    """Everything about a case that its rollup contribution depends on (see CaseContribution)."""

    team_id: int
    touchpoint_id: int
    segment: str
    opened_day: dt.date
    acknowledged_day: dt.date | None
    acknowledged_within_sla: bool | None
    acknowledge_bucket: int | None
    resolved_day: dt.date | None
    resolved_within_sla: bool | None
    resolve_bucket: int | None
    reopened: bool

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> CaseFacts:
        acknowledged, resolved = row["acknowledged_at"], row["resolved_at"]
        return cls(
            team_id=row["team_id"],
            touchpoint_id=row["touchpoint_id"],
            segment=row["customer__size"] or "",
            opened_day=day_of(row["opened_at"]),
            acknowledged_day=day_of(acknowledged) if acknowledged else None,
            acknowledged_within_sla=row["acknowledged_within_sla"] if acknowledged else None,
            acknowledge_bucket=(
                duration_bucket(row["business_seconds_to_acknowledge"]) if acknowledged else None
            ),
            resolved_day=day_of(resolved) if resolved else None,
            resolved_within_sla=row["resolved_within_sla"] if resolved else None,
            resolve_bucket=(
                duration_bucket(row["business_seconds_to_resolve"]) if resolved else None
            ),
            reopened=row["reopen_count"] > 0,
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
        if facts.acknowledged_within_sla is not None:
            delta.counts["acknowledged_with_sla"] += sign
            delta.counts["acknowledged_within_sla"] += sign * facts.acknowledged_within_sla
        if facts.acknowledge_bucket is not None:
            delta.histograms["acknowledge_histogram"][facts.acknowledge_bucket] += sign
    if facts.resolved_day is not None:
        delta = _delta_at(into, facts.key(facts.resolved_day))
        delta.counts["resolved"] += sign
        delta.counts["resolved_after_reopening"] += sign * facts.reopened
        if facts.resolved_within_sla is not None:
            delta.counts["resolved_with_sla"] += sign
            delta.counts["resolved_within_sla"] += sign * facts.resolved_within_sla
        if facts.resolve_bucket is not None:
            delta.histograms["resolve_histogram"][facts.resolve_bucket] += sign


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


def rollup_case_events(events: Iterable[CaseEvent]) -> None:
    """Bring the rollups up to date with the cases of newly recorded timeline entries.

    Called by record_events, inside the change's transaction, after the case is saved.
    """
    events = list(events)
    case_ids = {event.case_id for event in events}
    if not case_ids:
        return
    rows = {row["pk"]: row for row in Case.objects.filter(pk__in=case_ids).values(*CASE_FIELDS)}
    recorded = {
        c.case_id: c
        for c in CaseContribution.objects.select_for_update().filter(case_id__in=case_ids)
    }
    deltas: CaseDeltas = {}
    facts_now: dict[int, CaseFacts] = {}
    for case_id, row in rows.items():
        facts = facts_now[case_id] = CaseFacts.of(row)
        before = recorded.get(case_id)
        if before is not None and CaseFacts.recorded(before) == facts:
            continue
        if before is not None:
            case_contribution(CaseFacts.recorded(before), deltas, sign=-1)
        case_contribution(facts, deltas)
        CaseContribution(case_id=case_id, **asdict(facts)).save(force_insert=before is None)
    for event in events:
        if event.kind in COUNTED_EVENTS and event.case_id in facts_now:
            key = facts_now[event.case_id].key(day_of(event.created_at))
            event_contribution(event.kind, event.data, key, deltas)
    _apply_case_deltas(deltas)
