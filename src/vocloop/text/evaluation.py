"""How well vocloop's text analytics do on a labelled CSV, beside a plain baseline.

`vocloop evaluate` is the command; this is the part without Django: reading the file,
keeping the labels with enough examples, splitting, scoring, and writing the report.

Text classification: vocloop's `TextModel` and a baseline (word 1–2-gram TF-IDF and a
linear SVM with balanced class weights) are trained on the same stratified split and
tested on the rest, for each seed; accuracy and macro-F1 (every label counts the same,
so rare themes matter as much as common ones) per seed and their mean.

Sentiment is measured in `sentiment_evaluation`.
"""

from __future__ import annotations

import csv
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.svm import LinearSVC

from vocloop.lib.csvfiles import csv_opened
from vocloop.lib.words import counted
from vocloop.text.classifier import TextModel

BASELINE = "word 1–2-gram TF-IDF + linear SVM (balanced class weights)"
MODELS = ("vocloop", "baseline")


class EvaluationError(ValueError):
    """The input cannot be evaluated; the message says why, for the person who gave it."""


@dataclass(frozen=True)
class LabelledTexts:
    texts: list[str]
    labels: list[str]
    rows_read: int
    empty_texts: int  # rows skipped: nothing to learn from
    empty_labels: int  # rows with a text but no label, skipped too


def read_labelled_csv(path: Path, text_column: str, label_column: str) -> LabelledTexts:
    """The non-empty texts of a CSV file and their labels (quoted fields may span lines)."""
    texts: list[str] = []
    labels: list[str] = []
    rows = empty_texts = empty_labels = 0
    with csv_opened(path, EvaluationError) as handle:
        # Strict: a quote left open would otherwise swallow the rest of the file.
        reader = csv.DictReader(handle, strict=True)
        header = reader.fieldnames
        if not header:
            raise EvaluationError(f"{path} is empty: it has no header row.")
        for column in (text_column, label_column):
            if column not in header:
                available = ", ".join(f'"{name}"' for name in header)
                raise EvaluationError(
                    f'{path} has no column "{column}". Its columns are: {available}.'
                )
        for row in reader:
            rows += 1
            text = (row.get(text_column) or "").strip()
            label = (row.get(label_column) or "").strip()
            if not text:
                empty_texts += 1
            elif not label:
                empty_labels += 1
            else:
                texts.append(text)
                labels.append(label)
    return LabelledTexts(texts, labels, rows, empty_texts, empty_labels)


@dataclass(frozen=True)
class FrequentLabels:
    texts: list[str]
    labels: list[str]
    kept: dict[str, int]  # label → texts, most frequent first
    dropped: dict[str, int]


def keep_frequent_labels(data: LabelledTexts, min_count: int) -> FrequentLabels:
    """Only the labels with at least `min_count` texts: too few cannot be learnt or tested."""
    counts = Counter(data.labels)
    kept = {lb: n for lb, n in counts.most_common() if n >= min_count}
    dropped = {lb: n for lb, n in counts.most_common() if n < min_count}
    if len(kept) < 2:
        raise EvaluationError(
            f"Only {counted(len(kept), 'label')} {'has' if len(kept) == 1 else 'have'} at "
            f"least {min_count} texts: two or more are "
            f"needed to classify. Labels found: {_counted(counts) or 'none'}."
        )
    rows = [i for i, lb in enumerate(data.labels) if lb in kept]
    return FrequentLabels(
        [data.texts[i] for i in rows], [data.labels[i] for i in rows], kept, dropped
    )


@dataclass(frozen=True)
class Scores:
    accuracy: float
    macro_f1: float
    per_label_f1: dict[str, float]
    confusion: list[list[int]]  # rows: true label, columns: predicted, in `labels` order


