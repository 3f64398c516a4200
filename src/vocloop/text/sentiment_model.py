"""Sentiment learned from an organisation's own comments, read beside the lexicon.

The lexicon knows English, not a company's trade: "sick" meaning great, a router
called "Fine". A learned model (vocloop's `TextModel`: ridge regression over word
and character n-grams, linear, no class balancing, each comment weighted by how
sure its label is) learns those words from the comments staff corrected and from
the comments left with a clear score.

Its score is P(positive) − P(negative), from −1 to 1 like the lexicon's. The reading
is a blend, w·lexicon + (1 − w)·model, labelled with the lexicon's cut-offs
(≥ 0.05 positive, ≤ −0.05 negative). The lexicon's weight w is chosen from 0, ¼, ½,
¾ and 1 on the out-of-fold scores of the texts learned from (each scored by models
that did not learn from it), the most weighted comments read right winning, and the
larger w on a tie: whether the blend is used at all is then decided on comments
held out from all of this.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from vocloop.text.classifier import TextModel, sealed, unsealed
from vocloop.text.sentiment import Label, Sentiment, label_of

LEXICON_WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0)
_FORMAT = "vocloop.text.sentiment_model.LearnedSentiment"
_FORMAT_VERSION = 1


@dataclass(frozen=True)
class Example:
    text: str
    label: Label
    weight: float  # how much it counts: a staff correction 1, weaker evidence less


@dataclass(frozen=True, eq=False)
class LearnedSentiment:
    """A fitted model and the lexicon's weight beside it; make one with `learn`."""

    model: TextModel
    lexicon_weight: float

    def scores(self, texts: Sequence[str]) -> list[float]:
        """Per text, P(positive) − P(negative) by the model alone."""
        return [_polarity(s) for s in self.model.scores(texts)]

    def combine(self, texts: Sequence[str], lexicon: Sequence[Sentiment]) -> list[Sentiment]:
        """The lexicon's readings of the texts, blended with the model's."""
        w = self.lexicon_weight
        learned = self.scores(texts) if w < 1 else [0.0] * len(texts)
        blended = []
        for read, model in zip(lexicon, learned, strict=True):
            score = max(-1.0, min(1.0, w * read.score + (1 - w) * model))
            blended.append(Sentiment(round(score, 4), label_of(score), read.clauses))
        return blended

    def dumps(self) -> bytes:
        return sealed(self, _FORMAT, _FORMAT_VERSION)

    @classmethod
    def loads(cls, data: bytes) -> LearnedSentiment:
        """A model from `dumps`. Only load bytes vocloop itself stored: this unpickles."""
        return unsealed(data, cls, _FORMAT, _FORMAT_VERSION, "sentiment model")


def _polarity(scored: dict[str, float]) -> float:
    return scored.get("positive", 0.0) - scored.get("negative", 0.0)


def blend(lexicon: float, model: float, lexicon_weight: float) -> Label:
    return label_of(lexicon_weight * lexicon + (1 - lexicon_weight) * model)


def learn(
    examples: Sequence[Example], lexicon: Sequence[float], *, seed: int = 0
) -> LearnedSentiment:
    """Fit the model on the examples and choose the lexicon's weight beside it.

    `lexicon`: each example's lexicon score. ValueError when the examples do not hold
    two labels with two or more comments each, or have no words in common.
    """
    model, out_of_fold = TextModel.fit_out_of_fold(
        [e.text for e in examples],
        [e.label for e in examples],
        weights=[e.weight for e in examples],
        balanced=False,
        seed=seed,
    )
    judged = [
        (e, lex, _polarity(scored))
        for e, lex, scored in zip(examples, lexicon, out_of_fold, strict=True)
        if scored is not None
    ]

    def right(w: float) -> tuple[float, float]:
        return (sum(e.weight for e, lex, m in judged if blend(lex, m, w) == e.label), w)

    return LearnedSentiment(model, max(right(w) for w in LEXICON_WEIGHTS)[1])
