"""Keeping the rollups (models.py) exact: incrementally with each change, or rebuilt from scratch.

Feedback only ever adds to its day's row: `rollup_feedback_received` runs one
INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n in feedback_receive's
transaction, race-free on SQLite and PostgreSQL alike — for its FeedbackRollup row,
then for the coarser FeedbackTouchpointRollup row most reads sum.

A case's figures move as it is acknowledged, resolved, reopened and resolved again,
so each case's current contribution is recorded (CaseContribution). Every change of
a case passes through cases.services.record_events, which calls
`rollup_case_events`: it reads the case again, takes back the recorded contribution,
adds the new one and records it — a reopened, then re-resolved case counts once, on
its latest resolution day. Verdicts and reopenings are moments that never change:
they are counted from their timeline entries.

`rollups_rebuild` recomputes everything from the raw tables with the same rules; a
test drives random feedback and case work through the real services and checks the
two agree row by row.
"""

from __future__ import annotations

import datetime as dt
import sys
import zoneinfo
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from tqdm import tqdm

from vocloop.cases.models import Case, CaseEvent
from vocloop.listening.models import Feedback, ScoreType
from vocloop.metrics.models import (
    DURATION_BUCKETS,
    DURATION_EDGES,
    CaseContribution,
    CaseRollup,
    CaseTouchpointRollup,
    FeedbackRollup,
    FeedbackTouchpointRollup,
)

FEEDBACK_KEY = ("day", "touchpoint_id", "score_type", "channel", "segment")
FEEDBACK_TOUCHPOINT_KEY = ("day", "touchpoint_id")
FEEDBACK_COUNTS = (
    "responses",
    "complaints",
    "with_comment",
    "nps_promoters",
    "nps_passives",
    "nps_detractors",
    "csat_1",
    "csat_2",
    "csat_3",
    "csat_4",
    "csat_5",
    "ces_n",
    "ces_sum",
    "ces_sum_squares",
    "ces_easy",
)
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
FeedbackKey = tuple[dt.date, int, str, str, str]
CaseKey = tuple[dt.date, int, int, str]


@lru_cache(maxsize=4)
def _zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


def day_of(moment: dt.datetime) -> dt.date:
    """The calendar day of a moment in vocloop's time zone (not the request's)."""
    return moment.astimezone(_zone(settings.TIME_ZONE)).date()


def duration_bucket(seconds: int | None) -> int | None:
    if seconds is None:
        return None
    return min(max(bisect_right(DURATION_EDGES, seconds) - 1, 0), DURATION_BUCKETS - 1)


# Feedback -------------------------------------------------------------------------


def feedback_counts(
    *, kind: str, score_type: str | None, score: int | None, has_comment: bool
) -> Counter[str]:
    """What one piece of feedback adds to its rollup row."""
    counts: Counter[str] = Counter(responses=1)
    if kind == Feedback.Kind.COMPLAINT:
        counts["complaints"] += 1
    if has_comment:
        counts["with_comment"] += 1
    if score is None:
        return counts
    if score_type == ScoreType.NPS:
        band = "promoters" if score >= 9 else "passives" if score >= 7 else "detractors"
        counts[f"nps_{band}"] += 1
    elif score_type == ScoreType.CSAT:
        counts[f"csat_{score}"] += 1
    elif score_type == ScoreType.CES:
        counts.update(ces_n=1, ces_sum=score, ces_sum_squares=score * score)
        if score >= 5:
            counts["ces_easy"] += 1
    return counts


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _upsert_add(
    model: type[models.Model],
    key: tuple[str, ...],
    counts: tuple[str, ...],
    rows: list[tuple[tuple[Any, ...], Mapping[str, int]]],
    extra: Mapping[str, Any] | None = None,
) -> None:
    """Add counts to rows, creating missing ones, with INSERT … ON CONFLICT DO UPDATE.

    `extra` gives values only a new row takes (the empty histograms). Under
    PostgreSQL the statement leaves the row locked until the transaction ends.
    """
    if not rows:
        return
    meta = model._meta
    table = _quote(meta.db_table)
    extra = dict(extra or {})
    columns = [*key, *counts, *extra]
    by_name = {f.name: f for f in meta.concrete_fields}
    prepared_extra = [
        by_name[name].get_db_prep_save(value, connection) for name, value in extra.items()
    ]
    sets = ", ".join(f"{_quote(c)} = {table}.{_quote(c)} + EXCLUDED.{_quote(c)}" for c in counts)
    sql = (
        f"INSERT INTO {table} ({', '.join(_quote(c) for c in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))}) "
        f"ON CONFLICT ({', '.join(_quote(c) for c in key)}) DO UPDATE SET {sets}"
    )
    params = [
        [
            connection.ops.adapt_datefield_value(values[0]),
            *values[1:],
            *(int(c.get(name, 0)) for name in counts),
            *prepared_extra,
        ]
        for values, c in rows
    ]
    with connection.cursor() as cursor:
        # One short statement, many parameter sets: psycopg pipelines them and both
        # drivers parse the statement once.
        cursor.executemany(sql, params)