def score(true: Sequence[str], predicted: Sequence[str], labels: Sequence[str]) -> Scores:
    per_label = f1_score(true, predicted, labels=list(labels), average=None, zero_division=0)
    return Scores(
        accuracy=float(accuracy_score(true, predicted)),
        macro_f1=float(np.mean(per_label)),
        per_label_f1={lb: float(f) for lb, f in zip(labels, per_label, strict=True)},
        confusion=confusion_matrix(true, predicted, labels=list(labels)).tolist(),
    )


def baseline_model(seed: int) -> Pipeline:
    return make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2)),
        LinearSVC(class_weight="balanced", random_state=seed),
    )


@dataclass(frozen=True)
class SeedResult:
    seed: int
    train_size: int
    test_size: int
    scores: dict[str, Scores]  # by model: "vocloop", "baseline"


@dataclass(frozen=True)
class TextEvaluation:
    labels: tuple[str, ...]
    results: list[SeedResult]

    def mean(self, model: str, measure: str) -> float:
        return statistics.fmean(getattr(r.scores[model], measure) for r in self.results)


def evaluate_text(
    texts: Sequence[str], labels: Sequence[str], *, test_size: float, seeds: Sequence[int]
) -> TextEvaluation:
    """Train both models on a stratified split per seed and score them on the rest."""
    order = tuple(lb for lb, _ in Counter(labels).most_common())
    results = []
    for seed in seeds:
        try:
            train, test = train_test_split(
                np.arange(len(texts)), test_size=test_size, stratify=labels, random_state=seed
            )
        except ValueError as exc:
            raise EvaluationError(f"Cannot split the texts for testing: {exc}") from exc
        train_texts, test_texts = [texts[i] for i in train], [texts[i] for i in test]
        train_labels, test_labels = [labels[i] for i in train], [labels[i] for i in test]
        try:
            model = TextModel.fit(train_texts, train_labels, seed=seed)
            baseline = baseline_model(seed).fit(train_texts, train_labels)
        except ValueError as exc:  # too few texts, or no words in common
            hint = (
                " A larger file, or a higher --min-count, gives each label enough examples."
                if str(exc).startswith("Too few examples: at least")
                else ""
            )
            raise EvaluationError(
                f"Cannot learn from the {len(train)} training texts of seed {seed}: {exc}{hint}"
            ) from exc
        predictions = {
            "vocloop": model.predict(test_texts),
            "baseline": [str(p) for p in baseline.predict(test_texts)],
        }
        results.append(
            SeedResult(
                seed,
                len(train),
                len(test),
                {name: score(test_labels, p, order) for name, p in predictions.items()},
            )
        )
    return TextEvaluation(order, results)


def abbreviations(labels: Sequence[str], width: int = 8) -> dict[str, str]:
    """A short, distinct name per label for table headings ("Checking or savings…" → "CSA")."""
    short: dict[str, str] = {}
    for label in labels:
        if len(label) <= width:
            name = label
        else:
            words = [w for w in label.replace(",", " ").split() if w.lower() not in _SMALL_WORDS]
            name = "".join(w[0].upper() for w in words[:4]) or label[:width]
        candidate, n = name, 1
        while candidate in short.values():
            n += 1
            candidate = f"{name}{n}"
        short[label] = candidate
    return short


_SMALL_WORDS = frozenset(
    ["a", "an", "and", "as", "at", "by", "for", "in", "of", "on", "or", "the", "to", "with"]
)


def confusion_table(labels: Sequence[str], confusion: list[list[int]]) -> list[str]:
    """Rows true, columns predicted, under short names; the legend follows the table."""
    short = abbreviations(labels)
    names = [short[lb] for lb in labels]
    first = max(len("true \\ predicted"), *(len(n) for n in names))
    width = max(4, *(len(n) for n in names), *(len(str(c)) for row in confusion for c in row))
    lines = ["true \\ predicted".ljust(first) + "".join(n.rjust(width + 1) for n in names)]
    for name, row in zip(names, confusion, strict=True):
        lines.append(name.ljust(first) + "".join(str(c).rjust(width + 1) for c in row))
    return lines


