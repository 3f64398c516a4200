"""What happens when feedback arrives from a CSV file: history from another survey tool,
a complaints register, exported reviews (`vocloop import`).

Two passes over the file (listening.csvimport). The first checks every row by the
rules that feedback received live is held to and stores nothing; a file with a bad
row is refused whole. The second writes the rows in one transaction, masked as on
arrival, with what follows them in the same transaction: the metrics' rollups counted
and, where masking hid something, the comments as written kept (insights). Once it
has committed, the comments are read in bulk (sentiment, themes, similar comments).

Imported feedback is history: it counts in every metric on the day it was given and its
comments are read, but it opens no case and nobody is notified. A year-old complaint
would otherwise land in today's inbox with its SLA long breached.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from django.db import DatabaseError, transaction
from django.utils import timezone

from vocloop.insights.bulk import BulkResult, comments_read_bulk
from vocloop.insights.originals import originals_keep_imported, text_settings
from vocloop.lib.progress import Progress
from vocloop.lib.references import reference_format
from vocloop.listening.csvimport.check import (
    CheckResult,
    feedback_import_check,
    file_digest,
    imported_before,
    rows_check,
)
from vocloop.listening.csvimport.problems import ImportRefused, Problem
from vocloop.listening.csvimport.rows import ImportSpec, RowParser
from vocloop.listening.csvimport.write import StoredBatch, references_reserve, rows_write
from vocloop.listening.models import FeedbackImport
from vocloop.metrics.rollups import FeedbackKey, feedback_counts, feedback_key, rollup_feedback_add

__all__ = [
    "CheckResult",
    "ImportRefused",
    "ImportResult",
    "ImportSpec",
    "Problem",
    "feedback_import",
    "feedback_import_check",
]


@dataclass(frozen=True)
class ImportResult:
    rows: int
    comments: int
    customers_new: int
    first_reference: str
    last_reference: str
    seconds: float
    read: BulkResult | None  # None when the comments were left for later
    skipped: int = 0
    problems: tuple[Problem, ...] = ()
    read_error: str | None = None  # reading failed after the import committed
    warning: str | None = None  # about the scores' scale
    known: int = 0  # rows left out: their ids were imported before


class _Arrival:
    """What follows imported feedback in the import's transaction: its figures, counted
    once for the whole file, and the originals kept where masking hid something."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now
        self.keeps_originals = bool(text_settings().keep_original_days)
        self.counted: dict[FeedbackKey, Counter[str]] = {}

    def batch_stored(self, batch: StoredBatch) -> None:
        for row in batch.rows:
            key = feedback_key(
                row["occurred_at"],
                row["touchpoint_id"],
                row["score_type"],
                row["channel"],
                row["segment"],
            )
            counts = feedback_counts(
                kind=row["kind"],
                score_type=row["score_type"],
                score=row["score"],
                has_comment=bool(row["comment"]),
            )
            self.counted.setdefault(key, Counter()).update(counts)
        originals_keep_imported(originals=batch.originals, at=self.now)

    def all_stored(self) -> None:
        rollup_feedback_add(self.counted)


def feedback_import(
    path: Path,
    spec: ImportSpec,
    *,
    again: bool = False,
    skip_invalid: bool = False,
    rejects: Path | None = None,
    read: bool = True,
    progress: Progress | None = None,
) -> ImportResult:
    """Import every row of the file, or nothing (ImportRefused says why).

    With `skip_invalid`, the rows that cannot be imported are left out instead (the
    result counts them and gives the first of them with their reasons). `rejects`: write
    those rows there, with their line and why, to be fixed and imported on their own.
    """
    began = time.monotonic()
    parser = RowParser(spec)
    digest = file_digest(path)
    if rejects is not None and rejects.resolve() == path.resolve():
        raise ImportRefused("The rejects file must be another file than the one imported.")
    earlier = imported_before(digest)
    if earlier is not None and not again:
        raise ImportRefused(
            f"{earlier} Importing it again would count its feedback twice; pass --again if "
            "that is what you want."
        )
    checked = rows_check(path, parser, spec, progress, skip_invalid, rejects)
    now = timezone.now()
    # Reserved in a transaction of their own, so that live feedback is not kept waiting
    # for the reference counter while the import writes.
    first = references_reserve(now.year, checked.rows)
    references = [reference_format(now.year, first + i) for i in (0, checked.rows - 1)]
    unused = f"References {references[0]} to {references[1]} were set aside for it and stay unused."
    try:
        with transaction.atomic():
            record = FeedbackImport.objects.create(
                file_name=str(path)[-500:],
                sha256=digest,
                rows=checked.rows,
                first_reference=references[0],
                last_reference=references[1],
                imported_at=now,
            )
            customers_new = rows_write(
                path,
                parser,
                spec,
                now,
                first,
                checked,
                record.pk,
                skip_invalid,
                progress,
                arrival=_Arrival(now),
            )
    except ImportRefused as exc:
        raise ImportRefused(f"{exc} {unused}") from exc
    except DatabaseError as exc:  # e.g. a customer created at the same moment by live feedback
        raise ImportRefused(
            f"The database refused the import ({exc}); nothing was imported. {unused}"
        ) from exc
    result = read_error = None
    if read and checked.comments:
        try:
            result = comments_read_bulk(progress=progress)
        except Exception as exc:  # the feedback is in: say so, and how to finish
            read_error = f"{type(exc).__name__}: {exc}"
    return ImportResult(
        rows=checked.rows,
        comments=checked.comments,
        customers_new=customers_new,
        first_reference=references[0],
        last_reference=references[1],
        seconds=time.monotonic() - began,
        read=result,
        skipped=checked.skipped,
        problems=checked.problems,
        known=checked.known,
        read_error=read_error,
        warning=checked.scale_warning(spec.score_type),
    )