def feedback_key(
    occurred_at: dt.datetime, touchpoint_id: int, score_type: str | None, channel: str, size: str
) -> FeedbackKey:
    return (day_of(occurred_at), touchpoint_id, score_type or "", channel, size or "")


def rollup_feedback_received(feedback: Feedback) -> None:
    """Count newly received feedback (called inside feedback_receive's transaction)."""
    customer = feedback.customer
    key = feedback_key(
        feedback.occurred_at,
        feedback.touchpoint_id,
        feedback.score_type,
        feedback.channel,
        customer.size if customer is not None else "",
    )
    counts = feedback_counts(
        kind=feedback.kind,
        score_type=feedback.score_type,
        score=feedback.score,
        has_comment=bool(feedback.comment),
    )
    _upsert_add(FeedbackRollup, FEEDBACK_KEY, FEEDBACK_COUNTS, [(key, counts)])
    # Always after the finer row: every transaction takes the two locks in one order.
    _upsert_add(
        FeedbackTouchpointRollup, FEEDBACK_TOUCHPOINT_KEY, FEEDBACK_COUNTS, [(key[:2], counts)]
    )


def rollup_feedback_add(counted: Mapping[FeedbackKey, Counter[str]]) -> None:
    """Add the counts of feedback written in bulk (an import), keyed by `feedback_key`."""
    _upsert_add(FeedbackRollup, FEEDBACK_KEY, FEEDBACK_COUNTS, list(counted.items()))
    by_touchpoint: dict[tuple[dt.date, int], Counter[str]] = {}
    for key, counts in counted.items():
        by_touchpoint.setdefault((key[0], key[1]), Counter()).update(counts)
    _upsert_add(
        FeedbackTouchpointRollup,
        FEEDBACK_TOUCHPOINT_KEY,
        FEEDBACK_COUNTS,
        list(by_touchpoint.items()),
    )


def feedback_days(feedback: models.QuerySet[Feedback]) -> set[tuple[dt.date, int]]:
    """The (day, touch point) rollup rows this feedback counts in."""
    return {(key[0], key[1]) for key, _ in _feedback_rows(feedback)}


