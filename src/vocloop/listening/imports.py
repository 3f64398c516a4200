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
import datetime as dt
import hashlib
import sys
import time
import zoneinfo
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Lower
from django.utils import timezone
from tqdm import tqdm

from vocloop.csvfiles import csv_opened
from vocloop.customers.models import Customer
from vocloop.insights.bulk import BulkResult, comments_read_bulk
from vocloop.insights.models import OriginalComment
from vocloop.insights.services import text_settings
from vocloop.listening.models import (
    Feedback,
    FeedbackImport,
    ReferenceCounter,
    ScoreType,
    Touchpoint,
)
from vocloop.listening.services import (
    FeedbackInput,
    FeedbackInvalid,
    feedback_validate,
    tracking_token_new,
)
from vocloop.metrics.rollups import FeedbackKey, feedback_counts, feedback_key, rollup_feedback_add
from vocloop.rows import RowWriter
from vocloop.text.masking import mask

BATCH = 2000
LINES_SHOWN = 5  # per reason: a file with thousands of bad rows usually has one mistake
# Dates without a format given: ISO 8601 (with or without a time) and year/month/day.
DATE_FORMATS = ("%Y/%m/%d", "%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S")
KINDS = {kind.value: kind.value for kind in Feedback.Kind} | {
    kind.label.lower(): kind.value for kind in Feedback.Kind
}
FEEDBACK_COLUMNS = [
    "reference",
    "tracking_token",
    "touchpoint_id",
    "customer_id",
    "kind",
    "channel",
    "score_type",
    "score",
    "comment",
    "occurred_at",
    "received_at",
]


class ImportRefused(ValueError):
    """The file cannot be imported; nothing was stored. The message says why."""

    def __init__(self, message: str, problems: Sequence[Problem] = ()):
        super().__init__(message)
        self.problems = list(problems)


@dataclass(frozen=True)
class RowProblem:
    line: int  # the line of the file where the row starts (the header is line 1)
    reason: str  # short, the same for every row with this problem
    message: str  # this row's


@dataclass
class Problem:
    """The rows that cannot be imported for one reason: how many, where, and an example."""

    reason: str
    rows: int
    lines: list[int]  # the first few
    example: str  # the first row's message

    @classmethod
    def grouped(cls, problems: Iterator[RowProblem]) -> list[Problem]:
        found: dict[str, Problem] = {}
        for problem in problems:
            group = found.get(problem.reason)
            if group is None:
                found[problem.reason] = cls(problem.reason, 1, [problem.line], problem.message)
            else:
                group.rows += 1
                if len(group.lines) < LINES_SHOWN:
                    group.lines.append(problem.line)
        return sorted(found.values(), key=lambda g: -g.rows)


@dataclass(frozen=True)
class ImportSpec:
    """Which columns hold what, and the values that apply to every row."""

    comment_column: str | None = None
    score_column: str | None = None
    score_type: str | None = None
    date_column: str | None = None
    date_format: str | None = None
    time_zone: str | None = None  # of dates without an offset; vocloop's own by default
    touchpoint: str | None = None  # slug or name, for every row
    touchpoint_column: str | None = None
    kind: str = Feedback.Kind.FEEDBACK
    kind_column: str | None = None
    channel: str = "import"
    channel_column: str | None = None
    email_column: str | None = None
    customer_id_column: str | None = None
    name_column: str | None = None

    def columns(self) -> dict[str, str]:
        """Option → column named, for the columns this import reads."""
        named = {
            "comment": self.comment_column,
            "score": self.score_column,
            "date": self.date_column,
            "touch point": self.touchpoint_column,
            "kind": self.kind_column,
            "channel": self.channel_column,
            "email": self.email_column,
            "customer id": self.customer_id_column,
            "name": self.name_column,
        }
        return {option: column for option, column in named.items() if column}


@dataclass(frozen=True)
class _Row:
    line: int
    touchpoint: Touchpoint
    kind: str
    channel: str
    score_type: str | None
    score: int | None
    comment: str
    occurred_at: dt.datetime | None
    email: str
    external_id: str
    name: str


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


@dataclass(frozen=True)
class CheckResult:
    rows: int  # to import
    comments: int
    skipped: int = 0  # rows that cannot be imported, left out as asked
    problems: tuple[Problem, ...] = ()  # why, grouped by reason


class _RowError(ValueError):
    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