def text_report(
    source: LabelledTexts,
    frequent: FrequentLabels,
    evaluation: TextEvaluation,
    *,
    min_count: int,
    test_size: float,
) -> str:
    lines = [rows_line(source)]
    lines.append(
        f"Kept {len(frequent.texts):,} texts in {len(frequent.kept)} labels with at least "
        f"{min_count} texts each."
    )
    if frequent.dropped:
        lines.append(
            f"Dropped {len(frequent.dropped)} labels with fewer "
            f"({sum(frequent.dropped.values()):,} texts): {_counted(frequent.dropped)}."
        )
    first = evaluation.results[0]
    lines += [
        f"Split: {round((1 - test_size) * 100)}/{round(test_size * 100)} stratified, "
        f"{first.train_size:,} texts to train and {first.test_size:,} to test, "
        f"seeds {', '.join(str(r.seed) for r in evaluation.results)}.",
        f"Baseline: {BASELINE}.",
        "",
        "seed   macro-F1 vocloop  baseline   accuracy vocloop  baseline",
    ]
    for r in evaluation.results:
        v, b = r.scores["vocloop"], r.scores["baseline"]
        lines.append(
            f"{r.seed:<6} {v.macro_f1:>16.3f} {b.macro_f1:>9.3f} "
            f"{v.accuracy:>18.3f} {b.accuracy:>9.3f}"
        )
    lines.append(
        f"{'mean':<6} {evaluation.mean('vocloop', 'macro_f1'):>16.3f} "
        f"{evaluation.mean('baseline', 'macro_f1'):>9.3f} "
        f"{evaluation.mean('vocloop', 'accuracy'):>18.3f} "
        f"{evaluation.mean('baseline', 'accuracy'):>9.3f}"
    )
    vocloop = first.scores["vocloop"]
    lines += [
        "",
        f"Confusion table, vocloop, seed {first.seed} (rows: true label, columns: predicted):",
        *confusion_table(evaluation.labels, vocloop.confusion),
        "",
        "Legend (texts in the test set; F1 of vocloop, of the baseline):",
    ]
    short = abbreviations(evaluation.labels)
    for label, row in zip(evaluation.labels, vocloop.confusion, strict=True):
        lines.append(
            f"  {short[label]:<8} {label} ({sum(row)}; F1 {vocloop.per_label_f1[label]:.2f}, "
            f"{first.scores['baseline'].per_label_f1[label]:.2f})"
        )
    return "\n".join(lines)


def text_report_json(
    source: LabelledTexts, frequent: FrequentLabels, evaluation: TextEvaluation
) -> dict[str, object]:
    return {
        "rows_read": source.rows_read,
        "skipped_empty_text": source.empty_texts,
        "skipped_empty_label": source.empty_labels,
        "kept_texts": len(frequent.texts),
        "kept_labels": frequent.kept,
        "dropped_labels": frequent.dropped,
        "baseline": BASELINE,
        "labels": list(evaluation.labels),
        "seeds": [
            {
                "seed": r.seed,
                "train": r.train_size,
                "test": r.test_size,
                **{
                    name: {
                        "accuracy": s.accuracy,
                        "macro_f1": s.macro_f1,
                        "per_label_f1": s.per_label_f1,
                        "confusion": s.confusion,
                    }
                    for name, s in r.scores.items()
                },
            }
            for r in evaluation.results
        ],
        "mean": {
            name: {m: evaluation.mean(name, m) for m in ("accuracy", "macro_f1")} for name in MODELS
        },
    }


def rows_line(source: LabelledTexts) -> str:
    line = f"Read {source.rows_read:,} rows; skipped {source.empty_texts:,} with an empty text"
    if source.empty_labels:
        line += f" and {source.empty_labels:,} with an empty label"
    return line + "."


def _counted(counts: dict[str, int] | Counter[str]) -> str:
    return "; ".join(f"{lb} ({n})" for lb, n in counts.items())