def rollup_feedback_recount(days: set[tuple[dt.date, int]]) -> None:
    """Count these (day, touch point) rows again from the feedback itself (an import undone).

    From the raw rows rather than by subtraction: a customer's size may have changed
    since the feedback was counted, and a rebuild counts it under the size it has now.
    """
    if not days:
        return
    for touchpoint in {tp for _, tp in days}:
        mine = [day for day, tp in days if tp == touchpoint]
        for model in (FeedbackRollup, FeedbackTouchpointRollup):
            model.objects.filter(touchpoint_id=touchpoint, day__in=mine).delete()
    zone = _zone(settings.TIME_ZONE)
    first = dt.datetime.combine(min(d for d, _ in days), dt.time(), zone)
    last = dt.datetime.combine(max(d for d, _ in days) + dt.timedelta(days=1), dt.time(), zone)
    feedback = Feedback.objects.filter(
        touchpoint_id__in={tp for _, tp in days}, occurred_at__gte=first, occurred_at__lt=last
    )
    counted: dict[FeedbackKey, Counter[str]] = {}
    for key, counts in _feedback_rows(feedback):
        if (key[0], key[1]) in days:
            counted.setdefault(key, Counter()).update(counts)
    rollup_feedback_add(counted)


# Cases ----------------------------------------------------------------------------

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


def _by_touchpoint(deltas: CaseDeltas) -> dict[tuple[dt.date, int], CaseDelta]:
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
    _apply_deltas(CaseTouchpointRollup, CASE_TOUCHPOINT_KEY, _by_touchpoint(deltas))


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
        _upsert_add(
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


# Rebuild --------------------------------------------------------------------------


@dataclass(frozen=True)
class RebuildResult:
    feedback: int
    cases: int
    events: int
    feedback_rows: int
    case_rows: int


FLUSH_KEYS = 50_000


def _feedback_rows(
    feedback: models.QuerySet[Feedback] | None = None,
) -> Iterator[tuple[FeedbackKey, Counter[str]]]:
    has_comment = models.Case(
        models.When(comment="", then=models.Value(False)),
        default=models.Value(True),
        output_field=models.BooleanField(),
    )
    rows = (
        (Feedback.objects.all() if feedback is None else feedback)
        .order_by()
        .annotate(has_comment=has_comment)
        .values_list(
            "occurred_at",
            "touchpoint_id",
            "score_type",
            "channel",
            "customer__size",
            "kind",
            "score",
            "has_comment",
        )
    )
    for (
        occurred_at,
        touchpoint_id,
        score_type,
        channel,
        size,
        kind,
        score,
        commented,
    ) in rows.iterator(chunk_size=5000):
        key = feedback_key(occurred_at, touchpoint_id, score_type, channel, size)
        counts = feedback_counts(
            kind=kind, score_type=score_type, score=score, has_comment=bool(commented)
        )
        yield key, counts


def _rebuild_feedback(bar: tqdm[Any]) -> int:
    pending: dict[FeedbackKey, Counter[str]] = {}

    def flush() -> None:
        _upsert_add(FeedbackRollup, FEEDBACK_KEY, FEEDBACK_COUNTS, list(pending.items()))
        pending.clear()

    done = 0
    for key, counts in _feedback_rows():
        pending.setdefault(key, Counter()).update(counts)
        done += 1
        if done % 5000 == 0:
            bar.update(5000)
            if len(pending) >= FLUSH_KEYS:  # memory stays bounded by the flush size
                flush()
    flush()
    bar.update(done % 5000)
    return done


def _rebuild_feedback_by_touchpoint() -> None:
    """FeedbackTouchpointRollup from the rebuilt FeedbackRollup: one INSERT … SELECT … GROUP BY."""
    key = ", ".join(_quote(c) for c in FEEDBACK_TOUCHPOINT_KEY)
    counts = ", ".join(_quote(c) for c in FEEDBACK_COUNTS)
    sums = ", ".join(f"SUM({_quote(c)})" for c in FEEDBACK_COUNTS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_quote(FeedbackTouchpointRollup._meta.db_table)} ({key}, {counts}) "
            f"SELECT {key}, {sums} FROM {_quote(FeedbackRollup._meta.db_table)} GROUP BY {key}"
        )


