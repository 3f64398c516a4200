"""Reading the rows of a CSV file of feedback, and checking each as live feedback is checked.

`RowParser.parse` turns one row's cells into a `Row` (touch point, kind, score, comment,
when, who) or says, in a `RowError`, why the row cannot be imported: a reason that is
the same for every row with that problem (the report groups by it) and a message about
this row. Nothing here writes: check.py checks a whole file with it, write.py stores it.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import re
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone

from vocloop.lib.csvfiles import csv_opened
from vocloop.listening.csvimport.problems import ImportRefused, RowProblem
from vocloop.listening.models import Feedback, ScoreType, Touchpoint
from vocloop.listening.services import EARLIEST, FeedbackInput, FeedbackInvalid, feedback_validate

# Dates without a format given: ISO 8601 (with or without a time) and year/month/day.
DATE_FORMATS = ("%Y/%m/%d", "%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S")
DATE_ONLY = re.compile(r"\d{4}[-/]\d{1,2}[-/]\d{1,2}")
DECIMAL_COMMA = re.compile(r"-?\d+,\d+")
DECIMAL = re.compile(r"[-+]?\d+(?:\.\d*)?")
EARLIEST_YEAR = EARLIEST.year  # checked again once the time is in UTC
TIME_CODES = ("%H", "%I", "%M", "%S", "%p", "%X", "%c", "%z", "%f")
KINDS = {kind.value: kind.value for kind in Feedback.Kind} | {
    kind.label.lower(): kind.value for kind in Feedback.Kind
}


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
    delimiter: str = ","
    email_column: str | None = None
    customer_id_column: str | None = None
    name_column: str | None = None
    id_column: str | None = None  # the feedback's id in the system it comes from

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
            "id": self.id_column,
        }
        return {option: column for option, column in named.items() if column}


@dataclass(frozen=True)
class Row:
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
    source_id: str | None = None
    cells: tuple[str, ...] = ()  # the row as the file has it


class RowError(ValueError):
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
    "occurred_at": "date out of range",
}


class RowParser:
    """One CSV row (its cells by column name) → a checked row, or RowError saying why."""

    def __init__(self, spec: ImportSpec):
        self.spec = spec
        if spec.score_column and not spec.score_type:
            raise ImportRefused("A score column needs its score type: nps, csat or ces.")
        if spec.score_type and not spec.score_column:
            raise ImportRefused("A score type needs the column with the scores.")
        if not spec.channel.strip() or len(spec.channel) > 50:
            raise ImportRefused("The channel must be 1 to 50 characters.")
        if spec.score_type and spec.score_type not in ScoreType.values:
            raise ImportRefused(f"Unknown score type {spec.score_type!r}: use nps, csat or ces.")
        if not spec.comment_column and not spec.score_column:
            raise ImportRefused("Name the column with the comments, or the one with the scores.")
        if spec.name_column and not (spec.email_column or spec.customer_id_column):
            raise ImportRefused(
                "A name alone identifies nobody: give the email or customer id column too."
            )
        if not spec.touchpoint and not spec.touchpoint_column:
            raise ImportRefused(
                "Say which touch point the feedback is about: one for every row, or a column "
                "naming it in each."
            )
        if len(spec.delimiter) != 1:
            raise ImportRefused(
                f"The delimiter must be one character (or tab), not {spec.delimiter!r}."
            )
        self.own_zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
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
        if self.default_touchpoint is not None and not self.default_touchpoint.active:
            raise ImportRefused(
                f"The touch point “{self.default_touchpoint.name}” is not taking feedback: make "
                "it active in the settings first."
            )
        self.default_kind = KINDS.get(spec.kind.casefold())
        if self.default_kind is None:
            raise ImportRefused(f"Unknown kind {spec.kind!r}: use feedback, complaint or survey.")

    def _touchpoint(self, value: str) -> Touchpoint | None:
        value = value.strip()
        return self.touchpoints.get(value) or self.touchpoints.get(value.casefold())

    def _cell(self, cells: dict[str, str], column: str | None) -> str:
        return cells[column].strip() if column else ""

    def parse(self, cells: dict[str, str], line: int, raw: tuple[str, ...] = ()) -> Row:
        spec = self.spec
        if any("\x00" in cell for cell in cells.values()):
            # The csv module reads it; PostgreSQL stores no such character in text.
            raise RowError("NUL character", "a cell holds a NUL character (\\0)")
        touchpoint = self.default_touchpoint
        if spec.touchpoint_column and (named := self._cell(cells, spec.touchpoint_column)):
            touchpoint = self._touchpoint(named)
            if touchpoint is None:
                raise RowError("unknown touch point", f"no touch point is called {named!r}")
        if touchpoint is None:
            raise RowError(
                "no touch point",
                f"the {spec.touchpoint_column!r} column is empty: which touch point?",
            )
        kind = self.default_kind or Feedback.Kind.FEEDBACK
        if spec.kind_column and (named := self._cell(cells, spec.kind_column)):
            found = KINDS.get(named.casefold())
            if found is None:
                raise RowError(
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
                raise RowError(
                    "not an email address", f"{email!r} is not an email address"
                ) from exc
        external_id = self._cell(cells, spec.customer_id_column)
        name = self._cell(cells, spec.name_column)
        source_id = self._cell(cells, spec.id_column) or None
        if spec.id_column and source_id is None:
            raise RowError("no id", f"the {spec.id_column!r} column is empty")
        if source_id is not None and len(source_id) > 200:
            raise RowError("id too long", f"the id is {len(source_id)} characters; at most 200")
        for label, value in (("customer id", external_id), ("name", name), ("email", email)):
            if len(value) > 200:
                raise RowError(
                    "customer details too long",
                    f"the {label} is {len(value)} characters long; the limit is 200",
                )
        comment = self._cell(cells, spec.comment_column)
        if not comment and score is None:
            raise RowError("no comment and no score", "no comment and no score: nothing to import")
        date_text = self._cell(cells, spec.date_column)
        if spec.date_column and not date_text:
            raise RowError(
                "no date", f"the {spec.date_column!r} column is empty: when was this given?"
            )
        row = Row(
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
            source_id=source_id,
            cells=raw,
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
            raise RowError(reason, " ".join(exc.errors.values())) from exc
        return row

    def _moment(self, text: str) -> dt.datetime:
        """The moment a date says; a date alone is that day in vocloop's own time zone.

        Metrics count by the day in vocloop's zone, so a date without a time stays the
        day it names, whatever zone the file's times are in.
        """
        moment = None
        fmt = self.spec.date_format
        date_only = (
            not any(code in fmt for code in TIME_CODES) if fmt else DATE_ONLY.fullmatch(text)
        )
        if fmt:
            moment = _strptime(text, fmt)
            if moment is None:
                raise RowError(
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
                raise RowError(
                    "unreadable date",
                    f"{text!r} is not a date vocloop reads without help (2026-03-01, "
                    "2026/3/1 or 2026-03-01T09:30:00+01:00): give its format with "
                    "--date-format",
                )
        if moment.year < EARLIEST_YEAR:  # a typo, or a placeholder such as 0001-01-01
            raise RowError(
                "date out of range",
                f"{text!r} is before {EARLIEST_YEAR}, where vocloop's pages begin",
            )
        if timezone.is_naive(moment):
            moment = moment.replace(tzinfo=self.own_zone if date_only else self.zone)
        return moment


def _strptime(text: str, pattern: str) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(text, pattern)
    except ValueError:
        return None


def _whole_number(text: str) -> int:
    """A score as spreadsheets write it: "9", "9.0", or "9,0" with a decimal comma."""
    if DECIMAL_COMMA.fullmatch(text):
        text = text.replace(",", ".")
    if not DECIMAL.fullmatch(text):  # not "1e1", "inf" or "0x9", which float() would read
        raise RowError("unreadable score", f"the score {text!r} is not a number")
    value = float(text)
    if not value.is_integer():
        raise RowError("unreadable score", f"the score {text!r} is not a whole number")
    return int(value)


def csv_header(path: Path, spec: ImportSpec) -> list[str]:
    """The file's column names, checked against the columns the import reads."""
    with csv_opened(path, ImportRefused) as handle:
        header = _next_row(csv.reader(handle, strict=True, delimiter=spec.delimiter), path)
    if not header:
        raise ImportRefused(f"{path} is empty: it has no header row.")
    missing = [
        f"{column!r} ({option}{_did_you_mean(column, header)})"
        for option, column in spec.columns().items()
        if column not in header
    ]
    if missing:
        available = ", ".join(repr(name) for name in header)
        hint = ""
        if len(header) == 1:
            for other in (";", "\t", "|", ","):
                if other != spec.delimiter and other in header[0]:
                    named = "tab" if other == "\t" else other
                    hint = f" It looks separated by {named!r}: pass --delimiter '{named}'."
                    break
        raise ImportRefused(
            f"{path} has no column {', '.join(missing)}. Its columns are: {available}.{hint}"
        )
    return header


