"""Categories and themes learned from examples: a linear model over word and character n-grams.

This is the model that learns from staff corrections, so it must do well with a few
dozen examples of a theme, with short and long comments alike, and predict thousands
of comments a second.

Features: TF-IDF of words and word pairs, and of character 2–5-grams within words
(these match "refund", "refunded" and "refunds", and survive typos), each with a
logarithmic term frequency so that a word repeated ten times does not outweigh the
rest of the comment, and each kept only when it occurs in at least two texts.

Classifier: ridge regression to the labels (±1 per label), with each text weighted so
that every label counts as much as every other in total. Rare themes are the ones
staff correct most, and with this weighting a theme with 20 examples is not drowned
by one with 700; on the CFPB complaints it gave a higher macro-F1 than logistic
regression or a linear SVM over the same features. The regularisation (alpha = 1,
scikit-learn's default) is the value leave-one-out error chose on every training
split we tried; with several labels per text it is 3 (see MULTILABEL_ALPHA).

Scores are probability-like: the ridge outputs through a softmax (one label per text:
the best score is the predicted label) or a logistic curve per label (several labels
per text: a score ≥ 0.5 is the balanced boundary, where the ridge output is 0). Either
way one temperature, fitted on out-of-fold predictions of the training data, says how
sharp the scores are; a single number cannot be overfitted to a few examples the way a
curve per label could.
"""

from __future__ import annotations

import pickle
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np
import scipy.sparse as sp
import sklearn
from numpy.typing import NDArray
from scipy.optimize import minimize_scalar
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import RidgeClassifier
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import FeatureUnion

ALPHA = 1.0
# With several labels per text, most negatives of a label are texts nobody labelled with
# it, not texts somebody judged without it: a missing theme is weak evidence. Somewhat
# stronger regularisation keeps the model from memorising those particular texts as
# negatives (leave-one-out macro-F1 on the CFPB products was flat from 1 to 10).
MULTILABEL_ALPHA = 3.0
MIN_EXAMPLES = 2  # a label seen once cannot be told from a typo
CALIBRATION_FOLDS = 5
_FORMAT = "vocloop.text.classifier.TextModel"
_FORMAT_VERSION = 1

Matrix = NDArray[np.float64]
M = TypeVar("M")


def _new_features() -> FeatureUnion:
    common = {"sublinear_tf": True, "min_df": 2, "dtype": np.float32}
    return FeatureUnion(
        [
            ("words", TfidfVectorizer(ngram_range=(1, 2), **common)),
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), **common)),
        ]
    )


def _ridge(seed: int, alpha: float = ALPHA, *, balanced: bool = True) -> RidgeClassifier:
    return RidgeClassifier(
        alpha=alpha, class_weight="balanced" if balanced else None, random_state=seed
    )


def _columns(decision: Matrix) -> Matrix:
    """Ridge gives one column for two classes (positive = the second): make it two."""
    decision = np.asarray(decision, dtype=np.float64)
    return np.column_stack([-decision, decision]) if decision.ndim == 1 else decision


def _softmax(z: Matrix) -> Matrix:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return np.asarray(e / e.sum(axis=1, keepdims=True))


def _sigmoid(z: Matrix) -> Matrix:
    return np.asarray(1.0 / (1.0 + np.exp(-z)))


def _fit_temperature(
    decision: Matrix,
    y: NDArray[np.intp],
    *,
    multilabel: bool,
    weights: NDArray[np.float64] | None = None,
) -> float:
    """The temperature whose scores best predict the held-out labels (log loss, each text
    counting as much as its weight).

    One label per text: y holds the label's column per text, scores are a softmax.
    Several: y is 0/1 per text and label, each score a logistic curve.
    """

    def loss(log_t: float) -> float:
        if multilabel:
            p = _sigmoid(decision / np.exp(log_t))
            right = np.where(y == 1, p, 1.0 - p)
        else:
            right = _softmax(decision / np.exp(log_t))[np.arange(len(y)), y]
        return float(-np.average(np.log(right + 1e-12), weights=weights))

    # When every held-out text is right (a few clear-cut examples) the best temperature
    # tends to zero: certainty that a handful of examples cannot justify. Hence a floor.
    found = minimize_scalar(loss, bounds=(np.log(0.05), np.log(10.0)), method="bounded")
    return float(np.exp(found.x))


def _folds(counts: Sequence[int], seed: int) -> StratifiedKFold:
    return StratifiedKFold(min(CALIBRATION_FOLDS, *counts), shuffle=True, random_state=seed)


