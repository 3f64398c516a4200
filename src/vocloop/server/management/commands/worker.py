"""`vocloop worker`: runs background tasks (notifications, imports …) queued in the database."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django_tasks_db.management.commands.db_worker import valid_interval, valid_max_tasks


class Command(BaseCommand):
    help = (
        "Run vocloop's background worker: it takes tasks from the database queue and runs "
        "them. Run one next to `vocloop serve`."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--queue-name",
            default="default",
            help="Queues to work on, separated by commas; * for all (default: %(default)s).",
        )
        parser.add_argument(
            "--interval",
            type=valid_interval,
            default=1.0,
            help="Seconds to wait before looking again when the queue is empty "
            "(default: %(default)s).",
        )
        parser.add_argument(
            "--batch",
            action="store_true",
            help="Run the tasks waiting now, then exit (for cron or tests).",
        )
        parser.add_argument(
            "--max-tasks",
            type=valid_max_tasks,
            default=None,
            help="Exit after running this many tasks (a supervisor restarts the worker).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        queues = options["queue_name"]
        if options["batch"]:
            plan = "running the tasks waiting now, then exiting"
        else:
            plan = f"checking every {options['interval']:g} s (Ctrl+C to stop)"
        if options["max_tasks"]:
            plan += f", at most {options['max_tasks']} tasks"
        self.stdout.write(f"vocloop worker: queue {queues}; {plan}.")
        self.stdout.flush()
        call_command(
            "db_worker",
            queue_name=queues,
            interval=options["interval"],
            batch=options["batch"],
            max_tasks=options["max_tasks"],
            reload=False,
            startup_delay=not options["batch"],
            verbosity=options["verbosity"],
            stdout=self.stdout,
            stderr=self.stderr,
        )
        self.stdout.write("vocloop worker stopped.")
