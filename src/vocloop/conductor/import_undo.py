"""Undoing an import: its feedback leaves every table and every figure, as if never imported.

A file imported with the wrong scale, touch point or dates would otherwise stay in the
metrics for good. Undoing deletes the import's feedback with what was read from it
(sentiment, themes, corrections, kept originals), takes it out of the rollups, and
forgets similar-comment groups left with no member; the customers it created stay
(they may have given feedback since). The record of the import stays too, marked
undone, so the same file can be imported again once corrected.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from vocloop.insights.models import CommentText, Correction, SimilarGroup
from vocloop.listening.models import Feedback, FeedbackImport
from vocloop.metrics.rollups import feedback_days, rollup_feedback_recount, rollup_themes_recount

BATCH = 2000


class UndoRefused(ValueError):
    """The import cannot be undone; nothing changed. The message says why."""


@dataclass(frozen=True)
class UndoResult:
    feedback: int
    groups: int  # similar-comment groups forgotten, left without members
    seconds: float


@dataclass(frozen=True)
class UndoPreview:
    """What undoing an import would delete, to be confirmed first."""

    record: FeedbackImport
    feedback: int
    corrections: int  # staff corrections of its comments: their work goes too


def feedback_import_undo_preview(pk: int) -> UndoPreview:
    record = _undoable(FeedbackImport.objects.filter(pk=pk).first(), pk)
    feedback = Feedback.objects.filter(imported_by=record)
    return UndoPreview(
        record=record,
        feedback=feedback.count(),
        corrections=Correction.objects.filter(feedback__in=feedback).count(),
    )


def _undoable(record: FeedbackImport | None, pk: int) -> FeedbackImport:
    if record is None:
        raise UndoRefused(f"There is no import {pk}: `vocloop imports list` shows them.")
    if record.undone_at is not None:
        raise UndoRefused(
            f"Import {pk} was undone on {timezone.localtime(record.undone_at):%Y-%m-%d}."
        )
    return record


def feedback_import_undo(pk: int) -> UndoResult:
    """Delete the feedback of import `pk` and everything derived from it, in one transaction."""
    began = time.monotonic()
    with transaction.atomic():
        record = _undoable(FeedbackImport.objects.select_for_update().filter(pk=pk).first(), pk)
        feedback = Feedback.objects.filter(imported_by=record)
        in_cases = feedback.exclude(case=None).count()
        if in_cases:
            raise UndoRefused(
                f"{in_cases:,} of import {pk}'s feedback belong to cases: staff work on them, "
                "and undoing the import would take it away."
            )
        days = feedback_days(feedback)
        ids = list(feedback.order_by("pk").values_list("pk", flat=True))
        forgotten = 0
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            groups = set(
                CommentText.objects.filter(feedback_id__in=chunk, similar_group__isnull=False)
                .values_list("similar_group_id", flat=True)
                .distinct()
            )
            Feedback.objects.filter(pk__in=chunk).delete()
            forgotten += (
                SimilarGroup.objects.filter(pk__in=groups, comments=None)
                .delete()[1]
                .get("insights.SimilarGroup", 0)
            )
        rollup_feedback_recount(days)
        rollup_themes_recount(days)
        record.undone_at = timezone.now()
        record.save(update_fields=["undone_at"])
    return UndoResult(feedback=len(ids), groups=forgotten, seconds=time.monotonic() - began)
