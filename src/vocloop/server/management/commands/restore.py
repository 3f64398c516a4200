"""`vocloop restore FILE`: the database replaced by a backup of `vocloop backup`."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from vocloop.lib.words import counted
from vocloop.server.backups.contents import contents_lines, migrations_behind
from vocloop.server.backups.files import BackupRefused
from vocloop.server.backups.services import database_named, database_restore


class Command(BaseCommand):
    help = (
        "Replace vocloop's database with the backup in FILE (from `vocloop backup`), after "
        "checking that it is whole and that this version of vocloop knows its migrations. "
        "A database that holds data is replaced only with --force. Stop `vocloop serve` and "
        "`vocloop worker` first."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path, help="The backup file to restore.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace the database even though it holds feedback, cases or accounts.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        file = options["file"].expanduser().absolute()
        try:
            contents = database_restore(file=file, force=options["force"])
        except BackupRefused as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(f"Restored {file} into {database_named()}:"))
        self.stdout.write("\n".join(contents_lines(contents)))
        behind = migrations_behind(contents)
        if behind:
            self.stdout.write(
                f"The backup lacks {counted(behind, 'migration')} of this version of vocloop: "
                "run `vocloop migrate` before starting it."
            )