def _rebuild_cases(bar: tqdm[Any], deltas: CaseDeltas) -> int:
    batch: list[CaseContribution] = []
    done = 0
    for row in Case.objects.order_by("pk").values(*CASE_FIELDS).iterator(chunk_size=5000):
        facts = CaseFacts.of(row)
        case_contribution(facts, deltas)
        batch.append(CaseContribution(case_id=row["pk"], **asdict(facts)))
        if len(batch) >= 5000:
            CaseContribution.objects.bulk_create(batch)
            bar.update(len(batch))
            done += len(batch)
            batch = []
    CaseContribution.objects.bulk_create(batch)
    bar.update(len(batch))
    return done + len(batch)


def _rebuild_events(bar: tqdm[Any], deltas: CaseDeltas) -> int:
    rows = (
        CaseEvent.objects.filter(kind__in=COUNTED_EVENTS)
        .order_by()
        .values_list(
            "kind",
            "data",
            "created_at",
            "case__team_id",
            "case__touchpoint_id",
            "case__customer__size",
        )
    )
    done = 0
    for kind, data, created_at, team_id, touchpoint_id, size in rows.iterator(chunk_size=5000):
        event_contribution(
            kind, data, (day_of(created_at), team_id, touchpoint_id, size or ""), deltas
        )
        done += 1
    bar.update(done)
    return done


def _events_total() -> int:
    return CaseEvent.objects.filter(kind__in=COUNTED_EVENTS).count()


def _case_rows(
    model: type[CaseRollup | CaseTouchpointRollup],
    key_fields: tuple[str, ...],
    deltas: Mapping[Any, CaseDelta],
) -> list[Any]:
    return [
        model(
            **dict(zip(key_fields, key, strict=True)),
            **{name: delta.counts.get(name, 0) for name in CASE_COUNTS},
            **{
                name: [delta.histograms[name].get(i, 0) for i in range(DURATION_BUCKETS)]
                for name in HISTOGRAMS
            },
        )
        for key, delta in sorted(deltas.items())
        if not delta.is_zero()
    ]


def rollups_rebuild(*, progress: bool = False) -> RebuildResult:
    """Recompute every rollup from the raw tables, in one transaction.

    Feedback is read in chunks and folded into at most FLUSH_KEYS rows at a time;
    case rollups (one row per day, team, touch point and segment) are built in
    memory and written at the end.
    """
    with transaction.atomic():
        with connection.cursor() as cursor:
            for model in (
                FeedbackRollup,
                FeedbackTouchpointRollup,
                CaseRollup,
                CaseTouchpointRollup,
                CaseContribution,
            ):
                cursor.execute(f"DELETE FROM {_quote(model._meta.db_table)}")
        total = Feedback.objects.count() + Case.objects.count() + _events_total()
        with tqdm(
            total=total, disable=not progress, file=sys.stderr, unit=" rows", smoothing=0.1
        ) as bar:
            feedback = _rebuild_feedback(bar)
            _rebuild_feedback_by_touchpoint()
            deltas: CaseDeltas = {}
            cases = _rebuild_cases(bar, deltas)
            events = _rebuild_events(bar, deltas)
        rollups = _case_rows(CaseRollup, CASE_KEY, deltas)
        CaseRollup.objects.bulk_create(rollups, batch_size=2000)
        CaseTouchpointRollup.objects.bulk_create(
            _case_rows(CaseTouchpointRollup, CASE_TOUCHPOINT_KEY, _by_touchpoint(deltas)),
            batch_size=2000,
        )
        return RebuildResult(
            feedback=feedback,
            cases=cases,
            events=events,
            feedback_rows=FeedbackRollup.objects.count(),
            case_rows=len(rollups),
        )


def feedback_totals(**filters: Any) -> dict[str, int]:
    """The feedback counts summed over the rollup rows matching `filters` (e.g. day__gte=…)."""
    sums = FeedbackRollup.objects.filter(**filters).aggregate(
        **{name: models.Sum(name) for name in FEEDBACK_COUNTS}
    )
    return {name: int(value or 0) for name, value in sums.items()}
