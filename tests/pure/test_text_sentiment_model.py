"""The learned sentiment model beside the lexicon: weighted examples, the blend, saving."""

from __future__ import annotations

import pytest

from vocloop.text.classifier import TextModel
from vocloop.text.sentiment import label_of, sentiment
from vocloop.text.sentiment_model import Example, LearnedSentiment, learn

SICK = [f"The new box is sick, number {i}" for i in range(20)]
FINE = [f"The Fine box keeps dropping, day {i}" for i in range(20)]
PLAIN_GOOD = [f"Brilliant service, thank you, visit {i}" for i in range(20)]
PLAIN_BAD = [f"Terrible service, awful wait, visit {i}" for i in range(20)]


def examples(good: list[str], bad: list[str], weight: float = 1.0) -> list[Example]:
    return [Example(t, "positive", weight) for t in good] + [
        Example(t, "negative", weight) for t in bad
    ]


def lexicon_scores(found: list[Example]) -> list[float]:
    return [sentiment(e.text).score for e in found]


def test_weights_decide_between_contradicting_labels() -> None:
    texts = [f"the parcel came on day {i}" for i in range(12)] * 2
    labels = ["positive"] * 12 + ["negative"] * 12
    model, out_of_fold = TextModel.fit_out_of_fold(
        texts, labels, weights=[1.0] * 12 + [0.2] * 12, balanced=False
    )
    assert model.predict(["the parcel came on day 30"]) == ["positive"]
    flipped, _ = TextModel.fit_out_of_fold(
        texts, labels, weights=[0.2] * 12 + [1.0] * 12, balanced=False
    )
    assert flipped.predict(["the parcel came on day 30"]) == ["negative"]
    assert all(
        scored is not None and sum(scored.values()) == pytest.approx(1) for scored in out_of_fold
    )


def test_where_the_lexicon_misreads_the_model_takes_a_share() -> None:
    found = examples(SICK, FINE)
    assert all(label_of(s) != e.label for s, e in zip(lexicon_scores(found), found, strict=True))
    learned = learn(found, lexicon_scores(found))
    assert learned.lexicon_weight < 1
    new = ["Honestly the box is sick", "The Fine box keeps dropping again"]
    lexicon = [sentiment(t) for t in new]
    blended = learned.combine(new, lexicon)
    assert [s.label for s in blended] == ["positive", "negative"]
    # The blend, computed again from the model's own probabilities.
    w = learned.lexicon_weight
    for read, mixed, scored in zip(lexicon, blended, learned.model.scores(new), strict=True):
        expected = w * read.score + (1 - w) * (scored["positive"] - scored["negative"])
        assert mixed.score == pytest.approx(expected, abs=1e-4)
        assert mixed.clauses == read.clauses


def test_where_the_lexicon_reads_right_it_keeps_all_the_weight() -> None:
    found = examples(PLAIN_GOOD, PLAIN_BAD)
    assert learn(found, lexicon_scores(found)).lexicon_weight == 1.0


def test_a_saved_model_reads_alike_and_nothing_else_is_taken_for_one() -> None:
    found = examples(SICK, FINE)
    learned = learn(found, lexicon_scores(found))
    again = LearnedSentiment.loads(learned.dumps())
    assert again.lexicon_weight == learned.lexicon_weight
    assert again.scores(SICK[:3]) == learned.scores(SICK[:3])
    with pytest.raises(ValueError, match="Not a saved vocloop sentiment model"):
        LearnedSentiment.loads(learned.model.dumps())
    with pytest.raises(ValueError, match="Not a saved vocloop sentiment model"):
        LearnedSentiment.loads(b"not a model")


def test_one_label_only_cannot_be_learned() -> None:
    found = examples(SICK, [])
    with pytest.raises(ValueError, match="Too few examples"):
        learn(found, lexicon_scores(found))
