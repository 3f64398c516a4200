"""`vocloop notifications deliver|digest`: send the outbox, queue the daily digest."""

from __future__ import annotations

import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from vocloop.lib.words import counted
from vocloop.notifications.delivery import deliver_batch
from vocloop.notifications.digest import DigestRun, digest_enqueue


class Command(BaseCommand):
    help = "Send queued notifications (deliver) or queue today's digest for staff (digest)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        deliver = actions.add_parser(
            "deliver", help="Send due emails and webhook calls; keeps running unless --once."
        )
        deliver.add_argument(
            "--once", action="store_true", help="Send what is due now, then exit (for cron)."
        )
        deliver.add_argument(
            "--interval",
            type=float,
            default=5.0,
            help="Seconds to wait when nothing is due (default: %(default)s).",
        )
        deliver.add_argument(
            "--batch", type=int, default=50, help="Messages claimed at a time (default: 50)."
        )
        actions.add_parser(
            "digest",
            help="Queue today's digest of due and breached cases for each member of staff "
            "(run daily; a second run the same day queues nothing).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "digest":
            self.stdout.write(_digest_said(digest_enqueue()))
            return
        if options["interval"] <= 0 or options["batch"] < 1:
            raise CommandError("--interval must be positive and --batch at least 1.")
        self._deliver(once=options["once"], interval=options["interval"], batch=options["batch"])

    def _deliver(self, *, once: bool, interval: float, batch: int) -> None:
        if not once:
            self.stdout.write(f"Delivering notifications every {interval:g} s (Ctrl+C to stop).")
            self.stdout.flush()
        total = 0
        try:
            while True:
                claimed, sent = deliver_batch(batch=batch)
                total += sent
                if claimed == batch:
                    continue  # more may be waiting
                if once:
                    break
                time.sleep(interval)
        except KeyboardInterrupt:
            pass
        self.stdout.write(f"Sent {counted(total, 'notification')}.")


def _digest_said(run: DigestRun) -> str:
    earlier = f"{counted(run.earlier, 'daily digest')} already queued today"
    if run.queued:
        also = f" ({earlier})" if run.earlier else ""
        return f"Queued {counted(run.queued, 'daily digest')}{also}; `deliver` sends them."
    if run.earlier:
        return f"No new daily digest: {earlier}."
    return "No daily digest to queue: nobody's teams have a case due within a day or breached."