@dataclass(frozen=True, eq=False)
class TextModel:
    """A fitted model; make one with `TextModel.fit`, keep it with `dumps`/`loads`."""

    labels: tuple[str, ...]
    multilabel: bool
    _features: FeatureUnion = field(repr=False)
    _weights: Matrix = field(repr=False)  # labels × features
    _intercepts: Matrix = field(repr=False)  # per label
    _temperature: float = field(repr=False)

    @classmethod
    def fit(
        cls,
        texts: Sequence[str],
        labels: Sequence[str] | Sequence[Collection[str]],
        *,
        multilabel: bool = False,
        seed: int = 0,
    ) -> TextModel:
        """Learn from texts and their labels (every text counting alike, every label too).

        multilabel=False: one label (a string) per text. multilabel=True: a collection
        of zero or more labels per text; a text without a label is a negative example
        for every label.

        Labels with fewer than 2 examples are dropped (and, with one label per text,
        their texts too); ValueError if fewer than 2 labels (one label per text) or
        no label (several per text) are left. The seed fixes the calibration folds:
        the same data and seed give the same model.
        """
        if len(texts) != len(labels):
            raise ValueError(f"{len(texts)} texts but {len(labels)} labels: give one per text.")
        if multilabel:
            return cls._fit_multilabel(list(texts), [_label_set(ls) for ls in labels], seed)
        model, _ = cls.fit_out_of_fold(texts, labels, seed=seed)  # type: ignore[arg-type]
        return model

    @classmethod
    def fit_out_of_fold(
        cls,
        texts: Sequence[str],
        labels: Sequence[str],
        *,
        weights: Sequence[float] | None = None,
        balanced: bool = True,
        seed: int = 0,
    ) -> tuple[TextModel, list[dict[str, float] | None]]:
        """Learn one label per text, and say how each text scores when not learned from.

        `weights`: how much each text counts (1 each if None). `balanced`: each label
        counts as much as every other in total (False: as its texts' weights add up).
        The out-of-fold scores come from the calibration folds: each text's from the
        models that did not learn from it (None for a text dropped with its label).
        """
        if len(texts) != len(labels) or (weights is not None and len(weights) != len(texts)):
            raise ValueError("Give one label (and one weight, if any) per text.")
        return cls._fit_multiclass(
            list(texts),
            [_one_label(lb) for lb in labels],
            seed,
            weights=None if weights is None else np.asarray(weights, dtype=np.float64),
            balanced=balanced,
        )

    @classmethod
    def _fit_multiclass(
        cls,
        texts: list[str],
        labels: list[str],
        seed: int,
        *,
        weights: NDArray[np.float64] | None = None,
        balanced: bool = True,
    ) -> tuple[TextModel, list[dict[str, float] | None]]:
        counts = Counter(labels)
        kept = sorted(lb for lb, n in counts.items() if n >= MIN_EXAMPLES)
        if len(kept) < 2:
            raise ValueError(
                f"Too few examples: at least 2 labels with {MIN_EXAMPLES} or more texts each "
                f"are needed (got {dict(counts) or 'none'})."
            )
        keep = set(kept)
        rows = [i for i, lb in enumerate(labels) if lb in keep]
        index = {lb: i for i, lb in enumerate(kept)}
        y = np.array([index[labels[i]] for i in rows], dtype=np.intp)
        features = _new_features()
        x = _vectorise(features, [texts[i] for i in rows])
        ridge = _ridge(seed, balanced=balanced)
        w = None if weights is None else weights[rows]
        held_out = _columns(
            cross_val_predict(
                ridge,
                x,
                y,
                cv=_folds([counts[lb] for lb in kept], seed),
                method="decision_function",
                params=None if w is None else {"sample_weight": w},
            )
        )
        temperature = _fit_temperature(held_out, y, multilabel=False, weights=w)
        ridge.fit(x, y, sample_weight=w)
        coef, intercepts = _linear(ridge)
        model = cls(tuple(kept), False, features, coef, intercepts, temperature)
        out_of_fold: list[dict[str, float] | None] = [None] * len(texts)
        for i, row in zip(rows, _softmax(held_out / temperature), strict=True):
            out_of_fold[i] = dict(zip(model.labels, row.tolist(), strict=True))
        return model, out_of_fold

    @classmethod
    def _fit_multilabel(
        cls, texts: list[str], label_sets: list[frozenset[str]], seed: int
    ) -> TextModel:
        counts = Counter(lb for labels in label_sets for lb in labels)
        kept = sorted(lb for lb, n in counts.items() if n >= MIN_EXAMPLES)
        if not kept:
            raise ValueError(
                f"Too few examples: no label has {MIN_EXAMPLES} or more texts "
                f"(got {dict(counts) or 'none'})."
            )
        features = _new_features()
        x = _vectorise(features, texts)
        weights, intercepts, held_out_columns, truth = [], [], [], []
        for label in kept:
            y = np.array([label in labels for labels in label_sets], dtype=np.intp)
            negatives = len(y) - int(y.sum())
            if negatives < MIN_EXAMPLES:
                # Nothing to tell it apart from: it applies to (nearly) everything.
                weights.append(np.zeros(x.shape[1]))
                intercepts.append(1.0)
                continue
            ridge = _ridge(seed, MULTILABEL_ALPHA)
            held_out = cross_val_predict(
                ridge, x, y, cv=_folds([int(y.sum()), negatives], seed), method="decision_function"
            )
            held_out_columns.append(held_out)
            truth.append(y)
            ridge.fit(x, y)
            w, b = _linear(ridge)
            weights.append(w[1])
            intercepts.append(float(b[1]))
        temperature = (
            _fit_temperature(
                np.concatenate(held_out_columns), np.concatenate(truth), multilabel=True
            )
            if truth
            else 1.0
        )
        return cls(
            tuple(kept), True, features, np.vstack(weights), np.array(intercepts), temperature
        )

    def _decision(self, texts: Sequence[str]) -> Matrix:
        x = self._features.transform(list(texts))
        return np.asarray(x @ self._weights.T) + self._intercepts

    def _probabilities(self, texts: Sequence[str]) -> Matrix:
        decision = self._decision(texts)
        if self.multilabel:
            return _sigmoid(decision / self._temperature)
        return _softmax(decision / self._temperature)

    def scores(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """Per text, per label, a probability-like score from 0 to 1."""
        if not len(texts):
            return []
        return [
            dict(zip(self.labels, row.tolist(), strict=True)) for row in self._probabilities(texts)
        ]

    def predict(self, texts: Sequence[str]) -> list[str]:
        """The best-scoring label of each text."""
        if not len(texts):
            return []
        return [self.labels[i] for i in np.argmax(self._probabilities(texts), axis=1)]

    def predict_sets(self, texts: Sequence[str], threshold: float = 0.5) -> list[frozenset[str]]:
        """The labels of each text that score at least `threshold`."""
        return [
            frozenset(lb for lb, s in scored.items() if s >= threshold)
            for scored in self.scores(texts)
        ]

    def dumps(self) -> bytes:
        """The model as bytes, stamped with the scikit-learn version that made it."""
        return sealed(self, _FORMAT, _FORMAT_VERSION)

    @classmethod
    def loads(cls, data: bytes) -> TextModel:
        """A model from `dumps`. Only load bytes vocloop itself stored: this unpickles.

        ValueError if the bytes are not a vocloop text model, or were made with another
        scikit-learn version (retrain it from the stored examples then).
        """
        return unsealed(data, cls, _FORMAT, _FORMAT_VERSION, "text model")


def sealed(model: object, kind: str, version: int) -> bytes:
    """A fitted model as bytes, with what it is and the scikit-learn version that made it."""
    return pickle.dumps(
        {"format": kind, "version": version, "sklearn": sklearn.__version__, "model": model},
        protocol=pickle.HIGHEST_PROTOCOL,
    )


def unsealed(data: bytes, cls: type[M], kind: str, version: int, name: str) -> M:
    """The model `sealed` stored; ValueError if it is another thing, or was made with another
    scikit-learn or vocloop version (train it again then)."""
    try:
        envelope = pickle.loads(data)
    except Exception as exc:
        raise ValueError(f"Not a saved vocloop {name} ({exc}).") from exc
    if not isinstance(envelope, dict) or envelope.get("format") != kind:
        raise ValueError(f"Not a saved vocloop {name}.")
    if envelope.get("sklearn") != sklearn.__version__:
        raise ValueError(
            f"This {name} was made with scikit-learn {envelope.get('sklearn')} and "
            f"this is {sklearn.__version__}: train it again."
        )
    model = envelope.get("model")
    if envelope.get("version") != version or not isinstance(model, cls):
        raise ValueError(f"Saved by another version of vocloop's {name}: train it again.")
    return model


def _vectorise(features: FeatureUnion, texts: list[str]) -> sp.csr_matrix:
    try:
        return sp.csr_matrix(features.fit_transform(texts))
    except ValueError as exc:  # every word and character n-gram occurs only once
        raise ValueError(f"Too few examples: the texts have no words in common ({exc}).") from exc


def _linear(ridge: RidgeClassifier) -> tuple[Matrix, Matrix]:
    """Weights and intercepts, one row per label (two rows for two labels)."""
    coef = np.atleast_2d(np.asarray(ridge.coef_, dtype=np.float64))
    intercept = np.atleast_1d(np.asarray(ridge.intercept_, dtype=np.float64))
    if coef.shape[0] == 1:
        return np.vstack([-coef, coef]), np.concatenate([-intercept, intercept])
    return coef, intercept


def _one_label(label: object) -> str:
    if not isinstance(label, str) or not label:
        raise ValueError(
            f"With one label per text each label must be a non-empty string, not {label!r} "
            "(pass multilabel=True for several labels per text)."
        )
    return label


def _label_set(labels: object) -> frozenset[str]:
    if isinstance(labels, str) or not isinstance(labels, Collection):
        raise ValueError(
            f"With multilabel=True each text needs a collection of labels, not {labels!r}."
        )
    if not all(isinstance(lb, str) and lb for lb in labels):
        raise ValueError(f"Labels must be non-empty strings: {sorted(map(repr, labels))}.")
    return frozenset(labels)
