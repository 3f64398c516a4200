"""Feedback rollups: each piece of feedback adds to its day's row, in its own transaction.

`rollup_feedback_received` runs one INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n
in feedback_receive's transaction, race-free on SQLite and PostgreSQL alike — for its
FeedbackRollup row, then for the coarser FeedbackTouchpointRollup row most reads sum.

Every write keys a piece of feedback by its own `segment`, the customer's size when
it was given: the row it was added to is the row a later reading, correction, undo
or rebuild finds it in, whatever size the customer has since.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any

from django.db import models

from vocloop.lib.days import day_of, vocloop_zone
from vocloop.listening.models import Feedback, ScoreType
from vocloop.metrics.models import SENTIMENT_UNITS, FeedbackRollup, FeedbackTouchpointRollup
from vocloop.metrics.upsert import upsert_add

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
    "comments_read",
    "comments_negative",
    "sentiment_sum",
    "sentiment_sum_squares",
)
FeedbackKey = tuple[dt.date, int, str, str, str]


def sentiment_counts(label: str, score: float) -> Counter[str]:
    """What one comment as read (its sentiment label and score) adds to its feedback's row."""
    units = round(score * SENTIMENT_UNITS)
    return Counter(
        comments_read=1,
        comments_negative=int(label == "negative"),
        sentiment_sum=units,
        sentiment_sum_squares=units * units,
    )


def feedback_counts(
    *,
    kind: str,
    score_type: str | None,
    score: int | None,
    has_comment: bool,
    sentiment: tuple[str, float] | None = None,
) -> Counter[str]:
    """What one piece of feedback adds to its rollup row (`sentiment`: its comment as read)."""
    counts: Counter[str] = Counter(responses=1)
    if sentiment is not None:
        counts.update(sentiment_counts(*sentiment))
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


def feedback_key(
    occurred_at: dt.datetime,
    touchpoint_id: int,
    score_type: str | None,
    channel: str,
    segment: str,
) -> FeedbackKey:
    """The FeedbackRollup row of a piece of feedback (`segment`: Feedback.segment)."""
    return (day_of(occurred_at), touchpoint_id, score_type or "", channel, segment)


def rollup_feedback_received(feedback: Feedback) -> None:
    """Count newly received feedback (called inside feedback_receive's transaction)."""
    key = feedback_key(
        feedback.occurred_at,
        feedback.touchpoint_id,
        feedback.score_type,
        feedback.channel,
        feedback.segment,
    )
    counts = feedback_counts(
        kind=feedback.kind,
        score_type=feedback.score_type,
        score=feedback.score,
        has_comment=bool(feedback.comment),
    )
    upsert_add(FeedbackRollup, FEEDBACK_KEY, FEEDBACK_COUNTS, [(key, counts)])
    # Always after the finer row: every transaction takes the two locks in one order.
    upsert_add(
        FeedbackTouchpointRollup, FEEDBACK_TOUCHPOINT_KEY, FEEDBACK_COUNTS, [(key[:2], counts)]
    )


def rollup_feedback_add(counted: Mapping[FeedbackKey, Counter[str]]) -> None:
    """Add the counts of feedback written in bulk (an import), keyed by `feedback_key`."""
    upsert_add(FeedbackRollup, FEEDBACK_KEY, FEEDBACK_COUNTS, list(counted.items()))
    by_touchpoint: dict[tuple[dt.date, int], Counter[str]] = {}
    for key, counts in counted.items():
        by_touchpoint.setdefault((key[0], key[1]), Counter()).update(counts)
    upsert_add(
        FeedbackTouchpointRollup,
        FEEDBACK_TOUCHPOINT_KEY,
        FEEDBACK_COUNTS,
        list(by_touchpoint.items()),
    )


def feedback_days(feedback: models.QuerySet[Feedback]) -> set[tuple[dt.date, int]]:
    """The (day, touch point) rollup rows this feedback counts in."""
    return {(key[0], key[1]) for key, _ in feedback_rows(feedback)}


def rollup_feedback_recount(days: set[tuple[dt.date, int]]) -> None:
    """Count these (day, touch point) rows again from the feedback itself (an import undone).

    From the raw rows rather than by subtraction, as a rebuild counts them: a row left
    with nothing to count goes, where subtracting would leave it at zero.
    """
    if not days:
        return
    for touchpoint in {tp for _, tp in days}:
        mine = [day for day, tp in days if tp == touchpoint]
        for model in (FeedbackRollup, FeedbackTouchpointRollup):
            model.objects.filter(touchpoint_id=touchpoint, day__in=mine).delete()
    zone = vocloop_zone()
    first = dt.datetime.combine(min(d for d, _ in days), dt.time(), zone)
    last = dt.datetime.combine(max(d for d, _ in days) + dt.timedelta(days=1), dt.time(), zone)
    feedback = Feedback.objects.filter(
        touchpoint_id__in={tp for _, tp in days}, occurred_at__gte=first, occurred_at__lt=last
    )
    counted: dict[FeedbackKey, Counter[str]] = {}
    for key, counts in feedback_rows(feedback):
        if (key[0], key[1]) in days:
            counted.setdefault(key, Counter()).update(counts)
    rollup_feedback_add(counted)


def feedback_rows(
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
            "segment",
            "kind",
            "score",
            "has_comment",
            "text__sentiment",
            "text__sentiment_score",
        )
    )
    for (
        occurred_at,
        touchpoint_id,
        score_type,
        channel,
        segment,
        kind,
        score,
        commented,
        label,
        sentiment_score,
    ) in rows.iterator(chunk_size=5000):
        key = feedback_key(occurred_at, touchpoint_id, score_type, channel, segment)
        counts = feedback_counts(
            kind=kind,
            score_type=score_type,
            score=score,
            has_comment=bool(commented),
            sentiment=None if label is None else (label, sentiment_score),
        )
        yield key, counts


def feedback_totals(**filters: Any) -> dict[str, int]:
    """The feedback counts summed over the rollup rows matching `filters` (e.g. day__gte=…)."""
    sums = FeedbackRollup.objects.filter(**filters).aggregate(
        **{name: models.Sum(name) for name in FEEDBACK_COUNTS}
    )
    return {name: int(value or 0) for name, value in sums.items()}
