"""`vocloop evaluate text|sentiment FILE`: how well the text analytics do on labelled data.

Reads a CSV file, never the database: anyone can check the figures vocloop claims on
their own labelled feedback before trusting them.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from vocloop.text.evaluation import (
    EvaluationError,
    evaluate_text,
    keep_frequent_labels,
    read_labelled_csv,
    text_report,
    text_report_json,
)
from vocloop.text.sentiment_evaluation import (
    evaluate_learning,
    evaluate_sentiment,
    learning_report,
    learning_report_json,
    sentiment_report,
    sentiment_report_json,
)


def _test_size(value: str) -> float:
    try:
        share = float(value)
    except ValueError:
        share = -1.0
    if not 0 < share < 1:
        raise argparse.ArgumentTypeError(f"must be a share between 0 and 1, like 0.3, not {value}")
    return share


def _min_count(value: str) -> int:
    # A stratified split needs at least two texts of every label.
    if not value.isdigit() or int(value) < 2:
        raise argparse.ArgumentTypeError(f"must be a whole number of 2 or more, not {value}")
    return int(value)


class Command(BaseCommand):
    help = (
        "Measure vocloop's text analytics on a labelled CSV file: the learned classifier "
        "against a TF-IDF + linear SVM baseline, or sentiment against plain VADER."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        kinds = parser.add_subparsers(dest="kind", required=True, metavar="KIND")
        text = kinds.add_parser(
            "text",
            help="Train on a stratified split and test on the rest: accuracy, macro-F1, "
            "confusion table, for vocloop's model and the baseline.",
        )
        sentiment = kinds.add_parser(
            "sentiment",
            help="Accuracy and macro-F1 of vocloop's sentiment, of plain VADER and of the "
            "commonest label, against a yes/no label or a negative/neutral/positive one "
            "(nothing is trained, unless --learn).",
        )
        for sub in (text, sentiment):
            sub.add_argument("file", type=Path, metavar="FILE", help="A CSV file with a header.")
            sub.add_argument("--text-column", required=True, metavar="C")
            sub.add_argument("--label-column", required=True, metavar="L")
            sub.add_argument("--json", action="store_true", help="Machine-readable output.")
        text.add_argument(
            "--min-count",
            type=_min_count,
            default=25,
            help="Keep only labels with at least this many texts (default 25).",
        )
        sentiment.add_argument(
            "--learn",
            action="store_true",
            help="Also train vocloop's sentiment model on a stratified split per seed and "
            "test it on the rest: the lexicon alone, the blend vocloop uses, the model alone.",
        )
        for sub in (text, sentiment):
            sub.add_argument(
                "--test-size",
                type=_test_size,
                default=0.3,
                help="Share of the texts held out for testing (default 0.3).",
            )
            sub.add_argument(
                "--seeds",
                type=int,
                nargs="+",
                default=[0, 1, 2],
                metavar="SEED",
                help="One split per seed; the report gives each and the mean (default 0 1 2).",
            )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            source = read_labelled_csv(
                options["file"], options["text_column"], options["label_column"]
            )
            if options["kind"] == "text":
                frequent = keep_frequent_labels(source, options["min_count"])
                evaluation = evaluate_text(
                    frequent.texts,
                    frequent.labels,
                    test_size=options["test_size"],
                    seeds=list(dict.fromkeys(options["seeds"])),
                )
                if options["json"]:
                    self._json(text_report_json(source, frequent, evaluation))
                else:
                    self.stdout.write(
                        text_report(
                            source,
                            frequent,
                            evaluation,
                            min_count=options["min_count"],
                            test_size=options["test_size"],
                        )
                    )
            else:
                if not source.texts:
                    raise EvaluationError("No row has both a text and a label.")
                result = evaluate_sentiment(source.texts, source.labels)
                learned = (
                    evaluate_learning(
                        source.texts,
                        source.labels,
                        test_size=options["test_size"],
                        seeds=list(dict.fromkeys(options["seeds"])),
                    )
                    if options["learn"]
                    else None
                )
                if options["json"]:
                    report = sentiment_report_json(source, result)
                    if learned is not None:
                        report["learning"] = learning_report_json(learned)
                    self._json(report)
                else:
                    self.stdout.write(sentiment_report(source, result))
                    if learned is not None:
                        self.stdout.write(learning_report(learned, test_size=options["test_size"]))
        except EvaluationError as exc:
            raise CommandError(str(exc)) from exc

    def _json(self, data: dict[str, object]) -> None:
        self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))
