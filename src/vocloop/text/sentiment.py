"""How a comment feels: a score from −1 to 1 and a label, judged clause by clause.

VADER (a lexicon and rules tuned for short, informal text, shipped with its package:
nothing is downloaded) scores each sentence and each clause after a "but" or
"however", with the words adjusted for feedback and for the organisation's own
vocabulary (`lexicon`). The clauses are then combined, weighted by how strongly each
speaks, with the negative ones counting double: in feedback, one problem stated among
thanks is usually the point ("the agent was lovely, but the invoice is wrong again" is
a complaint, not praise). Labels use VADER's usual cut-offs: ≥ 0.05 positive,
≤ −0.05 negative, neutral between.

What went wrong in service outweighs the courtesy around it: "nobody called back",
"never arrived", "still waiting", "had to call three times" are problems although
VADER has no word for them, and a promise followed by "but" ("I was promised a call
back, but…") is a promise broken. What went right is read too ("called back within
the hour", "fixed first time", "as promised"), so that service done well is not read
as neutral. Praise said by negation, "could not be happier", is praise; "it could not
be worse" is blame.

Known to be hard, as for any lexicon: sarcasm ("Great, another two hours on hold").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from vocloop.text.lexicon import DEFAULT_VOCABULARY, Vocabulary, lexicon_for

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
_STARTS_WITH_CONTRAST = re.compile(rf"^\W*{_CONTRAST_WORDS}", re.I)
# "Although" concedes: in "nobody called back, although the agent was friendly" the
# point is what comes before it.
_CONCESSION = re.compile(r"^\W*(?:although|even though)\b", re.I)
_PROMISE = re.compile(
    r"\b(?:promised|promise|assured|guaranteed|told\s+(?:me|us)|"
    r"said\s+(?:it|they|he|she|you)\s+would|confirmed)\b",
    re.I,
)
# As VADER does within a sentence: what follows a contrast is what the customer
# means, what precedes it counts less.
AFTER_CONTRAST = 1.5
BEFORE_CONTRAST = 0.5


@dataclass(frozen=True)
class Sentiment:
    score: float  # −1 … 1
    label: Label
    clauses: tuple[tuple[str, float], ...]  # each clause with its own VADER score


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
    """1 for each clause; a clause with a contrast word counts more, the one before less
    (the other way round when it begins with a concession, "although")."""
    emphasis = [1.0] * len(clauses)
    for i, clause in enumerate(clauses):
        if not _CONTRAST.search(clause):
            continue
        if i and _CONCESSION.search(clause):
            emphasis[i] *= BEFORE_CONTRAST
            emphasis[i - 1] *= AFTER_CONTRAST
        else:
            emphasis[i] *= AFTER_CONTRAST
            if i:
                emphasis[i - 1] *= BEFORE_CONTRAST
    return emphasis


def _broken_promises(clauses: list[str]) -> list[bool]:
    """A clause that begins with "but" right after a promise ("I was told it would…")."""
    return [
        bool(i and _STARTS_WITH_CONTRAST.search(clause) and _PROMISE.search(clauses[i - 1]))
        for i, clause in enumerate(clauses)
    ]


def sentiment(text: str, *, vocabulary: Vocabulary | None = None) -> Sentiment:
    """The comment's sentiment, read with the organisation's vocabulary (vocloop's own if None)."""
    lexicon = lexicon_for(vocabulary or DEFAULT_VOCABULARY)
    clauses = clauses_of(text)
    scored = tuple(
        (c, lexicon.score(c, broken_promise=broken))
        for c, broken in zip(clauses, _broken_promises(clauses), strict=True)
    )
    if not scored:
        return Sentiment(0.0, "neutral", ())
    weights = [
        (BASE_WEIGHT + abs(score)) * (NEGATIVE_WEIGHT if score < 0 else 1.0) * emphasis
        for (_, score), emphasis in zip(scored, _emphasis(clauses), strict=True)
    ]
    combined = sum(w * s for w, (_, s) in zip(weights, scored, strict=True)) / sum(weights)
    combined = max(-1.0, min(1.0, combined))
    return Sentiment(round(combined, 4), label_of(combined), scored)
