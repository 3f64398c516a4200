"""`vocloop demo`: load a realistic organisation with a year of feedback, then serve it."""

from __future__ import annotations

import os
import subprocess
import sys
from argparse import ArgumentParser
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import override_settings
from tqdm import tqdm

from vocloop.demo import loader
from vocloop.lib.arguments import positive_int
from vocloop.lib.bars import progress_bars
from vocloop.lib.words import counted


@contextmanager
def links_to(base: str) -> Iterator[None]:
    """BASE_URL here and in the worker started from here; as it was afterwards."""
    before = os.environ.get("VOCLOOP_BASE_URL")
    os.environ["VOCLOOP_BASE_URL"] = base
    try:
        with override_settings(BASE_URL=base):
            yield
    finally:
        if before is None:
            del os.environ["VOCLOOP_BASE_URL"]
        else:
            os.environ["VOCLOOP_BASE_URL"] = before


class Command(BaseCommand):
    help = (
        "Load a demo organisation (teams, touch points, surveys, customers and a year of "
        "feedback and cases) into the configured database, then serve vocloop."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--responses",
            type=positive_int,
            default=loader.DEFAULT_RESPONSES,
            help="Survey answers and complaints to generate over the last 12 months "
            "(default: %(default)s).",
        )
        parser.add_argument(
            "--customers",
            type=positive_int,
            default=None,
            help="Customers to create (default: 2,000, or one per ten responses if more).",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=loader.DEFAULT_SEED,
            help="The same seed gives the same organisation and feedback (default: %(default)s).",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Wipe vocloop's data (and the demo's staff accounts) first.",
        )
        parser.add_argument(
            "--no-serve", action="store_true", help="Load the data and stop; do not serve."
        )
        parser.add_argument("--host", default="127.0.0.1", help="Default: %(default)s.")
        parser.add_argument("--port", type=int, default=8000, help="Default: %(default)s.")
        parser.add_argument("--threads", type=positive_int, default=8, help="Default: %(default)s.")
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="Serve without starting `vocloop worker` beside the server.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        base = self.base_url(options["host"], options["port"])
        # Links in the demo's emails (written as it loads, sent by the worker) and on its
        # pages lead where this command serves, whatever port it was given.
        with links_to(base):
            self.load_and_serve(base, options)

    def load_and_serve(self, base: str, options: dict[str, Any]) -> None:
        self.migrate_if_needed()
        if options["reset"]:
            loader.demo_reset()
            self.stdout.write("Wiped vocloop's data and the demo's staff accounts.")
        if loader.demo_is_loaded():
            self.stdout.write(
                self.style.WARNING(
                    "The database already holds touch points, so the demo is not loaded again. "
                    "Run `vocloop demo --reset` to wipe vocloop's data and load it afresh."
                )
            )
        else:
            self.stdout.write(
                f"Loading the demo: {counted(options['responses'], 'response')} over 12 months "
                f"(seed {options['seed']}) into {connection.vendor}…"
            )
            result = loader.demo_load(
                responses=options["responses"],
                seed=options["seed"],
                customers=options["customers"],
                progress=progress_bars(options["verbosity"] > 0, tqdm),
            )
            self.stdout.write(
                self.style.SUCCESS(
                    f"Loaded {counted(result.responses, 'response')} from "
                    f"{counted(result.customers, 'customer')}, {counted(result.cases, 'case')} "
                    f"with {counted(result.events, 'timeline entry', 'timeline entries')} "
                    f"in {result.seconds:.1f} s."
                )
            )
        self.print_summary(base)
        if not options["no_serve"]:
            worker = None if options["no_worker"] else self.start_worker()
            try:
                call_command(
                    "serve", host=options["host"], port=options["port"], threads=options["threads"]
                )
            finally:
                if worker is not None:
                    worker.terminate()
                    worker.wait(timeout=30)

    def start_worker(self) -> subprocess.Popen[bytes]:
        """`vocloop worker` beside the server, as in production; stopped with the server."""
        log = Path(settings.DATA_DIR) / "worker.log"
        with log.open("ab") as out:
            worker = subprocess.Popen(
                [sys.executable, "-m", "vocloop", "worker"], stdout=out, stderr=subprocess.STDOUT
            )
        self.stdout.write(f"  The worker (SLA escalations, notifications) runs beside it: {log}")
        return worker

    def migrate_if_needed(self) -> None:
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            self.stdout.write("Applying database migrations…")
            call_command("migrate", interactive=False, verbosity=0)

    @staticmethod
    def base_url(host: str, port: int) -> str:
        # An explicit VOCLOOP_BASE_URL (behind a proxy, say) is where visitors go;
        # otherwise it is wherever this command is about to serve.
        if os.environ.get("VOCLOOP_BASE_URL", "").strip():
            return str(settings.BASE_URL)
        shown = "127.0.0.1" if host in {"", "0.0.0.0", "::"} else host
        if ":" in shown:
            shown = f"[{shown}]"
        return f"http://{shown}:{port}"

    def print_summary(self, base: str) -> None:
        summary = loader.demo_summary()
        out = self.stdout.write
        bold = self.style.HTTP_INFO
        out("")
        out(bold(f"vocloop demo — {base}/"))
        if summary.logins:
            out(
                f"\n  Staff sign-in at {base}/login/ — every demo account's password: "
                f"{summary.password}"
            )
            width = max(len(login.username) for login in summary.logins)
            for login in summary.logins:
                out(f"    {login.username:<{width}}  {login.name} — {login.role}")
            if any(login.username == "manager" for login in summary.logins):
                out(f"    (the manager can also use the admin at {base}/admin/)")
        if summary.improvement_paths:
            out("\n  The improvement programme, once signed in:")
            for label, path in summary.improvement_paths.items():
                out(f"    {label}: {base}{path}")
        out("\n  What customers see, without signing in:")
        if summary.tracking_path:
            out(f"    Tracking page of case {summary.tracking_reference}:")
            out(f"      {base}{summary.tracking_path}")
        if summary.survey_path:
            out(f"    Survey “{summary.survey_name}”:")
            out(f"      {base}{summary.survey_path}")
        out("    Feedback form:")
        out(f"      {base}{summary.feedback_path}")
        mail_dir = getattr(settings, "EMAIL_FILE_PATH", None)
        if mail_dir:
            out("\n  Emails to customers and staff are not sent but written, one .eml file each,")
            out(f"  to {mail_dir} (VOCLOOP_EMAIL_URL=smtp://… sends them for real).")
        out("")
        host = urlsplit(base).hostname
        if host not in settings.ALLOWED_HOSTS:
            out(self.style.WARNING(f"  Add {host} to VOCLOOP_ALLOWED_HOSTS to open these links."))
