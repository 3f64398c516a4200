"""Checking a whole CSV file as an import would, storing nothing.

Every row is read and checked by the rules that feedback received live is held to
(`feedback_validate`): a file with a bad row is refused whole, with the line and the
reason of each bad row, so that nobody has to work out which half of a file got in. A
file imported before is named (by its SHA-256): every piece of its feedback would
count twice.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils import timezone

from vocloop.lib.progress import Progress, stage
from vocloop.listening.csvimport.problems import ImportRefused, Problem, Problems, RowProblem
from vocloop.listening.csvimport.rows import (
    ImportSpec,
    Known,
    RowParser,
    csv_header,
    rows_classified,
)
from vocloop.listening.models import FeedbackImport


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


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    except OSError as exc:
        raise ImportRefused(f"Cannot read {path}: {exc.strerror or exc}.") from exc
    return digest.hexdigest()


def rows_check(
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
    checked = rows_check(path, RowParser(spec), spec, progress, skip_invalid, rejects)
    return dataclasses.replace(checked, imported_before=imported_before(file_digest(path)))


def imported_before(digest: str) -> str | None:
    earlier = FeedbackImport.objects.filter(sha256=digest, undone_at=None).first()
    if earlier is None:
        return None
    return (
        f"This file was imported on "
        f"{timezone.localtime(earlier.imported_at):%Y-%m-%d at %H:%M} "
        f"({earlier.rows:,} rows, {earlier.first_reference} to {earlier.last_reference})."
    )