def _did_you_mean(column: str, header: list[str]) -> str:
    by_case = {name.casefold(): name for name in header}
    close = by_case.get(column.casefold()) or next(
        iter(difflib.get_close_matches(column, header, n=1, cutoff=0.75)), None
    )
    return f"; did you mean {close!r}?" if close else ""


def csv_rows(path: Path, spec: ImportSpec) -> Iterator[tuple[int, list[str], dict[str, str] | str]]:
    """(line, the row's cells, the cells by column or what is wrong with the row's shape)."""
    header = csv_header(path, spec)
    with csv_opened(path, ImportRefused) as handle:
        # Strict: a quote left open would otherwise swallow the rest of the file.
        reader = csv.reader(handle, strict=True, delimiter=spec.delimiter)
        _next_row(reader, path)
        line = reader.line_num + 1
        while (cells := _next_row(reader, path)) is not None:
            if not any(cell.strip() for cell in cells):
                pass  # a blank line, as spreadsheets leave at the end
            elif len(cells) != len(header):
                yield line, cells, f"{len(cells)} fields where the header has {len(header)}"
            else:
                yield line, cells, dict(zip(header, cells, strict=True))
            line = reader.line_num + 1


def _next_row(reader: Any, path: Path) -> list[str] | None:
    """The next row, or None at the end; ImportRefused, with the line, if it cannot be read."""
    try:
        return next(reader, None)
    except csv.Error as exc:
        raise ImportRefused(
            f"{path} is not a readable CSV file: line {reader.line_num}: {exc}. A quote "
            'inside a quoted cell is written twice ("").'
        ) from exc