# feedback_validate's fields, as the reason a row was refused.
VALIDATION_REASONS = {
    "touchpoint": "touch point not taking feedback",
    "kind": "unknown kind",
    "score_type": "unknown score type",
    "score": "score out of range",
    "comment": "comment too long",
    "channel": "channel too long",
    "occurred_at": "date in the future",
}


class _Parser:
    """One CSV row (its cells by column name) → a checked row, or _RowError saying why."""

    def __init__(self, spec: ImportSpec):
        self.spec = spec
        if spec.score_column and not spec.score_type:
            raise ImportRefused("A score column needs its score type: nps, csat or ces.")
        if spec.score_type and spec.score_type not in ScoreType.values:
            raise ImportRefused(f"Unknown score type {spec.score_type!r}: use nps, csat or ces.")
        if not spec.comment_column and not spec.score_column:
            raise ImportRefused("Name the column with the comments, or the one with the scores.")
        if not spec.touchpoint and not spec.touchpoint_column:
            raise ImportRefused(
                "Say which touch point the feedback is about: one for every row, or a column "
                "naming it in each."
            )
        zone_name = spec.time_zone or settings.TIME_ZONE
        try:
            self.zone = zoneinfo.ZoneInfo(zone_name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise ImportRefused(
                f"Unknown time zone {zone_name!r}: use a name such as Europe/Brussels."
            ) from exc
        self.touchpoints: dict[str, Touchpoint] = {}
        for touchpoint in Touchpoint.objects.all():
            self.touchpoints[touchpoint.slug] = touchpoint
            self.touchpoints.setdefault(touchpoint.name.casefold(), touchpoint)
        self.default_touchpoint = self._touchpoint(spec.touchpoint) if spec.touchpoint else None
        if spec.touchpoint and self.default_touchpoint is None:
            known = ", ".join(sorted(tp.slug for tp in Touchpoint.objects.all())) or "none yet"
            raise ImportRefused(
                f"No touch point is called {spec.touchpoint!r}. Touch points: {known}."
            )
        self.default_kind = KINDS.get(spec.kind.casefold())
        if self.default_kind is None:
            raise ImportRefused(f"Unknown kind {spec.kind!r}: use feedback, complaint or survey.")

    def _touchpoint(self, value: str) -> Touchpoint | None:
        value = value.strip()
        return self.touchpoints.get(value) or self.touchpoints.get(value.casefold())

    def _cell(self, cells: dict[str, str], column: str | None) -> str:
        return cells[column].strip() if column else ""

    def parse(self, cells: dict[str, str], line: int) -> _Row:
        spec = self.spec
        touchpoint = self.default_touchpoint
        if spec.touchpoint_column and (named := self._cell(cells, spec.touchpoint_column)):
            touchpoint = self._touchpoint(named)
            if touchpoint is None:
                raise _RowError("unknown touch point", f"no touch point is called {named!r}")
        if touchpoint is None:
            raise _RowError(
                "no touch point",
                f"the {spec.touchpoint_column!r} column is empty: which touch point?",
            )
        kind = self.default_kind or Feedback.Kind.FEEDBACK
        if spec.kind_column and (named := self._cell(cells, spec.kind_column)):
            found = KINDS.get(named.casefold())
            if found is None:
                raise _RowError(
                    "unknown kind", f"unknown kind {named!r}: use feedback, complaint or survey"
                )
            kind = found
        channel = self._cell(cells, spec.channel_column) or spec.channel
        score_text = self._cell(cells, spec.score_column)
        score = _whole_number(score_text) if score_text else None
        email = self._cell(cells, spec.email_column)
        if email:
            try:
                validate_email(email)
            except ValidationError as exc:
                raise _RowError(
                    "not an email address", f"{email!r} is not an email address"
                ) from exc
        external_id = self._cell(cells, spec.customer_id_column)
        name = self._cell(cells, spec.name_column)
        for label, value in (("customer id", external_id), ("name", name), ("email", email)):
            if len(value) > 200:
                raise _RowError(
                    "customer details too long",
                    f"the {label} is {len(value)} characters long; the limit is 200",
                )
        comment = self._cell(cells, spec.comment_column)
        if not comment and score is None:
            raise _RowError("no comment and no score", "no comment and no score: nothing to import")
        date_text = self._cell(cells, spec.date_column)
        if spec.date_column and not date_text:
            raise _RowError(
                "no date", f"the {spec.date_column!r} column is empty: when was this given?"
            )
        row = _Row(
            line=line,
            touchpoint=touchpoint,
            kind=kind,
            channel=channel,
            score_type=spec.score_type if score is not None else None,
            score=score,
            comment=comment,
            occurred_at=self._moment(date_text) if date_text else None,
            email=email,
            external_id=external_id,
            name=name,
        )
        try:
            feedback_validate(
                FeedbackInput(
                    touchpoint=row.touchpoint,
                    kind=row.kind,
                    channel=row.channel,
                    score_type=row.score_type,
                    score=row.score,
                    comment=row.comment,
                    occurred_at=row.occurred_at,
                )
            )
        except FeedbackInvalid as exc:
            field = next(iter(exc.errors))
            reason = VALIDATION_REASONS.get(field, field)
            raise _RowError(reason, " ".join(exc.errors.values())) from exc
        return row

    def _moment(self, text: str) -> dt.datetime:
        moment = None
        if self.spec.date_format:
            moment = _strptime(text, self.spec.date_format)
            if moment is None:
                raise _RowError(
                    "unreadable date",
                    f"{text!r} is not a date in the format {self.spec.date_format}",
                )
        else:
            try:
                moment = dt.datetime.fromisoformat(text)
            except ValueError:
                for pattern in DATE_FORMATS:
                    if (moment := _strptime(text, pattern)) is not None:
                        break
            if moment is None:
                raise _RowError(
                    "unreadable date",
                    f"{text!r} is not a date vocloop reads without help (2026-03-01, "
                    "2026/3/1 or 2026-03-01T09:30:00+01:00): give its format",
                )
        if timezone.is_naive(moment):
            moment = moment.replace(tzinfo=self.zone)
        return moment


def _strptime(text: str, pattern: str) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(text, pattern)
    except ValueError:
        return None


def _whole_number(text: str) -> int:
    """A score as spreadsheets write it: "9", or "9.0"."""
    try:
        value = float(text)
    except ValueError:
        raise _RowError("unreadable score", f"the score {text!r} is not a number") from None
    if not value.is_integer():
        raise _RowError("unreadable score", f"the score {text!r} is not a whole number")
    return int(value)


def _csv_rows(path: Path, spec: ImportSpec) -> Iterator[tuple[int, dict[str, str] | str]]:
    """(line, cells by column) per row, or (line, what is wrong with the row's shape)."""
    with csv_opened(path, ImportRefused) as handle:
        # Strict: a quote left open would otherwise swallow the rest of the file.
        reader = csv.reader(handle, strict=True)
        header = next(reader, None)
        if not header:
            raise ImportRefused(f"{path} is empty: it has no header row.")
        missing = [
            f"{column!r} ({option})"
            for option, column in spec.columns().items()
            if column not in header
        ]
        if missing:
            available = ", ".join(repr(name) for name in header)
            raise ImportRefused(
                f"{path} has no column {', '.join(missing)}. Its columns are: {available}."
            )
        line = reader.line_num + 1
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                pass  # a blank line, as spreadsheets leave at the end
            elif len(cells) != len(header):
                yield line, f"{len(cells)} fields where the header has {len(header)}"
            else:
                yield line, dict(zip(header, cells, strict=True))
            line = reader.line_num + 1


def _parsed(path: Path, parser: _Parser, spec: ImportSpec) -> Iterator[_Row | RowProblem]:
    for line, cells in _csv_rows(path, spec):
        if isinstance(cells, str):
            yield RowProblem(line, "wrong number of fields", cells)
            continue
        try:
            yield parser.parse(cells, line)
        except _RowError as exc:
            yield RowProblem(line, exc.reason, str(exc))


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
    path: Path, parser: _Parser, spec: ImportSpec, progress: bool, skip_invalid: bool
) -> CheckResult:
    rows = comments = 0
    bad: list[RowProblem] = []
    with tqdm(disable=not progress, file=sys.stderr, unit=" rows", desc="Checking") as bar:
        for parsed in _parsed(path, parser, spec):
            bar.update()
            if isinstance(parsed, RowProblem):
                bad.append(parsed)
            else:
                rows += 1
                comments += bool(parsed.comment)
    problems = Problem.grouped(iter(bad))
    if bad and not skip_invalid:
        raise ImportRefused(
            f"{path} has {len(bad):,} row{'s' if len(bad) != 1 else ''} that cannot be "
            "imported; nothing was imported (--skip-invalid imports the others).",
            problems,
        )
    if not rows:
        raise ImportRefused(
            f"{path} has no rows that can be imported; nothing was imported.", problems
        )
    return CheckResult(rows=rows, comments=comments, skipped=len(bad), problems=tuple(problems))


