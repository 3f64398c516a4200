"""Reading a comment: everything vocloop works out from its words, in one pass.

Masking first, so that nothing after it (sentiment, themes, similarity, and what
staff see) ever handles an email address, phone number or card number. Sentiment is
read with the organisation's vocabulary (names that carry none, words that mean
something else there) and, once one has been trained and proven on held-out comments,
blended with the learned sentiment model. Themes come
from the quality manager's phrases and, once one has been trained and proven on
held-out corrections, from the learned model beside them: a theme either names
with enough confidence is given, as sure as the surer of the two.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from vocloop.text import similarity
from vocloop.text.lexicon import Vocabulary
from vocloop.text.masking import mask
from vocloop.text.sentiment import Sentiment, sentiment
from vocloop.text.themes import ThemeMatch, ThemeMatcher

if TYPE_CHECKING:
    from vocloop.text.classifier import TextModel
    from vocloop.text.sentiment_model import LearnedSentiment

MODEL_THRESHOLD = 0.5


@dataclass(frozen=True)
class ThemeReading:
    confidence: float
    source: str  # "rule" or "model"


@dataclass(frozen=True)
class Reading:
    text: str  # as staff may see it: personal data masked
    masked: int  # how many pieces of personal data were masked
    sentiment: Sentiment
    themes: dict[str, ThemeReading]
    signature: similarity.Signature | None


class Reader:
    def __init__(
        self,
        matcher: ThemeMatcher,
        model: TextModel | None = None,
        *,
        model_version: int | None = None,
        threshold: float = MODEL_THRESHOLD,
        vocabulary: Vocabulary | None = None,
        sentiment_model: LearnedSentiment | None = None,
        sentiment_version: int | None = None,
    ):
        self.matcher = matcher
        self.model = model
        self.model_version = model_version if model is not None else None
        self.threshold = threshold
        self.vocabulary = vocabulary
        self.sentiment_model = sentiment_model
        self.sentiment_version = sentiment_version if sentiment_model is not None else None

    def read(self, text: str) -> Reading:
        return self.read_many([text])[0]

    def read_many(self, texts: Sequence[str]) -> list[Reading]:
        masked = [mask(t) for t in texts]
        clean = [m.text for m in masked]
        learned = self.model.scores(clean) if self.model is not None and clean else None
        feelings = self.sentiments(clean)
        readings = []
        for i, m in enumerate(masked):
            themes = self._themes(m.text, learned[i] if learned is not None else {})
            readings.append(
                Reading(
                    text=m.text,
                    masked=len(m.found),
                    sentiment=feelings[i],
                    themes=themes,
                    signature=similarity.signature(m.text),
                )
            )
        return readings

    def sentiments(self, texts: Sequence[str]) -> list[Sentiment]:
        """The texts' sentiment (masked already): the lexicon's, with the model's if any."""
        lexicon = [sentiment(t, vocabulary=self.vocabulary) for t in texts]
        if self.sentiment_model is None or not texts:
            return lexicon
        return self.sentiment_model.combine(texts, lexicon)

    def _themes(self, text: str, learned: dict[str, float]) -> dict[str, ThemeReading]:
        ruled = self.matcher.match(text)
        themes = {k: ThemeReading(v.confidence, "rule") for k, v in ruled.items()}
        chosen = {k: ThemeMatch(s, ()) for k, s in learned.items() if s >= self.threshold}
        for key, match in self.matcher.with_parents(chosen).items():
            held = themes.get(key)
            if held is None or held.confidence < match.confidence:
                themes[key] = ThemeReading(round(match.confidence, 4), "model")
        return themes


# Reading in a helper process (bulk reading on a machine with more than one core): the
# reader is sent once, then batches of texts go one way and readings come back.
_process_reader: Reader | None = None


def process_start(reader: Reader) -> None:
    global _process_reader
    _process_reader = reader


def process_read(texts: list[str]) -> list[Reading]:
    if _process_reader is None:
        raise RuntimeError("process_start was not called in this process")
    return _process_reader.read_many(texts)
