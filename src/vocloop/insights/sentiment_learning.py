"""Learning sentiment from the organisation's own comments: train, prove on held-out
comments, use or reject (the versions are kept as the theme model's are, in `versions`).

Two sources, each with a fixed part held out and never learned from:
- staff corrections of a comment's sentiment (its latest), the truth: weight 1;
- comments left with a clear score. NPS 0–6 (a detractor) or CSAT 1 is weak evidence
  that the text is negative, NPS 9–10 (a promoter) or CSAT 5 that it is positive:
  weight 0.25, a quarter of a correction, for customers mostly write what they
  scored, but a detractor may still thank the agent. Passives (NPS 7–8), CSAT 2–4 and
  effort scores say too little either way. A corrected comment counts only as its
  correction.

The model (`text.sentiment_model`) learns from the rest and is blended with the
lexicon. It is judged on each held-out part of at least MIN_JUDGED comments by the
share read right (a scored comment read as neutral is not read right). A new version
is used only when, with it, vocloop reads every judged part at least as right as the
lexicon alone, one of them more right, and none less right than with the version in
use; otherwise it is kept, rejected, with its figures.

A version that is used reads every comment again, and the sentiment figures of past
days move with it; so a new one is trained only when enough is new since the version
trained last (`NewLabels`): NEW_CORRECTIONS more comments corrected, or newly scored
comments reaching NEW_SCORED_SHARE of the comments that version learned from (at least
NEW_SCORED_MIN), or the sentiment words changed. A comment or two a day is not enough.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from vocloop.insights.in_use import active_version, vocabulary_changed_at, vocabulary_current
from vocloop.insights.models import Correction, SentimentModel
from vocloop.insights.versions import (
    NotEnoughCorrections,
    NothingNew,
    held_out,
    last_version,
    version_keep,
    version_rollback,
)
from vocloop.lib.words import counted
from vocloop.listening.models import Feedback
from vocloop.text.masking import mask
from vocloop.text.sentiment import Label, Sentiment, sentiment
from vocloop.text.sentiment_model import Example, LearnedSentiment, learn

MIN_CORRECTIONS = 20
MIN_SCORED = 200
MIN_JUDGED = 5  # a held-out part with fewer comments says nothing
SCORED_LIMIT = 20000  # the latest scored comments, learned from and held out
CORRECTION_WEIGHT = 1.0
SCORE_WEIGHT = 0.25
PARTS = ("corrections", "scored")
# Enough new to train again (see the module's note).
NEW_CORRECTIONS = 10
NEW_SCORED_SHARE = 0.1
NEW_SCORED_MIN = 50

# The scores clear enough to say something of their comment (score_label says what).
_CLEAR = (
    Q(score_type="nps", score__lte=6)
    | Q(score_type="nps", score__gte=9)
    | Q(score_type="csat", score__in=(1, 5))
)


def score_label(score_type: str | None, score: int | None) -> Label | None:
    """What a score says of its comment: negative, positive, or nothing clear (None)."""
    if score is None:
        return None
    if score_type == "nps":
        return "negative" if score <= 6 else "positive" if score >= 9 else None
    if score_type == "csat":
        return "negative" if score == 1 else "positive" if score == 5 else None
    return None


@dataclass(frozen=True)
class Labelled:
    feedback_id: int
    text: str
    label: Label
    weight: float


def _scored() -> QuerySet[Feedback]:
    return Feedback.objects.exclude(comment="").filter(_CLEAR, erased_at__isnull=True)


def _sentiment_corrections() -> QuerySet[Correction]:
    return Correction.objects.exclude(sentiment="")


def corrected_sentiments() -> list[Labelled]:
    """Each comment whose sentiment staff corrected, as their latest correction has it."""
    latest: dict[int, tuple[str, str]] = {}
    for pk, text, label in (
        _sentiment_corrections()
        .exclude(feedback__comment="")
        .filter(feedback__erased_at__isnull=True)
        .order_by("corrected_at", "pk")
        .values_list("feedback_id", "feedback__comment", "sentiment")
    ):
        latest[pk] = (text, label)
    return [
        Labelled(pk, mask(text).text, label, CORRECTION_WEIGHT)  # type: ignore[arg-type]
        for pk, (text, label) in latest.items()
    ]


def scored_comments(exclude: set[int], *, limit: int = SCORED_LIMIT) -> list[Labelled]:
    """The latest comments left with a clear score, labelled by it (corrected ones excluded)."""
    found = []
    for pk, text, score_type, score in (
        _scored().order_by("-pk").values_list("pk", "comment", "score_type", "score")[:limit]
    ):
        label = score_label(score_type, score)
        if pk not in exclude and label is not None:
            found.append(Labelled(pk, mask(text).text, label, SCORE_WEIGHT))
    return found


@dataclass(frozen=True)
class NewLabels:
    """What is new since the version trained last (used or not), against what training
    again needs."""

    version: int | None  # trained last; None when none was
    corrected: int  # comments whose sentiment staff corrected since
    scored: int  # comments with a clear score received since
    scored_needed: int
    words_changed: bool

    @property
    def enough(self) -> bool:
        return (
            self.version is None
            or self.words_changed
            or self.corrected >= NEW_CORRECTIONS
            or self.scored >= self.scored_needed
        )


def new_labels() -> NewLabels:
    last = last_version(SentimentModel)
    if last is None:
        return NewLabels(None, 0, 0, NEW_SCORED_MIN, words_changed=False)
    since = last.trained_at
    changed = vocabulary_changed_at()
    return NewLabels(
        version=last.version,
        corrected=_sentiment_corrections()
        .filter(corrected_at__gt=since)
        .values("feedback")
        .distinct()
        .count(),
        scored=_scored().filter(received_at__gt=since).count(),
        scored_needed=max(NEW_SCORED_MIN, math.ceil(NEW_SCORED_SHARE * last.trained_on)),
        words_changed=changed is not None and changed > since,
    )


def _too_little_new() -> str | None:
    new = new_labels()
    if new.enough:
        return None
    return (
        f"Too little is new since sentiment version {new.version} was trained: "
        f"{counted(new.corrected, 'comment')} corrected and {new.scored:,} newly scored, "
        f"and the sentiment words unchanged. Training again needs {NEW_CORRECTIONS} "
        f"corrected or {new.scored_needed:,} newly scored comments, or a change of the "
        "sentiment words: a version that is used reads every comment again and moves the "
        "figures of past days."
    )


def _too_few(corrected: int, scored: int) -> str:
    return (
        f"{counted(corrected, 'comment has', 'comments have')} a corrected sentiment and "
        f"{counted(scored, 'has', 'have')} a clear score (NPS 0–6 or 9–10, CSAT 1 or 5); "
        f"training the sentiment model needs at least {MIN_CORRECTIONS} corrected or "
        f"{MIN_SCORED} scored, so that some can be held out to test it."
    )


def sentiment_training_refusal() -> str | None:
    """Why training now would be refused, as far as a quick look tells; None if it may run."""
    corrected = _sentiment_corrections().values("feedback").distinct().count()
    scored = _scored()[:MIN_SCORED].count()
    if corrected < MIN_CORRECTIONS and scored < MIN_SCORED:
        return _too_few(corrected, scored)
    return _too_little_new()


def _right(readings: Sequence[Sentiment], part: Sequence[Labelled]) -> float:
    return sum(r.label == e.label for r, e in zip(readings, part, strict=True)) / len(part)


def _better(figures: dict[str, float | None], *, in_use: bool) -> bool:
    judged = [p for p in PARTS if figures[f"{p}_right"] is not None]
    new = {p: figures[f"{p}_right"] or 0.0 for p in judged}
    lexicon = {p: figures[f"{p}_right_lexicon"] or 0.0 for p in judged}
    before = {p: figures[f"{p}_right_before"] or 0.0 for p in judged}
    beats_lexicon = all(new[p] >= lexicon[p] for p in judged) and any(
        new[p] > lexicon[p] for p in judged
    )
    return beats_lexicon and (not in_use or all(new[p] >= before[p] for p in judged))


def sentiment_model_train(*, seed: int = 0) -> SentimentModel:
    """Train a new version, test it on the held-out comments, and use it if it does better.

    NothingNew when too little it learns from is new since the last version (NewLabels);
    NotEnoughCorrections when too few comments are labelled to learn and to test.
    """
    if (refusal := _too_little_new()) is not None:
        raise NothingNew(refusal)
    corrected = corrected_sentiments()
    scored = scored_comments({c.feedback_id for c in corrected})
    if len(corrected) < MIN_CORRECTIONS and len(scored) < MIN_SCORED:
        raise NotEnoughCorrections(_too_few(len(corrected), len(scored)))
    learned_from = [e for e in corrected + scored if not held_out(e.feedback_id)]
    tests = {
        "corrections": [e for e in corrected if held_out(e.feedback_id)],
        "scored": [e for e in scored if held_out(e.feedback_id)],
    }
    if all(len(part) < MIN_JUDGED for part in tests.values()):
        raise NotEnoughCorrections(
            f"Fewer than {MIN_JUDGED} of the labelled comments are held out to test a model "
            "on; it needs more corrections or scored comments."
        )
    vocabulary = vocabulary_current()

    def lexicon(part: Sequence[Labelled]) -> list[Sentiment]:
        return [sentiment(e.text, vocabulary=vocabulary) for e in part]

    try:
        model = learn(
            [Example(e.text, e.label, e.weight) for e in learned_from],
            [s.score for s in lexicon(learned_from)],
            seed=seed,
        )
    except ValueError as exc:  # one label only, or no words in common
        raise NotEnoughCorrections(f"The sentiment model cannot learn yet: {exc}") from exc
    current = active_version(SentimentModel)
    in_use = LearnedSentiment.loads(bytes(current.data)) if current is not None else None
    figures: dict[str, float | None] = {}
    for name, part in tests.items():
        if len(part) < MIN_JUDGED:
            figures |= dict.fromkeys((f"{name}_right", f"{name}_right_before"), None)
            figures[f"{name}_right_lexicon"] = None
            continue
        texts, read = [e.text for e in part], lexicon(part)
        figures[f"{name}_right_lexicon"] = _right(read, part)
        figures[f"{name}_right_before"] = _right(
            in_use.combine(texts, read) if in_use is not None else read, part
        )
        figures[f"{name}_right"] = _right(model.combine(texts, read), part)
    learned_corrections = sum(not held_out(e.feedback_id) for e in corrected)
    return version_keep(
        SentimentModel,
        better=_better(figures, in_use=current is not None),
        current=current,
        trained_on=len(learned_from),
        lexicon_weight=model.lexicon_weight,
        corrections_held_out=len(tests["corrections"]),
        scored_held_out=len(tests["scored"]),
        data=model.dumps(),
        note=(
            f"Learned from {learned_corrections} corrected and "
            f"{len(learned_from) - learned_corrections} scored comments; read "
            f"{model.lexicon_weight:g} lexicon, {1 - model.lexicon_weight:g} model."
        ),
        **figures,
    )


def sentiment_model_rollback() -> SentimentModel | None:
    """Stop using the version in use and go back to the one before (or the lexicon alone)."""
    return version_rollback(
        SentimentModel,
        nothing_in_use="No learned sentiment model is in use: sentiment comes from the "
        "lexicon alone.",
    )


def sentiment_sources() -> tuple[int, int]:
    """Comments with a corrected sentiment, and comments with a clear score (all of them)."""
    corrected = _sentiment_corrections().values("feedback").distinct().count()
    return corrected, _scored().count()