def rows_parsed(path: Path, parser: RowParser, spec: ImportSpec) -> Iterator[Row | RowProblem]:
    for line, raw, cells in csv_rows(path, spec):
        if isinstance(cells, str):
            yield RowProblem(line, "wrong number of fields", cells, tuple(raw))
            continue
        try:
            yield parser.parse(cells, line, tuple(raw))
        except RowError as exc:
            yield RowProblem(line, exc.reason, str(exc), tuple(raw))


@dataclass(frozen=True)
class Known:
    """A row whose id (in its channel) vocloop has already: an earlier, overlapping export."""

    line: int


KNOWN_BATCH = 2000


def rows_classified(
    path: Path, parser: RowParser, spec: ImportSpec
) -> Iterator[Row | RowProblem | Known]:
    """`rows_parsed`, and with an id column: rows known already, and ids repeated in the file.

    In file order. The same file gives the same answers in a second pass, while the
    first pass's rows are being written: a row can only meet an id written by this
    import if the id is repeated in the file, and a repeat is a problem, found first.
    """
    if not spec.id_column:
        yield from rows_parsed(path, parser, spec)
        return
    first_line: dict[tuple[str, str], int] = {}
    pending: list[Row | RowProblem] = []

    def flush() -> Iterator[Row | RowProblem | Known]:
        keys = {(r.channel, r.source_id) for r in pending if isinstance(r, Row)}
        known = set(
            Feedback.objects.filter(
                channel__in={key[0] for key in keys}, source_id__in=[key[1] for key in keys]
            ).values_list("channel", "source_id")
        )
        for row in pending:
            if isinstance(row, Row) and (row.channel, row.source_id) in known:
                yield Known(row.line)
            else:
                yield row
        pending.clear()

    for parsed in rows_parsed(path, parser, spec):
        if isinstance(parsed, Row):
            key = (parsed.channel, parsed.source_id or "")
            seen = first_line.setdefault(key, parsed.line)
            if seen != parsed.line:
                parsed = RowProblem(
                    parsed.line,
                    "id repeated in the file",
                    f"the id {key[1]!r} is on line {seen} already",
                    parsed.cells,
                )
        pending.append(parsed)
        if len(pending) >= KNOWN_BATCH:
            yield from flush()
    yield from flush()
