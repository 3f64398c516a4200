"""`vocloop rollups rebuild`: recompute the dashboards' rollups from the raw feedback and cases."""

from __future__ import annotations

import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from tqdm import tqdm

from vocloop.lib.bars import progress_bars
from vocloop.metrics.rollups import rollups_rebuild


class Command(BaseCommand):
    help = "Rebuild the per-day rollups behind every dashboard figure (rebuild)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        rebuild = actions.add_parser(
            "rebuild",
            help="Recompute every rollup from the raw tables, in one transaction "
            "(after an import or a restore; they are otherwise kept up to date).",
        )
        rebuild.add_argument(
            "--no-progress", action="store_true", help="No progress bar on stderr."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        began = time.monotonic()
        result = rollups_rebuild(progress=progress_bars(not options["no_progress"], tqdm))
        self.stdout.write(
            f"Rebuilt rollups from {result.feedback:,} feedback, {result.cases:,} cases and "
            f"{result.events:,} verdicts and reopenings: {result.feedback_rows:,} feedback rows, "
            f"{result.case_rows:,} case rows in {time.monotonic() - began:.1f} s."
        )
