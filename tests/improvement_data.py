"""Answers planted in bulk for the improvement tests: feedback rows written at once and
the rollups rebuilt from them, as the demo's generator does."""

from __future__ import annotations

import datetime as dt
import random
import secrets
from collections.abc import Callable
from itertools import count

from vocloop.conductor.bulk import feedback_arrived_in_bulk
from vocloop.listening.models import Feedback, Touchpoint

_serial = count(1)


def planted_row(touchpoint: Touchpoint, at: dt.datetime, **fields: object) -> Feedback:
    return Feedback(
        reference=f"VL-T-{next(_serial):07d}",
        tracking_token=secrets.token_urlsafe(24),
        touchpoint=touchpoint,
        occurred_at=at,
        received_at=at,
        **fields,
    )


def plant_complaints(
    touchpoint: Touchpoint,
    *,
    first: dt.date,
    days: int,
    per_day: int,
    complaint_share: float | Callable[[int], float],
    rng: random.Random,
) -> None:
    """`per_day` answers a day, each a complaint with the given probability (or the
    probability on the day, counted from `first`)."""
    rows = []
    for offset in range(days):
        at = dt.datetime.combine(first + dt.timedelta(days=offset), dt.time(12), dt.UTC)
        share = complaint_share(offset) if callable(complaint_share) else complaint_share
        for _ in range(per_day):
            complaint = rng.random() < share
            kind = Feedback.Kind.COMPLAINT if complaint else Feedback.Kind.FEEDBACK
            rows.append(planted_row(touchpoint, at, kind=kind, comment=""))
    Feedback.objects.bulk_create(rows, batch_size=2000)


def plant_nps(
    touchpoint: Touchpoint,
    *,
    first: dt.date,
    days: int,
    per_day: int,
    shares: tuple[float, float],
    rng: random.Random,
) -> None:
    """NPS answers: promoters and detractors in the given shares, the rest passives."""
    promoters, detractors = shares
    rows = []
    for offset in range(days):
        at = dt.datetime.combine(first + dt.timedelta(days=offset), dt.time(12), dt.UTC)
        for _ in range(per_day):
            u = rng.random()
            score = 10 if u < promoters else (3 if u < promoters + detractors else 8)
            survey = {"kind": Feedback.Kind.SURVEY, "score_type": "nps", "score": score}
            rows.append(planted_row(touchpoint, at, **survey))
    Feedback.objects.bulk_create(rows, batch_size=2000)


def plant_comments(
    touchpoint: Touchpoint,
    *,
    first: dt.date,
    days: int,
    per_day: int,
    share: float,
    about: str,
    other: str,
    rng: random.Random,
) -> None:
    """`per_day` comments a day without a score, each the comment `about` with the given
    probability, else `other` (read once planted: rollups_from_rows(read=True))."""
    rows = []
    for offset in range(days):
        at = dt.datetime.combine(first + dt.timedelta(days=offset), dt.time(12), dt.UTC)
        for _ in range(per_day):
            comment = about if rng.random() < share else other
            rows.append(planted_row(touchpoint, at, kind=Feedback.Kind.FEEDBACK, comment=comment))
    Feedback.objects.bulk_create(rows, batch_size=2000)


def rollups_from_rows(*, read: bool = False) -> None:
    feedback_arrived_in_bulk(read=read)
