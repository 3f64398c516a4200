"""`vocloop imports`: the files imported so far, and undoing one."""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count
from django.utils import timezone

from vocloop.conductor.import_undo import (
    UndoPreview,
    UndoRefused,
    feedback_import_undo,
    feedback_import_undo_preview,
)
from vocloop.lib.words import counted
from vocloop.listening.models import FeedbackImport


class Command(BaseCommand):
    help = "The files imported with `vocloop import`, newest first, and undoing one."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("list", help="Every import: when, which file, how many rows.")
        undo = actions.add_parser(
            "undo",
            help="Delete an import's feedback and what was read from it, and take it out of "
            "every figure; the customers it created stay.",
        )
        undo.add_argument("id", type=int, help="The import's number, from `vocloop imports list`.")
        undo.add_argument(
            "--no-input",
            "--noinput",
            action="store_false",
            dest="interactive",
            help="Undo without asking first (in scripts).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            self._list()
            return
        try:
            if options["interactive"]:
                self._confirm(feedback_import_undo_preview(options["id"]))
            result = feedback_import_undo(options["id"])
        except UndoRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Undid import {options['id']}: {counted(result.feedback, 'piece', 'pieces')} of "
            "feedback deleted, "
            f"{result.groups:,} similar-comment groups forgotten, in {result.seconds:.1f} s. "
            "The file can be imported again."
        )

    def _confirm(self, preview: UndoPreview) -> None:
        record = preview.record
        what = (
            f"Undoing import {record.pk} ({record.file_name}, "
            f"{timezone.localtime(record.imported_at):%Y-%m-%d %H:%M}) deletes "
            f"{counted(preview.feedback, 'piece', 'pieces')} of feedback"
            + (
                f" and {counted(preview.corrections, 'correction')} staff made to their comments"
                if preview.corrections
                else ""
            )
            + "."
        )
        if not sys.stdin.isatty():
            raise CommandError(f"{what} Nothing was undone: add --no-input to undo it.")
        answer = input(f"{what} Type yes to go on: ")
        if answer.strip().lower() != "yes":
            raise CommandError("Nothing was undone.")

    def _list(self) -> None:
        imports = FeedbackImport.objects.annotate(present=Count("feedback")).order_by(
            "-imported_at", "-pk"
        )
        if not imports:
            self.stdout.write("Nothing has been imported yet.")
            return
        for record in imports:
            when = timezone.localtime(record.imported_at)
            state = (
                f"undone {timezone.localtime(record.undone_at):%Y-%m-%d}"
                if record.undone_at
                else f"{record.present:,} present"
            )
            self.stdout.write(
                f"{record.pk:>4}  {when:%Y-%m-%d %H:%M}  {record.rows:>9,} rows  "
                f"{record.first_reference} to {record.last_reference}  {state}  {record.file_name}"
            )
