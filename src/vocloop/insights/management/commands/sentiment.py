"""`vocloop sentiment`: train and roll back the sentiment model; list the sentiment words."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from vocloop.insights import sentiment_learning as learning
from vocloop.insights.in_use import vocabulary_current
from vocloop.insights.models import SentimentModel
from vocloop.insights.vocabulary import default_rows


def _share(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f} %"


class Command(BaseCommand):
    help = "Sentiment of customer comments: train, rollback, words."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser(
            "train",
            help="Train the sentiment model on corrections and scored comments; on the held-out "
            "ones it must read better than the lexicon alone, and no worse than the version "
            "in use.",
        )
        actions.add_parser("rollback", help="Stop using the current sentiment model version.")
        actions.add_parser(
            "words", help="The sentiment vocabulary in use: names, words, vocloop's adjustments."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "train":
            try:
                model = learning.sentiment_model_train()
            except learning.NotEnoughCorrections as reason:
                raise CommandError(str(reason)) from None
            self.stdout.write(_trained(model))
        elif action == "rollback":
            try:
                previous = learning.sentiment_model_rollback()
            except ValueError as reason:
                raise CommandError(str(reason)) from None
            self.stdout.write(
                f"Now using sentiment version {previous.version}."
                if previous
                else "Now using the lexicon alone."
            )
        else:
            self._words()

    def _words(self) -> None:
        vocabulary = vocabulary_current()
        self.stdout.write("Names with no sentiment: " + (", ".join(vocabulary.names) or "none"))
        words = [f"{w} ({'none' if v is None else f'{v:+g}'})" for w, v in vocabulary.words]
        self.stdout.write("Words with their sentiment here: " + (", ".join(words) or "none"))
        self.stdout.write("vocloop's adjustments (off: VADER's own valence holds):")
        groups: dict[str, list[str]] = {}
        for row in default_rows():
            valence = row.adjustment.valence
            state = "none" if valence is None else f"{valence:+g}"
            if row.overridden:
                state += ", overridden"
            elif row.off:
                state += ", off"
            groups.setdefault(row.reason, []).append(f"{row.adjustment.word} ({state})")
        for reason, found in groups.items():
            self.stdout.write(f"  {reason}: {', '.join(found)}")


def _trained(model: SentimentModel) -> str:
    lines = [f"Sentiment version {model.version}: {model.get_status_display()}. {model.note}"]
    for part, n, right, before, lexicon in (
        (
            "held-out corrections",
            model.corrections_held_out,
            model.corrections_right,
            model.corrections_right_before,
            model.corrections_right_lexicon,
        ),
        (
            "held-out scored comments",
            model.scored_held_out,
            model.scored_right,
            model.scored_right_before,
            model.scored_right_lexicon,
        ),
    ):
        if right is None:
            lines.append(f"  {part}: {n}, too few to judge on.")
        else:
            lines.append(
                f"  {part}: {n}, read right {_share(right)} with it, {_share(before)} with "
                f"what was in use, {_share(lexicon)} with the lexicon alone."
            )
    return "\n".join(lines)
