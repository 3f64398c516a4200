"""`vocloop themes`: read comments in bulk, discover themes, train and roll back the theme model."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count
from tqdm import tqdm

from vocloop.insights import learning
from vocloop.insights.bulk import comments_read_bulk
from vocloop.insights.models import Theme
from vocloop.insights.services import DISCOVER_DAYS, DISCOVER_LIMIT, themes_discover
from vocloop.lib.arguments import days_back, positive_int
from vocloop.lib.bars import progress_bars


class Command(BaseCommand):
    help = (
        "Themes of customer comments: list, read (in bulk, after an import), discover, "
        "train, rollback."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("list", help="The taxonomy, with how many comments each theme has.")
        read = actions.add_parser(
            "read",
            help="Read every comment not read yet: sentiment, themes, similar comments "
            "(after an import; the worker reads new comments as they arrive).",
        )
        read.add_argument(
            "--again",
            action="store_true",
            help="Read every comment's themes and sentiment again (after changing the "
            "taxonomy); staff corrections stay.",
        )
        read.add_argument("--no-progress", action="store_true", help="No progress bar on stderr.")
        discover = actions.add_parser(
            "discover", help="Propose new themes from recent comments no theme covers."
        )
        discover.add_argument(
            "--days",
            type=days_back,
            default=DISCOVER_DAYS,
            help=f"Comments of the last N days (default {DISCOVER_DAYS}; 0: all, imported "
            "history too).",
        )
        discover.add_argument(
            "--limit",
            type=positive_int,
            default=DISCOVER_LIMIT,
            help=f"At most this many uncovered comments, the latest (default {DISCOVER_LIMIT}).",
        )
        actions.add_parser(
            "train",
            help="Train the theme model on the corrections; on the held-out corrections it "
            "must beat the phrase rules alone, or do at least as well as the version in use.",
        )
        actions.add_parser("rollback", help="Stop using the current model version.")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "list":
            self._list()
        elif action == "read":
            result = comments_read_bulk(
                again=options["again"], progress=progress_bars(not options["no_progress"], tqdm)
            )
            rate = result.comments / result.seconds if result.seconds else 0.0
            self.stdout.write(
                f"Read {result.comments:,} comments in {result.seconds:.1f} s "
                f"({rate:,.0f} a second): {result.themes:,} themes given"
                + ("." if options["again"] else f", {result.groups:,} new similar groups.")
            )
        elif action == "discover":
            found = themes_discover(days=options["days"], limit=options["limit"])
            if not found:
                self.stdout.write("No group of uncovered comments is large and coherent enough.")
            for proposal in found:
                self.stdout.write(
                    f"{proposal.size:6,} comments: {', '.join(proposal.terms)}  "
                    f"(decide at /staff/insights/proposals/{proposal.pk}/)"
                )
        elif action == "train":
            try:
                model = learning.model_train()
            except learning.NotEnoughCorrections as reason:
                raise CommandError(str(reason)) from None
            self.stdout.write(
                f"Version {model.version}: {model.get_status_display()}. F1 on "
                f"{model.corrections_held_out} held-out corrections: {model.f1:.3f} with it, "
                f"{model.f1_before:.3f} with what was in use. {model.note}"
            )
        elif action == "rollback":
            try:
                previous = learning.model_rollback()
            except ValueError as reason:
                raise CommandError(str(reason)) from None
            self.stdout.write(
                f"Now using version {previous.version}."
                if previous
                else "Now using the phrase rules alone."
            )

    def _list(self) -> None:
        themes = Theme.objects.annotate(n=Count("comments")).select_related("parent")
        if not themes:
            self.stdout.write("No themes yet: name them at /staff/insights/ or run discover.")
        for theme in themes.order_by("parent__name", "name"):
            parent = f"{theme.parent.name} › " if theme.parent else ""
            state = "" if theme.active else " (not in use)"
            self.stdout.write(
                f"{theme.n:8,}  {parent}{theme.name}{state}  [{theme.get_dimension_display()}; "
                f"{theme.get_want_display()}]"
            )
