"""How well vocloop reads sentiment on a labelled CSV, beside plain VADER and the majority.

Neither vocloop nor VADER is trained on the file. The label column holds two values
(recommended or not: 1/0, yes/no, true/false, positive/negative), where a positive
score (≥ 0.05, VADER's usual cut-off) predicts "yes"; or three (negative / neutral /
positive, or −1 / 0 / 1), compared with the label the score is given.

Accuracy alone flatters a lexicon on lopsided data: where four comments in five are
complaints, "always negative" is right 80 % of the time. So beside accuracy the report
gives macro-F1 (the mean of each class's F1: every class counts the same) and both
figures for the majority baseline, the commoner label always.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import train_test_split
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from vocloop.text.evaluation import (
    EvaluationError,
    LabelledTexts,
    Scores,
    SeedResult,
    TextEvaluation,
    confusion_table,
    rows_line,
    score,
)
from vocloop.text.lexicon import Vocabulary
from vocloop.text.sentiment import POSITIVE_FROM, label_of, sentiment
from vocloop.text.sentiment_model import Example, learn

_YES = ("1", "yes", "y", "true", "recommended", "positive")
_NO = ("0", "no", "n", "false", "not recommended", "negative")
# Three classes, each spelling mapped to vocloop's label.
_THREE = {
    "negative": "negative", "neutral": "neutral", "positive": "positive",
    "neg": "negative", "neu": "neutral", "pos": "positive",
    "-1": "negative", "0": "neutral", "1": "positive",
}  # fmt: skip
THREE_CLASSES = ("negative", "neutral", "positive")
TWO_CLASSES = ("no", "yes")
READERS = ("vocloop", "vader", "majority")


def yes_no(labels: Sequence[str]) -> list[bool]:
    """Two-valued labels as booleans: 1/0, yes/no, true/false, positive/negative."""
    values = {lb.lower() for lb in labels}
    if values - set(_YES) - set(_NO) or len(values) != 2:
        raise EvaluationError(_unusable(values))
    return [lb.lower() in _YES for lb in labels]


def _unusable(values: set[str]) -> str:
    return (
        "Sentiment is tested against a two-valued label such as 1/0 or yes/no, or a "
        "three-valued one: negative/neutral/positive or -1/0/1; this column holds: "
        f"{', '.join(sorted(values)[:10]) or 'nothing'}."
    )


def truth_of(labels: Sequence[str]) -> tuple[tuple[str, ...], list[str]]:
    """The classes the labels use and each label as one of them ("no"/"yes", or the three)."""
    values = {lb.strip().lower() for lb in labels}
    if len(values) == 3 and values <= set(_THREE) and len({_THREE[v] for v in values}) == 3:
        return THREE_CLASSES, [_THREE[lb.strip().lower()] for lb in labels]
    return TWO_CLASSES, ["yes" if yes else "no" for yes in yes_no(labels)]


@dataclass(frozen=True)
class SentimentEvaluation:
    classes: tuple[str, ...]
    counts: dict[str, int]  # texts per class, in `classes` order
    majority: str  # the commoner (commonest) label
    scores: dict[str, Scores]  # by reader: vocloop, vader, majority

    @property
    def texts(self) -> int:
        return sum(self.counts.values())

    def lead_points(self, measure: str = "accuracy") -> float:
        return 100 * (
            getattr(self.scores["vocloop"], measure) - getattr(self.scores["vader"], measure)
        )


def _predicted(scores: Sequence[float], classes: tuple[str, ...]) -> list[str]:
    if classes == TWO_CLASSES:
        return ["yes" if s >= POSITIVE_FROM else "no" for s in scores]
    return [label_of(s) for s in scores]


def evaluate_sentiment(
    texts: Sequence[str], labels: Sequence[str], *, vocabulary: Vocabulary | None = None
) -> SentimentEvaluation:
    classes, truth = truth_of(labels)
    counts = Counter(truth)
    # Ties go to the first class in order: "no", or "negative".
    majority = max(classes, key=lambda c: (counts[c], -classes.index(c)))
    analyzer = SentimentIntensityAnalyzer()
    ours = [sentiment(t, vocabulary=vocabulary).score for t in texts]
    vader = [float(analyzer.polarity_scores(t)["compound"]) for t in texts]
    predictions = {
        "vocloop": _predicted(ours, classes),
        "vader": _predicted(vader, classes),
        "majority": [majority] * len(truth),
    }
    return SentimentEvaluation(
        classes=classes,
        counts={c: counts[c] for c in classes},
        majority=majority,
        scores={name: score(truth, p, classes) for name, p in predictions.items()},
    )


def _rule(evaluation: SentimentEvaluation) -> str:
    if evaluation.classes == TWO_CLASSES:
        return f'a positive score (≥ {POSITIVE_FROM}) predicts "yes"'
    return f"a score ≥ {POSITIVE_FROM} is positive, ≤ −{POSITIVE_FROM} negative, neutral between"


def sentiment_report(source: LabelledTexts, evaluation: SentimentEvaluation) -> str:
    e = evaluation
    counted = ", ".join(f"{c} {n:,}" for c, n in e.counts.items())
    rows = [
        ("vocloop sentiment (clause by clause)", e.scores["vocloop"]),
        ("plain VADER compound, whole text", e.scores["vader"]),
        (f'always "{e.majority}" (the commonest label)', e.scores["majority"]),
    ]
    lines = [
        rows_line(source),
        f"Tested {e.texts:,} texts in {len(e.classes)} classes ({counted}); {_rule(e)}. "
        "Neither vocloop nor VADER is trained on the file.",
        "",
        f"{'':<42}{'accuracy':>9}{'macro-F1':>10}",
        *(f"{name:<42}{s.accuracy:>9.3f}{s.macro_f1:>10.3f}" for name, s in rows),
        f"vocloop − VADER: {e.lead_points('accuracy'):+.1f} points of accuracy, "
        f"{e.lead_points('macro_f1'):+.1f} of macro-F1.",
        "",
        "Confusion table, vocloop (rows: true label, columns: predicted):",
        *confusion_table(e.classes, e.scores["vocloop"].confusion),
    ]
    return "\n".join(lines)


def sentiment_report_json(
    source: LabelledTexts, evaluation: SentimentEvaluation
) -> dict[str, object]:
    e = evaluation
    return {
        "rows_read": source.rows_read,
        "skipped_empty_text": source.empty_texts,
        "skipped_empty_label": source.empty_labels,
        "texts": e.texts,
        "classes": list(e.classes),
        "counts": e.counts,
        "majority_label": e.majority,
        **{
            f"{name}_{measure}": getattr(e.scores[name], measure)
            for name in READERS
            for measure in ("accuracy", "macro_f1")
        },
        "lead_points": e.lead_points("accuracy"),
        "lead_points_macro_f1": e.lead_points("macro_f1"),
        "per_label_f1": {name: e.scores[name].per_label_f1 for name in READERS},
        "confusion": {name: e.scores[name].confusion for name in ("vocloop", "vader")},
    }


LEARNERS = ("lexicon", "blend", "model")


@dataclass(frozen=True)
class LearningSeed(SeedResult):
    """One seed's scores by reader (lexicon, blend, model), and the blend's lexicon weight."""

    lexicon_weight: float = 1.0  # chosen on the training part


@dataclass(frozen=True)
class LearningEvaluation(TextEvaluation):
    """vocloop's sentiment model trained on part of the file, tested on the rest."""

    results: list[LearningSeed]  # type: ignore[assignment]


