"""How a comment feels: a score from −1 to 1 and a label, judged clause by clause.

VADER (a lexicon and rules tuned for short, informal text, shipped with its package:
nothing is downloaded) scores each sentence and each clause after a "but" or
"however". The clauses are then combined, weighted by how strongly each speaks, with
the negative ones counting double: in feedback, one problem stated among thanks is
usually the point ("the agent was lovely, but the invoice is wrong again" is a
complaint, not praise). Labels use VADER's usual cut-offs: ≥ 0.05 positive, ≤ −0.05
negative, neutral between.

Adjustments to VADER for feedback. The formulae of a request ("please", "thank you
in advance", "I hope", "kindly", "the agreed date") are politeness, not praise, and
the names of what a business sells and does ("customer support", "credit report",
"interest rate", "rewards card") are the subject of a comment, not a feeling about
it: they score nothing, so "Please fix this soon." and "Support never called back."
are not read as positive. "Unhelpful" and "slow", missing from VADER's lexicon, are
negative. Praise said by negation, "could not be happier", "couldn't have been
better", is read as praise rather than as a negated "happy"; "it could not be worse"
as blame. On the CFPB complaint narratives these take the share read as positive
from 29.4 % to 11.4 %; on the Skytrax reviews accuracy against `recommended` rises
slightly (bench/RESULTS.md).

Known to be hard, as for any lexicon: sarcasm ("Great, another two hours on hold").
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Literal

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

Label = Literal["negative", "neutral", "positive"]

POSITIVE_FROM = 0.05
NEGATIVE_TO = -0.05
NEGATIVE_WEIGHT = 2.0
# A clause that says nothing either way still counts a little.
BASE_WEIGHT = 0.1

_SENTENCES = re.compile(r"(?<=[.!?;])\s+|\n+")
_CONTRAST_WORDS = r"\b(?:but|however|although|though|yet|except that)\b"
# A contrast inside a sentence starts a new clause: "…, but the bill is wrong".
_CONTRAST_SPLIT = re.compile(rf"[,;]?\s+(?={_CONTRAST_WORDS})", re.I)
_CONTRAST = re.compile(_CONTRAST_WORDS, re.I)
# As VADER does within a sentence: what follows a contrast is what the customer
# means, what precedes it counts less.
AFTER_CONTRAST = 1.5
BEFORE_CONTRAST = 0.5


@dataclass(frozen=True)
class Sentiment:
    score: float  # −1 … 1
    label: Label
    clauses: tuple[tuple[str, float], ...]  # each clause with its own VADER score


POLITENESS = ("please", "kindly", "thanks", "thank", "hope", "appreciate", "appreciated", "agreed")
# What a business sells and does, named: "customer support", "credit report", "interest
# rate", "rewards card". In feedback these are the subject, not a feeling about it.
BUSINESS_WORDS = (
    "support", "supported", "supporting", "credit", "credits", "care", "interest",
    "share", "security", "secure", "reward", "rewards", "benefit", "benefits", "save",
)  # fmt: skip
# Words customers use for poor service that VADER's lexicon lacks (its scale: −4 … 4).
SERVICE_WORDS = {"unhelpful": -1.8, "slow": -1.0}
_CANNOT = r"(?:couldn[’']?t|could not|can[’']?t|cannot|can not)"
_PRAISE_BY_NEGATION = re.compile(
    rf"\b{_CANNOT} (?:have )?(?:be|been|ask for|wish for) (?:a |any )?"
    r"(?:happier|better|more (?:pleased|satisfied|helpful))\b",
    re.I,
)
_BLAME_BY_NEGATION = re.compile(
    rf"\b{_CANNOT} (?:have )?(?:be|been|get|gotten) (?:any )?worse\b",
    re.I,
)


@functools.cache
def _analyzer() -> SentimentIntensityAnalyzer:
    analyzer = SentimentIntensityAnalyzer()
    for word in POLITENESS + BUSINESS_WORDS:
        analyzer.lexicon.pop(word, None)
    analyzer.lexicon.update(SERVICE_WORDS)
    return analyzer


def _vader(clause: str) -> float:
    clause = _PRAISE_BY_NEGATION.sub("extremely happy", clause)
    clause = _BLAME_BY_NEGATION.sub("extremely bad", clause)
    return float(_analyzer().polarity_scores(clause)["compound"])


def clauses_of(text: str) -> list[str]:
    """Sentences, and within them the parts a contrast ("but", "however") begins."""
    parts = []
    for sentence in _SENTENCES.split(text):
        for clause in _CONTRAST_SPLIT.split(sentence):
            clause = clause.strip(" \t,;")
            if any(ch.isalnum() for ch in clause):
                parts.append(clause)
    return parts


def label_of(score: float) -> Label:
    if score >= POSITIVE_FROM:
        return "positive"
    if score <= NEGATIVE_TO:
        return "negative"
    return "neutral"


def _emphasis(clauses: list[str]) -> list[float]:
    """1 for each clause; a clause with a contrast word counts more, the one before less."""
    emphasis = [1.0] * len(clauses)
    for i, clause in enumerate(clauses):
        if _CONTRAST.search(clause):
            emphasis[i] *= AFTER_CONTRAST
            if i:
                emphasis[i - 1] *= BEFORE_CONTRAST
    return emphasis


def sentiment(text: str) -> Sentiment:
    clauses = clauses_of(text)
    scored = tuple((c, _vader(c)) for c in clauses)
    if not scored:
        return Sentiment(0.0, "neutral", ())
    weights = [
        (BASE_WEIGHT + abs(score)) * (NEGATIVE_WEIGHT if score < 0 else 1.0) * emphasis
        for (_, score), emphasis in zip(scored, _emphasis(clauses), strict=True)
    ]
    combined = sum(w * s for w, (_, s) in zip(weights, scored, strict=True)) / sum(weights)
    combined = max(-1.0, min(1.0, combined))
    return Sentiment(round(combined, 4), label_of(combined), scored)
