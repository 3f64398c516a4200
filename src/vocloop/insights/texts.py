"""The one way CommentText and CommentTheme are written: with the dashboards' counts kept exact.

A comment's sentiment and themes move when it is read, read again (the themes
changed, a new learned model), corrected by staff, or read in bulk after an import.
Each of those writes runs through `comment_texts_write`, which reads what the
comments stood at before and after the write, in the same transaction, and moves the
sentiment counts of the feedback rollups and the theme rollups (metrics) by the
difference, in the row of the feedback's own segment (the one it was counted in on
arrival). An import undone deletes its feedback (and so its texts and themes) and
recounts the days it touched from what remains.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection
from typing import TypeVar

from django.db import transaction

from vocloop.insights.models import CommentText, CommentTheme
from vocloop.listening.models import Feedback
from vocloop.metrics.rollups import FeedbackKey, feedback_key, rollup_feedback_add, sentiment_counts
from vocloop.metrics.theme_rollups import Link, rollup_themes_add, theme_deltas

T = TypeVar("T")
CHUNK = 2000  # ids per IN (…): well inside every database's limit on parameters

# What a comment adds to the rollups: its feedback's rollup row, its label and score.
Standing = tuple[FeedbackKey, str, float]
# The fields of a comment's feedback that name its rollup row (feedback_key's arguments).
KEY_FIELDS = (
    "feedback__occurred_at",
    "feedback__touchpoint_id",
    "feedback__score_type",
    "feedback__channel",
    "feedback__segment",
)


def _standing(ids: list[int]) -> dict[int, Standing]:
    found: dict[int, Standing] = {}
    for start in range(0, len(ids), CHUNK):
        rows = CommentText.objects.filter(feedback_id__in=ids[start : start + CHUNK]).values_list(
            "feedback_id", "sentiment", "sentiment_score", *KEY_FIELDS
        )
        for pk, label, score, *key in rows:
            found[pk] = (feedback_key(*key), label, score)
    return found


def _links(ids: list[int]) -> dict[tuple[int, int], Link]:
    found: dict[tuple[int, int], Link] = {}
    for start in range(0, len(ids), CHUNK):
        rows = CommentTheme.objects.filter(feedback_id__in=ids[start : start + CHUNK]).values_list(
            "feedback_id", "theme_id", "negative", *KEY_FIELDS
        )
        for pk, theme, negative, *key in rows:
            found[pk, theme] = (feedback_key(*key), theme, negative)
    return found


def sentiment_deltas(
    before: dict[int, Standing], after: dict[int, Standing]
) -> dict[FeedbackKey, Counter[str]]:
    """What the rollup rows gain (or lose) as comments go from `before` to `after`."""
    deltas: dict[FeedbackKey, Counter[str]] = {}
    for pk in before.keys() | after.keys():
        was, now = before.get(pk), after.get(pk)
        if was == now:
            continue
        if was is not None:
            taken = sentiment_counts(was[1], was[2])
            deltas.setdefault(was[0], Counter()).subtract(taken)
        if now is not None:
            deltas.setdefault(now[0], Counter()).update(sentiment_counts(now[1], now[2]))
    # In key order: every transaction takes the rollup rows' locks in one order.
    return {key: deltas[key] for key in sorted(deltas) if any(deltas[key].values())}


def comment_texts_write(*, feedback_ids: Collection[int], write: Callable[[], T]) -> T:
    """Run `write`, which writes the CommentText and CommentTheme rows of these feedback
    only, and count it.

    The feedback rows are locked first (as comment_read and correction_record lock
    theirs), so no other write of the same comments falls between the two reads.
    """
    ids = sorted(set(feedback_ids))
    with transaction.atomic():
        for start in range(0, len(ids), CHUNK):
            list(
                Feedback.objects.select_for_update()
                .filter(pk__in=ids[start : start + CHUNK])
                .order_by("pk")
                .values_list("pk", flat=True)
            )
        before, links = _standing(ids), _links(ids)
        result = write()
        rollup_feedback_add(sentiment_deltas(before, _standing(ids)))
        rollup_themes_add(theme_deltas(links, _links(ids)))
    return result
