"""`vocloop serve`: the production web server (waitress), static files included."""

from __future__ import annotations

import signal
import sys
from argparse import ArgumentParser
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from vocloop.lib.arguments import positive_int


class Command(BaseCommand):
    help = "Serve vocloop with waitress, a production WSGI server. Static files are included."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--host",
            default="127.0.0.1",
            help="Address to listen on; 0.0.0.0 for every interface (default: %(default)s).",
        )
        parser.add_argument("--port", type=int, default=8000, help="Default: %(default)s.")
        parser.add_argument(
            "--threads",
            type=positive_int,
            default=8,
            help="Requests handled at once (default: %(default)s).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from waitress.server import create_server

        from vocloop.wsgi import application

        self.check_migrations()
        try:
            server = create_server(
                application,
                host=options["host"],
                port=options["port"],
                threads=options["threads"],
                ident="vocloop",
            )
        except OSError as exc:
            raise CommandError(
                f"Cannot listen on {options['host']}:{options['port']}: {exc.strerror or exc}"
            ) from None
        # The port actually bound: --port 0 asks the system for a free one.
        host, port = server.effective_host, server.effective_port
        shown = f"[{host}]" if ":" in str(host) else host
        self.stdout.write(
            self.style.SUCCESS(f"vocloop is serving at http://{shown}:{port}/")
            + f" with {options['threads']} threads (Ctrl+C to stop)."
        )
        if settings.BASE_URL.rstrip("/") != f"http://{shown}:{port}":
            self.stdout.write(f"Links in messages to customers use {settings.BASE_URL}/.")
        self.stdout.flush()

        def stop(signum: int, frame: FrameType | None) -> None:
            raise SystemExit(0)

        # waitress shuts down cleanly on SystemExit; SIGTERM is how services are stopped.
        signal.signal(signal.SIGTERM, stop)
        server.run()
        self.stdout.write("vocloop stopped.")
        sys.stdout.flush()
