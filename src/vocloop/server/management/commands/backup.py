"""`vocloop backup FILE`: the whole database into one checked file, while vocloop runs."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from vocloop.server.backups.contents import contents_lines
from vocloop.server.backups.files import BackupRefused
from vocloop.server.backups.services import database_back_up, database_named, secret_key_note


class Command(BaseCommand):
    help = (
        "Back up vocloop's database into FILE while the server and the worker go on: "
        "SQLite's online backup, or pg_dump's custom format for PostgreSQL. The file is "
        "checked, and what it holds is printed. Restore it with `vocloop restore FILE`."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path, help="The backup file to write.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace FILE if it exists, once the new backup is complete and checked.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        file = options["file"].expanduser().absolute()
        try:
            contents = database_back_up(file=file, overwrite=options["force"])
        except BackupRefused as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(f"Backed up {database_named()} to {file}:"))
        self.stdout.write("\n".join(contents_lines(contents)))
        self.stdout.write(secret_key_note())
