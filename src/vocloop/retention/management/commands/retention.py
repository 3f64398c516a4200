"""`vocloop retention purge [--dry-run]`: empty or delete what is past its retention now."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from vocloop.retention.purge import SAID, related_said, retention_purge


class Command(BaseCommand):
    help = (
        "Empty or delete what is past its retention (the settings area's Retention): "
        "what the worker does every night."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        purge = actions.add_parser(
            "purge",
            help="Empty the texts and delete the records past their retention; every figure "
            "stays as it was.",
        )
        purge.add_argument(
            "--dry-run",
            action="store_true",
            help="Count what would be emptied or deleted, and change nothing.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run = options["dry_run"]
        summary = retention_purge(now=timezone.now(), dry_run=dry_run)
        self.stdout.write(
            "Past their retention now (a dry run: nothing was changed):"
            if dry_run
            else "Emptied or deleted, past their retention:"
        )
        width = max(len(many) for _, many in SAID.values())
        for kind, count in summary.counts.items():
            self.stdout.write(f"  {SAID[kind][1]:<{width}}  {count:>9,}")
        if summary.related:
            self.stdout.write(f"With them: {related_said(summary.related)}.")
