"""Importing feedback from a CSV file: history from another survey tool, a complaints
register, exported reviews.

Two passes over the file. The first reads and checks every row by the rules that
feedback received live is held to (`feedback_validate`) and stores nothing: a file with
a bad row is refused whole, with the line and the reason of each bad row, so that
nobody has to work out which half of a file got in. The second writes the rows in one
transaction, masked as on arrival, with the metrics' rollups counted in the same
transaction; once it has committed, the comments are read in bulk (sentiment, themes,
similar comments). A file imported before is refused (by its SHA-256): every piece of
its feedback would count twice.

Imported feedback is history: it counts in every metric on the day it was given and its
comments are read, but it opens no case and nobody is notified. A year-old complaint
would otherwise land in today's inbox with its SLA long breached.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import hashlib
import time
from collections import Counter
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import DatabaseError, transaction
from django.db.models import F
from django.db.models.functions import Lower
from django.utils import timezone

from vocloop.customers.models import Customer
from vocloop.insights.bulk import BulkResult, comments_read_bulk
from vocloop.insights.models import OriginalComment
from vocloop.insights.services import text_settings
from vocloop.lib.progress import Progress, stage
from vocloop.lib.references import reference_format
from vocloop.lib.rows import RowWriter
from vocloop.listening.import_rows import (
    ImportRefused,
    ImportSpec,
    Known,
    Problem,
    Problems,
    Row,
    RowParser,
    RowProblem,
    csv_header,
    rows_classified,
)
from vocloop.listening.models import Feedback, FeedbackImport, ReferenceCounter
from vocloop.listening.services import tracking_token_new
from vocloop.metrics.rollups import FeedbackKey, feedback_counts, feedback_key, rollup_feedback_add
from vocloop.text.masking import mask

__all__ = [
    "CheckResult",
    "ImportRefused",
    "ImportResult",
    "ImportSpec",
    "Problem",
    "feedback_import",
    "feedback_import_check",
]

BATCH = 2000
FEEDBACK_COLUMNS = [
    "reference",
    "tracking_token",
    "touchpoint_id",
    "customer_id",
    "segment",
    "kind",
    "channel",
    "score_type",
    "score",
    "comment",
    "occurred_at",
    "received_at",
    "imported_by_id",
    "source_id",
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


@dataclass(frozen=True)
class CheckResult:
    rows: int  # to import
    comments: int
    skipped: int = 0  # rows that cannot be imported, left out as asked
    problems: tuple[Problem, ...] = ()  # why, grouped by reason
    imported_before: str | None = None  # when the same file was imported, if it was
    scores: tuple[int, int] | None = None  # the lowest and highest score, if any
    known: int = 0  # rows whose id was imported before (an overlapping export)
    scored: int = 0  # rows with a score
    one_to_five: int = 0  # of them, scores from 1 to 5

    def scale_warning(self, score_type: str | None) -> str | None:
        """A word of caution when the scores look like another scale than the one named."""
        if self.scores is None or score_type != "nps":
            return None
        consequence = (
            "if the file's scale is 1 to 5, these are not NPS answers (0 to 10), and each "
            "would count as a detractor. CSAT is 1 to 5 (--score-type csat)."
        )
        if self.scores[1] <= 5:
            return f"Every score is from {self.scores[0]} to {self.scores[1]}: {consequence}"
        if self.scored >= MIXED_SCALE_FROM and self.one_to_five >= MIXED_SCALE_SHARE * self.scored:
            share = self.one_to_five / self.scored
            return (
                f"{self.one_to_five:,} of the {self.scored:,} scores ({share:.0%}) are from 1 to "
                f"5, a few higher: the file may mix two scales; {consequence}"
            )
        return None


# An NPS column this much 1 to 5 (with enough scores to tell) is questioned too: real
# NPS answers put most of their weight on 7 to 10.
MIXED_SCALE_FROM = 20
MIXED_SCALE_SHARE = 0.9


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    except OSError as exc:
        raise ImportRefused(f"Cannot read {path}: {exc.strerror or exc}.") from exc
    return digest.hexdigest()


def _check(
    path: Path,
    parser: RowParser,
    spec: ImportSpec,
    progress: Progress | None,
    skip_invalid: bool,
    rejects: Path | None,
) -> CheckResult:
    rows = comments = known = scored = one_to_five = 0
    low = high = None
    problems = Problems()
    with ExitStack() as stack:
        advance = stack.enter_context(stage(progress, "checking"))
        rejected = _rejects_writer(stack, rejects, path, spec)
        for parsed in rows_classified(path, parser, spec):
            advance(1)
            if isinstance(parsed, Known):
                known += 1
            elif isinstance(parsed, RowProblem):
                problems.add(parsed)
                if rejected is not None:
                    rejected.writerow([*parsed.cells, parsed.line, parsed.message])
            else:
                rows += 1
                comments += bool(parsed.comment)
                if parsed.score is not None:
                    low = parsed.score if low is None else min(low, parsed.score)
                    high = parsed.score if high is None else max(high, parsed.score)
                    scored += 1
                    one_to_five += 1 <= parsed.score <= 5
    grouped = problems.grouped()
    saved = f" The rows left out are in {rejects}, with why." if rejects and problems.rows else ""
    if problems.rows and not skip_invalid:
        raise ImportRefused(
            f"{path} has {problems.rows:,} row{'s' if problems.rows != 1 else ''} that cannot "
            f"be imported; nothing was imported (--skip-invalid imports the others).{saved}",
            grouped,
        )
    if not rows:
        before = f" ({known:,} imported before: the same ids)" if known else ""
        raise ImportRefused(
            f"{path} has no rows that can be imported{before}; nothing was imported.{saved}",
            grouped,
        )
    return CheckResult(
        rows=rows,
        comments=comments,
        skipped=problems.rows,
        problems=tuple(grouped),
        scores=(low, high) if low is not None and high is not None else None,
        known=known,
        scored=scored,
        one_to_five=one_to_five,
    )


def _rejects_writer(stack: ExitStack, rejects: Path | None, path: Path, spec: ImportSpec) -> Any:
    """A CSV writer for the rows left out: the file's columns, then the line and why."""
    if rejects is None:
        return None
    header = csv_header(path, spec)
    try:
        # Closed by the caller's ExitStack, with the file being checked.
        handle = stack.enter_context(open(rejects, "w", newline="", encoding="utf-8"))  # noqa: SIM115
    except OSError as exc:
        raise ImportRefused(f"Cannot write {rejects}: {exc.strerror or exc}.") from exc
    writer = csv.writer(handle, delimiter=spec.delimiter)
    writer.writerow([*header, "vocloop line", "vocloop why"])
    return writer


