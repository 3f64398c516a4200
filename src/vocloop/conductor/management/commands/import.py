"""`vocloop import FILE`: feedback from a CSV file (another survey tool, a complaints register)."""

from __future__ import annotations

from argparse import ArgumentParser
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from vocloop.conductor.imports import (
    ImportRefused,
    ImportSpec,
    Problem,
    feedback_import,
    feedback_import_check,
)
from vocloop.conductor.reading import SWEEP_LIMIT
from vocloop.lib.bars import progress_bars
from vocloop.lib.words import counted

# What the worker's "comments left unread" job does with them, once a minute.
LEFT_UNREAD = (
    f"A running worker reads them in the background, {SWEEP_LIMIT} a minute; "
    "`vocloop themes read` reads them all now."
)


class Command(BaseCommand):
    help = (
        "Import feedback from a CSV file with a header row. Every row is checked first: a file "
        "with a bad row is refused whole, with the line and the reason of each. Imported "
        "feedback counts in the metrics on the day it was given and its comments are read "
        "(sentiment, themes, similar comments); it opens no case and notifies nobody. "
        "Personal data in comments is masked as on arrival. A file imported before is refused."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path, help="The CSV file (UTF-8, a header row).")
        parser.add_argument(
            "--delimiter",
            default=",",
            help="Between cells: , (default), ; as spreadsheets write in many countries, or tab.",
        )
        what = parser.add_argument_group("what the rows hold")
        what.add_argument("--comment-column", metavar="C", help="The customers' words.")
        what.add_argument("--score-column", metavar="C", help="A score; needs --score-type.")
        what.add_argument("--score-type", choices=["nps", "csat", "ces"])
        what.add_argument(
            "--date-column",
            metavar="C",
            help="When the feedback was given (without it: now). Read without help: "
            "2026-03-01, 2026/3/1, 2026-03-01T09:30:00+01:00.",
        )
        what.add_argument(
            "--date-format", metavar="F", help="The dates' format otherwise, e.g. %%d/%%m/%%Y."
        )
        what.add_argument(
            "--time-zone",
            metavar="Z",
            help="Of times without an offset, e.g. Europe/Brussels (default: vocloop's own). "
            "A date without a time is that day in vocloop's time zone.",
        )
        where = parser.add_argument_group("where it belongs")
        where.add_argument("--touchpoint", metavar="T", help="Touch point (slug or name).")
        where.add_argument(
            "--touchpoint-column", metavar="C", help="A touch point per row (overrides)."
        )
        where.add_argument(
            "--kind",
            default="feedback",
            help="feedback (default), complaint or survey, for every row.",
        )
        where.add_argument("--kind-column", metavar="C", help="A kind per row (overrides).")
        where.add_argument("--channel", default="import", help='Default: "import".')
        where.add_argument("--channel-column", metavar="C", help="A channel per row.")
        who = parser.add_argument_group("who gave it (optional)")
        who.add_argument("--email-column", metavar="C")
        who.add_argument(
            "--customer-id-column",
            metavar="C",
            help="The customer's id in the other system (wins over the email).",
        )
        who.add_argument("--name-column", metavar="C")
        parser.add_argument(
            "--id-column",
            metavar="C",
            help="Each row's id in the system it comes from: a row whose id (in its channel) "
            "was imported before is left out, so overlapping exports can be imported.",
        )
        parser.add_argument("--check", action="store_true", help="Check every row, import nothing.")
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="Leave out the rows that cannot be imported (listed with their reasons) and "
            "import the others.",
        )
        parser.add_argument(
            "--rejects",
            type=Path,
            metavar="FILE",
            help="Write the rows that cannot be imported to this CSV file, with their line and "
            "why: fix them there and import that file on its own.",
        )
        parser.add_argument(
            "--again", action="store_true", help="Import a file that was imported before."
        )
        parser.add_argument(
            "--no-read",
            action="store_true",
            help="Leave the comments to be read later: a running worker reads them in the "
            f"background, {SWEEP_LIMIT} a minute; `vocloop themes read` reads them all at once.",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args: Any, **options: Any) -> None:
        spec = ImportSpec(
            comment_column=options["comment_column"],
            score_column=options["score_column"],
            score_type=options["score_type"],
            date_column=options["date_column"],
            date_format=options["date_format"],
            time_zone=options["time_zone"],
            touchpoint=options["touchpoint"],
            touchpoint_column=options["touchpoint_column"],
            kind=options["kind"],
            kind_column=options["kind_column"],
            channel=options["channel"],
            channel_column=options["channel_column"],
            email_column=options["email_column"],
            customer_id_column=options["customer_id_column"],
            name_column=options["name_column"],
            id_column=options["id_column"],
            delimiter="\t" if options["delimiter"] in ("tab", "\\t") else options["delimiter"],
        )
        path: Path = options["file"]
        progress = progress_bars(not options["no_progress"], tqdm)
        try:
            if options["check"]:
                checked = feedback_import_check(
                    path,
                    spec,
                    skip_invalid=options["skip_invalid"],
                    rejects=options["rejects"],
                    progress=progress,
                )
                self.stdout.write(
                    f"{path}: {counted(checked.rows, 'row')} can be imported "
                    f"({checked.comments:,} with a comment). Nothing was imported."
                )
                if checked.scores is not None:
                    low, high = checked.scores
                    self.stdout.write(f"Scores from {low} to {high} ({spec.score_type}).")
                self._skipped(
                    checked.skipped, checked.problems, "Would leave out", options["rejects"]
                )
                self._known(checked.known, "would be left out", "would be left out")
                if checked.imported_before:
                    self.stdout.write(
                        f"{checked.imported_before} Importing it again needs --again."
                    )
                if warning := checked.scale_warning(spec.score_type):
                    self.stdout.write(f"Check the scale: {warning}")
                return
            result = feedback_import(
                path,
                spec,
                again=options["again"],
                skip_invalid=options["skip_invalid"],
                rejects=options["rejects"],
                read=not options["no_read"],
                progress=progress,
            )
        except ImportRefused as exc:
            raise CommandError("\n".join([str(exc), *_problem_lines(exc.problems)])) from exc
        self.stdout.write(
            f"Imported {result.rows:,} piece{'s' if result.rows != 1 else ''} of feedback "
            f"({result.comments:,} with a comment) "
            f"as {result.first_reference} to {result.last_reference}, "
            f"{counted(result.customers_new, 'new customer')}, in {result.seconds:.1f} s."
        )
        self._skipped(result.skipped, result.problems, "Left out", options["rejects"])
        self._known(result.known, "was left out", "were left out")
        if result.warning:
            self.stdout.write(f"Check the scale: {result.warning}")
        if result.read is not None:
            self.stdout.write(
                f"Read {result.read.comments:,} comments in {result.read.seconds:.1f} s: "
                f"{result.read.themes:,} themes given, {result.read.groups:,} new similar groups."
            )
        elif result.read_error:
            raise CommandError(
                f"The feedback is imported, but reading its comments failed "
                f"({result.read_error}). {LEFT_UNREAD}"
            )
        elif result.comments:
            self.stdout.write(f"The comments are not read yet. {LEFT_UNREAD}")

    def _known(self, known: int, one: str, many: str) -> None:
        if known:
            self.stdout.write(
                f"{known:,} row{'s' if known != 1 else ''} {one if known == 1 else many}: "
                "imported before (the same id in the same channel)."
            )

    def _skipped(
        self, skipped: int, problems: Sequence[Problem], verb: str, rejects: Path | None
    ) -> None:
        if skipped:
            self.stdout.write(
                f"{verb} {skipped:,} row{'s' if skipped != 1 else ''} that cannot be imported:"
            )
            for line in _problem_lines(problems):
                self.stdout.write(line)
            if rejects is not None:
                self.stdout.write(f"They are in {rejects}, with why.")


def _problem_lines(problems: Sequence[Problem]) -> list[str]:
    """Per reason: how many rows, their first lines, and the first row's own message."""
    lines = []
    for p in problems:
        where = ", ".join(str(n) for n in p.lines) + (", …" if p.rows > len(p.lines) else "")
        rows = f"{p.rows:,} row{'s' if p.rows != 1 else ''}"
        lines.append(f"  {p.reason}: {rows} (line{'s' if p.rows != 1 else ''} {where})")
        lines.append(f"    line {p.lines[0]}: {p.example}")
    return lines
