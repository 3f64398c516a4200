"""`vocloop worker`: background tasks from the database queue, and the periodic sweeps.

The sweeps (SLA escalation, every minute by default) run in threads beside the
task loop; `--batch` runs each sweep once and the waiting tasks, its heartbeat
going on meanwhile, then exits. Every thread outlasts the database going away for
a while (lib/outage.py), and the worker's heartbeat tells staff pages and
/health/ that it runs.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils.crypto import get_random_string
from django_tasks_db.compat import DEFAULT_TASK_BACKEND_ALIAS
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand
from django_tasks_db.management.commands.db_worker import valid_interval, valid_max_tasks

from vocloop.cases.escalation import escalation_sweep_report
from vocloop.conductor.reading import unread_sweep
from vocloop.improvement.readiness import action_checks_sweep
from vocloop.insights.tasks import nightly
from vocloop.lib.words import counted
from vocloop.metrics.rollups import rollup_deadlines_passed
from vocloop.notifications.delivery import deliver_all_due
from vocloop.notifications.digest import digest_enqueue
from vocloop.retention.nightly import purge_if_due
from vocloop.server.heartbeat import Heartbeat
from vocloop.server.periodic import Job, Periodic
from vocloop.server.taskloop import TaskLoop

DELIVERY_BATCH = 50


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
            "--sweep-interval",
            type=valid_interval,
            default=60.0,
            help="Seconds between SLA sweeps: escalations, and deadlines passed counted as "
            "missed (default: %(default)s).",
        )
        parser.add_argument(
            "--deliver-interval",
            type=valid_interval,
            default=5.0,
            help="Seconds between deliveries of queued emails and webhooks (default: %(default)s).",
        )
        parser.add_argument(
            "--tasks-only",
            action="store_true",
            help="Run queued tasks only, without the periodic sweeps and deliveries "
            "(another worker runs those).",
        )
        parser.add_argument(
            "--max-tasks",
            type=valid_max_tasks,
            default=None,
            help="Exit after running this many tasks (a supervisor restarts the worker).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        worker_id = get_random_string(32)
        heartbeat = Heartbeat(worker_id=worker_id)
        threads = [
            Periodic([job], report=lambda line: self.stdout.write(f"vocloop worker: {line}"))
            for job in periodic_jobs(heartbeat, options)
        ]
        if options["batch"]:
            for thread in threads:
                thread.run_due()
            # The heartbeat goes on while the tasks run: a long one must not look like
            # the task of a stopped worker, which another worker would run again.
            threads = threads[:1]
        for thread in threads:
            thread.start()
        try:
            self._run_tasks(options, heartbeat)
        finally:
            for thread in threads:
                thread.stop()
        self.stdout.write("vocloop worker stopped.")

    def _run_tasks(self, options: dict[str, Any], heartbeat: Heartbeat) -> None:
        queues = options["queue_name"]
        if options["batch"]:
            plan = "running the tasks waiting now, then exiting"
        else:
            plan = f"checking every {options['interval']:g} s (Ctrl+C to stop)"
        if options["max_tasks"]:
            plan += f", at most {options['max_tasks']} tasks"
        backend = "Redis" if settings.TASKS_REDIS_URL else "the database"
        periodic = (
            "no periodic work"
            if options["tasks_only"]
            else f"SLA sweep every {options['sweep_interval']:g} s, "
            f"notifications every {options['deliver_interval']:g} s"
        )
        self.stdout.write(f"vocloop worker: queue {queues} in {backend}; {plan}; {periodic}.")
        self.stdout.flush()
        if settings.TASKS_REDIS_URL:
            call_command(
                "rqworker",
                *queues.split(","),
                burst=options["batch"],
                max_jobs=options["max_tasks"],
                # django-tasks-rq's job runs the Django task the queue entry names
                job_class="django_tasks_rq.backend.Job",
                verbosity=options["verbosity"],
            )
            return
        # django_tasks_db's worker, with its log and its verbosity, in a loop that
        # waits for the database when it is away instead of stopping (taskloop.py).
        DbWorkerCommand().configure_logging(options["verbosity"])
        loop = TaskLoop(
            heartbeat=heartbeat,
            queue_names=queues.split(","),
            interval=options["interval"],
            batch=options["batch"],
            backend_name=DEFAULT_TASK_BACKEND_ALIAS,
            startup_delay=not options["batch"],
            max_tasks=options["max_tasks"],
            worker_id=heartbeat.worker_id,
            excluded_queue_names=[],
        )
        loop.configure_signals()
        loop.run()


def _deliver() -> str:
    sent = deliver_all_due(batch=DELIVERY_BATCH)
    return f"sent {counted(sent, 'message')}" if sent else ""


def _digest() -> str:
    return digest_enqueue().said()


def periodic_jobs(heartbeat: Heartbeat, options: dict[str, Any]) -> list[Job]:
    """The heartbeat first; each job in a thread of its own, so that none stops another."""
    jobs = [Job("heartbeat", heartbeat.every, heartbeat.beat)]
    if options["tasks_only"]:
        return jobs
    return [
        *jobs,
        Job("escalation sweep", options["sweep_interval"], _sweep),
        # Apart from escalation: a deadline passed unmet counts in SLA compliance even
        # where there is nobody to escalate to, and even while escalating fails.
        Job("deadlines passed", options["sweep_interval"], _deadlines_passed),
        Job("notifications", options["deliver_interval"], _deliver),
        # The digest is one per person per day whenever it runs: hourly is plenty.
        Job("daily digest", 3600, _digest),
        Job("comments left unread", 60, unread_sweep),
        # Trains each model at most once a day, and only with something new to learn.
        Job("learned models and originals", 3600, nightly),
        # A check concludes on the day its planned sample is complete: hourly is plenty.
        Job("improvement checks", 3600, _checks),
        # Once a night, at the first turn after 02:00 (retention/nightly.py).
        Job("retention purge", 3600, purge_if_due),
    ]


def _checks() -> str:
    told = action_checks_sweep()
    return f"told the owners of {counted(told, 'concluded check')}" if told else ""


def _sweep() -> str:
    report = escalation_sweep_report()
    emailed = report.escalated - report.without_email
    said = [f"escalated {counted(emailed, 'breached deadline')}"] if emailed else []
    if report.without_email:
        hours = settings.ESCALATION_EMAIL_WITHIN.total_seconds() / 3600
        said.append(
            f"recorded {counted(report.without_email, 'escalation')} of "
            f"{'a breach' if report.without_email == 1 else 'breaches'} older than "
            f"{hours:g} h without email"
        )
    return "; ".join(said)


def _deadlines_passed() -> str:
    missed = rollup_deadlines_passed()
    return f"counted {counted(missed, 'case')} past a deadline in SLA compliance" if missed else ""