def feedback_import_check(
    path: Path, spec: ImportSpec, *, skip_invalid: bool = False, progress: bool = False
) -> CheckResult:
    """Check every row as an import would, storing nothing; ImportRefused if it would be."""
    return _check(path, _Parser(spec), spec, progress, skip_invalid)


def feedback_import(
    path: Path,
    spec: ImportSpec,
    *,
    again: bool = False,
    skip_invalid: bool = False,
    read: bool = True,
    progress: bool = False,
) -> ImportResult:
    """Import every row of the file, or nothing (ImportRefused says why).

    With `skip_invalid`, the rows that cannot be imported are left out instead (the
    result counts them and gives the first of them with their reasons).
    """
    began = time.monotonic()
    parser = _Parser(spec)
    digest = _sha256(path)
    earlier = FeedbackImport.objects.filter(sha256=digest).first()
    if earlier is not None and not again:
        raise ImportRefused(
            f"This file was imported on "
            f"{timezone.localtime(earlier.imported_at):%Y-%m-%d at %H:%M} "
            f"({earlier.rows:,} rows, {earlier.first_reference} to "
            f"{earlier.last_reference}). Importing it again would count its feedback twice; "
            "pass --again if that is what you want."
        )
    checked = _check(path, parser, spec, progress, skip_invalid)
    now = timezone.now()
    # Reserved in a transaction of their own, so that live feedback is not kept waiting
    # for the reference counter while the import writes.
    first = _references_reserve(now.year, checked.rows)
    references = [f"VL-{now.year}-{first + i:06d}" for i in (0, checked.rows - 1)]
    try:
        with transaction.atomic():
            customers_new = _write(
                path, parser, spec, now, first, checked.rows, skip_invalid, progress
            )
            FeedbackImport.objects.create(
                file_name=str(path)[-500:],
                sha256=digest,
                rows=checked.rows,
                first_reference=references[0],
                last_reference=references[1],
                imported_at=now,
            )
    except ImportRefused as exc:
        raise ImportRefused(
            f"{exc} References {references[0]} to {references[1]} were set aside for it and "
            "stay unused."
        ) from exc
    result = comments_read_bulk(progress=progress) if read and checked.comments else None
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
    parser: _Parser,
    spec: ImportSpec,
    now: dt.datetime,
    first: int,
    expected: int,
    skip_invalid: bool,
    progress: bool,
) -> int:
    keep_days = text_settings().keep_original_days
    writer = RowWriter(Feedback, FEEDBACK_COLUMNS, batch=BATCH)
    customers = _Customers()
    counted: dict[FeedbackKey, Counter[str]] = {}
    number = first
    batch: list[_Row] = []

    def flush() -> None:
        nonlocal number
        people = customers.resolve(batch)
        rows: list[dict[str, Any]] = []
        originals: dict[str, str] = {}
        for row, person in zip(batch, people, strict=True):
            masked = mask(row.comment)
            reference = f"VL-{now.year}-{number:06d}"
            number += 1
            if masked.found and keep_days:
                originals[reference] = row.comment
            occurred_at = row.occurred_at or now
            rows.append(
                {
                    "reference": reference,
                    "tracking_token": tracking_token_new(),
                    "touchpoint_id": row.touchpoint.pk,
                    "customer_id": person[0] if person else None,
                    "kind": row.kind,
                    "channel": row.channel,
                    "score_type": row.score_type,
                    "score": row.score,
                    "comment": masked.text,
                    "occurred_at": occurred_at,
                    "received_at": now,
                }
            )
            key = feedback_key(
                occurred_at,
                row.touchpoint.pk,
                row.score_type,
                row.channel,
                person[1] if person else "",
            )
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

    with tqdm(
        total=expected, disable=not progress, file=sys.stderr, unit=" rows", desc="Importing"
    ) as bar:
        for parsed in _parsed(path, parser, spec):
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
                bar.update(len(batch))
                flush()
        bar.update(len(batch))
        flush()
    if number - first != expected:
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

    def resolve(self, rows: Sequence[_Row]) -> list[tuple[int, str] | None]:
        # The first row naming a new customer gives its details.
        ids: dict[str, _Row] = {}
        emails: dict[str, _Row] = {}
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
