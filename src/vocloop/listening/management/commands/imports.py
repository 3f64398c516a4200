"""`vocloop imports`: the files imported so far, and undoing one."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count
from django.utils import timezone

from vocloop.listening.import_undo import UndoRefused, feedback_import_undo
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

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            self._list()
            return
        try:
            result = feedback_import_undo(options["id"])
        except UndoRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Undid import {options['id']}: {result.feedback:,} pieces of feedback deleted, "
            f"{result.groups:,} similar-comment groups forgotten, in {result.seconds:.1f} s. "
            "The file can be imported again."
        )

    def _list(self) -> None:
        imports = FeedbackImport.objects.annotate(present=Count("feedback"))
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