def evaluate_learning(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    test_size: float,
    seeds: Sequence[int],
    vocabulary: Vocabulary | None = None,
) -> LearningEvaluation:
    """Per seed, the sentiment model learns from a stratified part of the file, each text
    counting 1 and the label its evidence ("yes" positive, "no" negative), and the rest is
    read by the lexicon alone, by the blend vocloop would use, and by the model alone."""
    classes, truth = truth_of(labels)
    evidence = dict(zip(TWO_CLASSES, ("negative", "positive"), strict=True))
    results = []
    for seed in seeds:
        try:
            train, test = train_test_split(
                np.arange(len(texts)), test_size=test_size, stratify=truth, random_state=seed
            )
        except ValueError as exc:
            raise EvaluationError(f"Cannot split the texts for testing: {exc}") from exc
        examples = [Example(texts[i], evidence.get(truth[i], truth[i]), 1.0) for i in train]
        lexicon = [sentiment(e.text, vocabulary=vocabulary).score for e in examples]
        try:
            model = learn(examples, lexicon, seed=seed)
        except ValueError as exc:
            raise EvaluationError(f"Cannot learn from the texts of seed {seed}: {exc}") from exc
        tested = [texts[i] for i in test]
        read = [sentiment(t, vocabulary=vocabulary) for t in tested]
        scores = {
            "lexicon": [s.score for s in read],
            "blend": [s.score for s in model.combine(tested, read)],
            "model": model.scores(tested),
        }
        expected = [truth[i] for i in test]
        results.append(
            LearningSeed(
                seed,
                len(train),
                len(test),
                {
                    name: score(expected, _predicted(s, classes), classes)
                    for name, s in scores.items()
                },
                lexicon_weight=model.lexicon_weight,
            )
        )
    return LearningEvaluation(classes, results)


def learning_report(evaluation: LearningEvaluation, *, test_size: float) -> str:
    first = evaluation.results[0]
    lines = [
        "",
        f"Learning (--learn): vocloop's sentiment model trained on a stratified "
        f"{round((1 - test_size) * 100)} % of the texts ({first.train_size:,}), the label its "
        f"evidence, and tested on the other {first.test_size:,}; the blend's lexicon weight is "
        "chosen on the training part.",
        "",
        f"{'seed':<6}{'lexicon weight':>15}{'accuracy lexicon':>18}{'blend':>7}{'model':>7}"
        f"{'macro-F1 lexicon':>18}{'blend':>7}{'model':>7}",
    ]
    for r in evaluation.results:
        s = r.scores
        lines.append(
            f"{r.seed:<6}{r.lexicon_weight:>15.2f}"
            + "".join(f"{s[n].accuracy:>{18 if n == 'lexicon' else 7}.3f}" for n in LEARNERS)
            + "".join(f"{s[n].macro_f1:>{18 if n == 'lexicon' else 7}.3f}" for n in LEARNERS)
        )
    lines.append(
        f"{'mean':<6}{'':>15}"
        + "".join(
            f"{evaluation.mean(n, 'accuracy'):>{18 if n == 'lexicon' else 7}.3f}" for n in LEARNERS
        )
        + "".join(
            f"{evaluation.mean(n, 'macro_f1'):>{18 if n == 'lexicon' else 7}.3f}" for n in LEARNERS
        )
    )
    return "\n".join(lines)


def learning_report_json(evaluation: LearningEvaluation) -> dict[str, object]:
    return {
        "seeds": [
            {
                "seed": r.seed,
                "train": r.train_size,
                "test": r.test_size,
                "lexicon_weight": r.lexicon_weight,
                **{
                    name: {"accuracy": s.accuracy, "macro_f1": s.macro_f1}
                    for name, s in r.scores.items()
                },
            }
            for r in evaluation.results
        ],
        "mean": {
            name: {m: evaluation.mean(name, m) for m in ("accuracy", "macro_f1")}
            for name in LEARNERS
        },
    }