def feedback_import_check(
    path: Path,
    spec: ImportSpec,
    *,
    skip_invalid: bool = False,
    rejects: Path | None = None,
    progress: Progress | None = None,
) -> CheckResult:
    """Check every row as an import would, storing nothing; ImportRefused if it would be.

    `rejects`: write the rows that cannot be imported there, with their line and why.
    """
    checked = _check(path, RowParser(spec), spec, progress, skip_invalid, rejects)
    return dataclasses.replace(checked, imported_before=_imported_before(_sha256(path)))


def _imported_before(digest: str) -> str | None:
    earlier = FeedbackImport.objects.filter(sha256=digest, undone_at=None).first()
    if earlier is None:
        return None
    return (
        f"This file was imported on "
        f"{timezone.localtime(earlier.imported_at):%Y-%m-%d at %H:%M} "
        f"({earlier.rows:,} rows, {earlier.first_reference} to {earlier.last_reference})."
    )


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
    digest = _sha256(path)
    if rejects is not None and rejects.resolve() == path.resolve():
        raise ImportRefused("The rejects file must be another file than the one imported.")
    earlier = _imported_before(digest)
    if earlier is not None and not again:
        raise ImportRefused(
            f"{earlier} Importing it again would count its feedback twice; pass --again if "
            "that is what you want."
        )
    checked = _check(path, parser, spec, progress, skip_invalid, rejects)
    now = timezone.now()
    # Reserved in a transaction of their own, so that live feedback is not kept waiting
    # for the reference counter while the import writes.
    first = _references_reserve(now.year, checked.rows)
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
            customers_new = _write(
                path, parser, spec, now, first, checked, record.pk, skip_invalid, progress
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


def _references_reserve(year: int, count: int) -> int:
    """The first of `count` consecutive reference numbers of the year, now taken."""
    with transaction.atomic():
        ReferenceCounter.objects.get_or_create(year=year)
        ReferenceCounter.objects.filter(year=year).update(last=F("last") + count)
        last = ReferenceCounter.objects.get(year=year).last
    return last - count + 1


def _write(
    path: Path,
    parser: RowParser,
    spec: ImportSpec,
    now: dt.datetime,
    first: int,
    checked: CheckResult,
    imported_by: int,
    skip_invalid: bool,
    progress: Progress | None,
) -> int:
    keep_days = text_settings().keep_original_days
    writer = RowWriter(Feedback, FEEDBACK_COLUMNS, batch=BATCH)
    customers = _Customers()
    counted: dict[FeedbackKey, Counter[str]] = {}
    number = first
    batch: list[Row] = []

    def flush() -> None:
        nonlocal number
        people = customers.resolve(batch)
        rows: list[dict[str, Any]] = []
        originals: dict[str, str] = {}
        for row, person in zip(batch, people, strict=True):
            masked = mask(row.comment)
            reference = reference_format(now.year, number)
            number += 1
            if masked.found and keep_days:
                originals[reference] = row.comment
            occurred_at = row.occurred_at or now
            segment = person[1] if person else ""  # history: the customer's size at import
            rows.append(
                {
                    "reference": reference,
                    "tracking_token": tracking_token_new(),
                    "touchpoint_id": row.touchpoint.pk,
                    "customer_id": person[0] if person else None,
                    "segment": segment,
                    "kind": row.kind,
                    "channel": row.channel,
                    "score_type": row.score_type,
                    "score": row.score,
                    "comment": masked.text,
                    "occurred_at": occurred_at,
                    "received_at": now,
                    "imported_by_id": imported_by,
                    "source_id": row.source_id,
                }
            )
            key = feedback_key(occurred_at, row.touchpoint.pk, row.score_type, row.channel, segment)
            counts = feedback_counts(
                kind=row.kind,
                score_type=row.score_type,
                score=row.score,
                has_comment=bool(masked.text),
            )
            counted.setdefault(key, Counter()).update(counts)
        writer.write(rows)
        if originals:
            keep_until = now + dt.timedelta(days=keep_days)
            OriginalComment.objects.bulk_create(
                OriginalComment(feedback_id=pk, text=originals[reference], keep_until=keep_until)
                for reference, pk in Feedback.objects.filter(
                    reference__in=list(originals)
                ).values_list("reference", "pk")
            )
        batch.clear()

    with stage(progress, "importing", checked.rows) as advance:
        for parsed in rows_classified(path, parser, spec):
            if isinstance(parsed, Known):
                continue
            if isinstance(parsed, RowProblem):
                if skip_invalid:
                    continue
                # It was checked: the file changed since.
                raise ImportRefused(
                    f"{path} changed while it was imported (line {parsed.line}: "
                    f"{parsed.message}); nothing was imported."
                )
            batch.append(parsed)
            if len(batch) >= BATCH:
                advance(len(batch))
                flush()
        advance(len(batch))
        flush()
    if number - first != checked.rows:
        raise ImportRefused(f"{path} changed while it was imported; nothing was imported.")
    rollup_feedback_add(counted)
    return customers.created


class _Customers:
    """Customers named by the rows, by their id in the other system or else their email.

    Found or created a batch at a time, and remembered: a file names the same customers
    again and again.
    """

    def __init__(self) -> None:
        self.by_id: dict[str, tuple[int, str]] = {}  # external id → (pk, size)
        self.by_email: dict[str, tuple[int, str]] = {}  # lower-case email → (pk, size)
        self.created = 0

    def resolve(self, rows: Sequence[Row]) -> list[tuple[int, str] | None]:
        # The first row naming a new customer gives its details.
        ids: dict[str, Row] = {}
        emails: dict[str, Row] = {}
        for r in rows:
            if r.external_id:
                if r.external_id not in self.by_id:
                    ids.setdefault(r.external_id, r)
            elif r.email and r.email.lower() not in self.by_email:
                emails.setdefault(r.email.lower(), r)
        if ids:
            for external_id, pk, size in Customer.objects.filter(
                external_id__in=list(ids)
            ).values_list("external_id", "pk", "size"):
                self.by_id[str(external_id)] = (pk, size)
            self._create(
                [
                    Customer(external_id=key, email=r.email, name=r.name)
                    for key, r in ids.items()
                    if key not in self.by_id
                ],
                lambda c: self.by_id.__setitem__(c.external_id or "", (c.pk, c.size)),
            )
        if emails:
            for email, pk, size in (
                Customer.objects.annotate(lower=Lower("email"))
                .filter(lower__in=list(emails), external_id__isnull=True)
                .values_list("lower", "pk", "size")
            ):
                self.by_email[email] = (pk, size)
            self._create(
                [
                    Customer(email=r.email, name=r.name)
                    for key, r in emails.items()
                    if key not in self.by_email
                ],
                lambda c: self.by_email.__setitem__(c.email.lower(), (c.pk, c.size)),
            )
        return [
            self.by_id[r.external_id]
            if r.external_id
            else self.by_email[r.email.lower()]
            if r.email
            else None
            for r in rows
        ]

    def _create(self, new: list[Customer], remember: Any) -> None:
        if not new:
            return
        for customer in Customer.objects.bulk_create(new):
            remember(customer)
        self.created += len(new)
