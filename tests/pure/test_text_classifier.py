"""The learned text model: themes from a few dozen examples, scores to trust, kept as bytes."""

from __future__ import annotations

import pickle
import random

import pytest

from vocloop.text.classifier import TextModel

PHRASES = {
    "billing": [
        "the invoice was wrong",
        "charged twice this month",
        "refund for the overcharge never came",
        "my bill doubled without warning",
        "payment was taken twice",
    ],
    "delivery": [
        "the parcel arrived late",
        "courier left the box in the rain",
        "delivery was a week late",
        "package never turned up",
        "the driver did not ring the bell",
    ],
    "staff": [
        "the agent was rude",
        "nobody at the desk helped me",
        "your staff were very helpful",
        "the engineer was friendly and polite",
        "customer service hung up on me",
    ],
}
FILLER = ["honestly", "again", "today", "as usual", "last week", "I must say", "really"]


def comment(rng: random.Random, *themes: str) -> str:
    parts = [rng.choice(PHRASES[t]) for t in themes]
    return f"{rng.choice(FILLER)}, {' and '.join(parts)} {rng.choice(FILLER)}."


def multiclass_examples(n: int, seed: int) -> tuple[list[str], list[str]]:
    """Every phrase of every theme in turn, amid different filler words for each seed."""
    rng = random.Random(seed)
    themes = sorted(PHRASES)
    labels = [themes[i % len(themes)] for i in range(n)]
    texts = [
        f"{rng.choice(FILLER)}, {PHRASES[lb][i // len(themes) % 5]} {rng.choice(FILLER)}."
        for i, lb in enumerate(labels)
    ]
    return texts, labels


@pytest.fixture(scope="module")
def model() -> TextModel:
    texts, labels = multiclass_examples(60, seed=1)
    return TextModel.fit(texts, labels)


def test_it_learns_themes_and_predicts_held_out_comments(model: TextModel) -> None:
    texts, labels = multiclass_examples(30, seed=2)
    assert model.labels == ("billing", "delivery", "staff")
    assert not model.multilabel
    assert model.predict(texts) == labels
    assert model.predict(["They charged me twice for one invoice."]) == ["billing"]


def test_scores_are_between_zero_and_one_and_the_best_is_the_prediction(
    model: TextModel,
) -> None:
    texts, _ = multiclass_examples(20, seed=3)
    texts += ["", "zzz qqq"]
    for scored, predicted in zip(model.scores(texts), model.predict(texts), strict=True):
        assert set(scored) == set(model.labels)
        assert all(0.0 <= s <= 1.0 for s in scored.values())
        assert sum(scored.values()) == pytest.approx(1.0)
        assert max(scored, key=scored.__getitem__) == predicted


def test_it_is_confident_on_a_plain_example(model: TextModel) -> None:
    (scored,) = model.scores(["the parcel arrived late and the courier left the box outside"])
    assert scored["delivery"] > 0.6


def test_it_learns_several_themes_per_comment() -> None:
    rng = random.Random(4)
    themes = sorted(PHRASES)
    label_sets: list[set[str]] = []
    for _ in range(120):
        label_sets.append(set(rng.sample(themes, rng.choice([0, 1, 1, 2]))))
    texts = [comment(rng, *sorted(s)) if s else rng.choice(FILLER) + "." for s in label_sets]
    model = TextModel.fit(texts, label_sets, multilabel=True, seed=0)
    assert model.multilabel and model.labels == tuple(themes)

    held_out = [
        comment(rng, "billing", "staff"),
        comment(rng, "delivery"),
        "really, nothing to report today.",
    ]
    assert model.predict_sets(held_out) == [
        frozenset({"billing", "staff"}),
        frozenset({"delivery"}),
        frozenset(),
    ]
    for scored in model.scores(held_out):
        assert all(0.0 <= s <= 1.0 for s in scored.values())


def test_labels_with_a_single_example_are_dropped() -> None:
    texts, labels = multiclass_examples(40, seed=5)
    texts.append("the website crashed at checkout")
    labels.append("website")
    assert "website" not in TextModel.fit(texts, labels).labels

    sets: list[set[str]] = [{lb} for lb in labels[:-1]] + [{"website"}]
    assert "website" not in TextModel.fit(texts, sets, multilabel=True).labels


@pytest.mark.parametrize(
    ("texts", "labels", "multilabel"),
    [
        (["late parcel", "rude agent"], ["delivery", "staff"], False),
        (["late parcel", "late box", "rude agent"], ["delivery", "delivery", "staff"], False),
        (["late parcel", "rude agent", "wrong bill"], [{"delivery"}, {"staff"}, set()], True),
        ([], [], False),
    ],
)
def test_too_few_examples_are_refused(
    texts: list[str], labels: list[object], multilabel: bool
) -> None:
    with pytest.raises(ValueError, match="Too few examples"):
        TextModel.fit(texts, labels, multilabel=multilabel)


def test_labels_of_the_wrong_shape_are_refused() -> None:
    with pytest.raises(ValueError, match="one per text"):
        TextModel.fit(["a", "b"], ["x"])
    with pytest.raises(ValueError, match="collection of labels"):
        TextModel.fit(["late parcel", "late box"], ["delivery", "delivery"], multilabel=True)
    with pytest.raises(ValueError, match="non-empty string"):
        TextModel.fit(["late parcel", "late box"], [{"delivery"}, {"delivery"}])


def test_the_same_data_and_seed_give_the_same_model() -> None:
    texts, labels = multiclass_examples(45, seed=6)
    probe, _ = multiclass_examples(10, seed=7)
    first = TextModel.fit(texts, labels, seed=3).scores(probe)
    assert TextModel.fit(texts, labels, seed=3).scores(probe) == first


def test_a_saved_model_scores_exactly_as_the_original(model: TextModel) -> None:
    probe, _ = multiclass_examples(10, seed=8)
    loaded = TextModel.loads(model.dumps())
    assert loaded.labels == model.labels
    assert loaded.scores(probe) == model.scores(probe)


@pytest.mark.parametrize(
    "data",
    [b"", b"not a pickle", pickle.dumps({"format": "something else"}), pickle.dumps([1, 2])],
)
def test_loading_anything_else_is_refused(data: bytes) -> None:
    with pytest.raises(ValueError, match="Not a saved vocloop text model"):
        TextModel.loads(data)


def test_a_model_from_another_scikit_learn_version_is_refused(model: TextModel) -> None:
    envelope = pickle.loads(model.dumps())
    envelope["sklearn"] = "0.0.1"
    with pytest.raises(ValueError, match=r"scikit-learn 0\.0\.1.*train it again"):
        TextModel.loads(pickle.dumps(envelope))


def test_nothing_to_score_gives_nothing(model: TextModel) -> None:
    assert model.scores([]) == [] and model.predict([]) == [] and model.predict_sets([]) == []


def test_two_labels_work_like_more() -> None:
    texts, labels = multiclass_examples(40, seed=9)
    pairs = [(t, lb) for t, lb in zip(texts, labels, strict=True) if lb != "staff"]
    model = TextModel.fit([t for t, _ in pairs], [lb for _, lb in pairs])
    assert model.labels == ("billing", "delivery")
    held_out = ["today, the parcel arrived late again.", "really, charged twice this month."]
    assert model.predict(held_out) == ["delivery", "billing"]
    assert all(sum(s.values()) == pytest.approx(1.0) for s in model.scores(held_out))
