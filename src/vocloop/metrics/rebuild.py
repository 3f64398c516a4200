"""`rollups_rebuild`: every rollup recomputed from the raw tables, with the same rules."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from vocloop.cases.models import Case, CaseEvent
from vocloop.lib.days import day_of
from vocloop.lib.progress import Advance, Progress, stage
from vocloop.listening.models import Feedback
from vocloop.metrics.case_rollups import (
    CASE_COUNTS,
    CASE_KEY,
    CASE_TOUCHPOINT_KEY,
    COUNTED_EVENTS,
    HISTOGRAMS,
    CaseDelta,
    CaseDeltas,
    CaseFacts,
    by_touchpoint,
    case_contribution,
    case_segment,
    case_values,
    event_contribution,
)
from vocloop.metrics.feedback_rollups import (
    FEEDBACK_COUNTS,
    FEEDBACK_KEY,
    FEEDBACK_TOUCHPOINT_KEY,
    FeedbackKey,
    feedback_rows,
)
from vocloop.metrics.models import (
    DURATION_BUCKETS,
    CaseContribution,
    CaseRollup,
    CaseTouchpointRollup,
    FeedbackRollup,
    FeedbackTouchpointRollup,
    ThemeRollup,
)
from vocloop.metrics.theme_rollups import THEME_COUNTS, THEME_KEY, ThemeKey, theme_rows
from vocloop.metrics.upsert import quote, upsert_add


@dataclass(frozen=True)
class RebuildResult:
    feedback: int
    cases: int
    events: int
    feedback_rows: int
    case_rows: int
    theme_rows: int = 0


FLUSH_KEYS = 50_000


def _rebuild_feedback(advance: Advance) -> int:
    pending: dict[FeedbackKey, Counter[str]] = {}

    def flush() -> None:
        upsert_add(FeedbackRollup, FEEDBACK_KEY, FEEDBACK_COUNTS, list(pending.items()))
        pending.clear()

    done = 0
    for key, counts in feedback_rows():
        pending.setdefault(key, Counter()).update(counts)
        done += 1
        if done % 5000 == 0:
            advance(5000)
            if len(pending) >= FLUSH_KEYS:  # memory stays bounded by the flush size
                flush()
    flush()
    advance(done % 5000)
    return done


def _rebuild_themes() -> None:
    pending: dict[ThemeKey, Counter[str]] = {}

    def flush() -> None:
        upsert_add(ThemeRollup, THEME_KEY, THEME_COUNTS, list(pending.items()))
        pending.clear()

    for key, counts in theme_rows():
        pending.setdefault(key, Counter()).update(counts)
        if len(pending) >= FLUSH_KEYS:
            flush()
    flush()


def _rebuild_feedback_by_touchpoint() -> None:
    """FeedbackTouchpointRollup from the rebuilt FeedbackRollup: one INSERT … SELECT … GROUP BY."""
    key = ", ".join(quote(c) for c in FEEDBACK_TOUCHPOINT_KEY)
    counts = ", ".join(quote(c) for c in FEEDBACK_COUNTS)
    sums = ", ".join(f"SUM({quote(c)})" for c in FEEDBACK_COUNTS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(FeedbackTouchpointRollup._meta.db_table)} ({key}, {counts}) "
            f"SELECT {key}, {sums} FROM {quote(FeedbackRollup._meta.db_table)} GROUP BY {key}"
        )


def _rebuild_cases(advance: Advance, deltas: CaseDeltas, now: dt.datetime) -> int:
    batch: list[CaseContribution] = []
    done = 0
    for row in case_values(Case.objects.order_by("pk")).iterator(chunk_size=5000):
        facts = CaseFacts.of(row, now)
        case_contribution(facts, deltas)
        batch.append(CaseContribution(case_id=row["pk"], **asdict(facts)))
        if len(batch) >= 5000:
            CaseContribution.objects.bulk_create(batch)
            advance(len(batch))
            done += len(batch)
            batch = []
    CaseContribution.objects.bulk_create(batch)
    advance(len(batch))
    return done + len(batch)


def _rebuild_events(advance: Advance, deltas: CaseDeltas) -> int:
    rows = (
        CaseEvent.objects.filter(kind__in=COUNTED_EVENTS)
        .order_by()
        .annotate(segment=case_segment("case_id"))
        .values_list(
            "kind", "data", "created_at", "case__team_id", "case__touchpoint_id", "segment"
        )
    )
    done = 0
    for kind, data, created_at, team_id, touchpoint_id, segment in rows.iterator(chunk_size=5000):
        event_contribution(
            kind, data, (day_of(created_at), team_id, touchpoint_id, segment), deltas
        )
        done += 1
    advance(done)
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


def rollups_rebuild(
    *, progress: Progress | None = None, now: dt.datetime | None = None
) -> RebuildResult:
    """Recompute every rollup from the raw tables, in one transaction.

    Deadlines count as of `now` (by default the present): those passed unmet are
    misses, later ones wait for the worker's sweep (rollup_deadlines_passed).

    Feedback is read in chunks and folded into at most FLUSH_KEYS rows at a time;
    case rollups (one row per day, team, touch point and segment) are built in
    memory and written at the end.
    """
    with transaction.atomic():
        with connection.cursor() as cursor:
            for model in (
                FeedbackRollup,
                FeedbackTouchpointRollup,
                ThemeRollup,
                CaseRollup,
                CaseTouchpointRollup,
                CaseContribution,
            ):
                cursor.execute(f"DELETE FROM {quote(model._meta.db_table)}")
        total = Feedback.objects.count() + Case.objects.count() + _events_total()
        with stage(progress, "rebuilding", total) as advance:
            feedback = _rebuild_feedback(advance)
            _rebuild_feedback_by_touchpoint()
            _rebuild_themes()
            deltas: CaseDeltas = {}
            cases = _rebuild_cases(advance, deltas, now or timezone.now())
            events = _rebuild_events(advance, deltas)
        rollups = _case_rows(CaseRollup, CASE_KEY, deltas)
        CaseRollup.objects.bulk_create(rollups, batch_size=2000)
        CaseTouchpointRollup.objects.bulk_create(
            _case_rows(CaseTouchpointRollup, CASE_TOUCHPOINT_KEY, by_touchpoint(deltas)),
            batch_size=2000,
        )
        return RebuildResult(
            feedback=feedback,
            cases=cases,
            events=events,
            feedback_rows=FeedbackRollup.objects.count(),
            case_rows=len(rollups),
            theme_rows=ThemeRollup.objects.count(),
        )
