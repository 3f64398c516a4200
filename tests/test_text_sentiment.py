"""Sentiment of comments, judged clause by clause: praise with a problem is not praise."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vocloop.text.sentiment import clauses_of, label_of, sentiment


@pytest.mark.parametrize(
    "text",
    [
        "The engineer was friendly and fixed it in an hour. Brilliant service!",
        "Thank you, the new portal is so much easier to use.",
    ],
)
def test_plain_praise_is_positive(text: str) -> None:
    result = sentiment(text)
    assert result.label == "positive" and result.score > 0.3


@pytest.mark.parametrize(
    "text",
    [
        "The invoice is wrong again and nobody answers the phone.",
        "Terrible. Three missed appointments in a row.",
    ],
)
def test_plain_complaints_are_negative(text: str) -> None:
    result = sentiment(text)
    assert result.label == "negative" and result.score < -0.3


@pytest.mark.parametrize(
    "text",
    [
        "The agent was lovely but the invoice is wrong again.",
        "Great product. However, delivery was two weeks late and the box was damaged.",
        "Friendly staff, nice office, good coffee. The refund never arrived though, "
        "and I am really angry about it.",
    ],
)
def test_mixed_feedback_with_a_problem_is_not_called_positive(text: str) -> None:
    result = sentiment(text)
    assert result.label == "negative", result
    assert len(result.clauses) >= 2
    assert any(score > 0 for _, score in result.clauses)


@pytest.mark.parametrize(
    "text",
    ["The setup was not easy at all.", "The service was not good.", "Not happy."],
)
def test_negated_praise_is_negative(text: str) -> None:
    assert sentiment(text).label == "negative"


@pytest.mark.parametrize(
    "text",
    [
        "The delivery arrived outside the agreed time window. Please fix this soon.",
        "Please send the invoice again, thanks in advance.",
        "I hope someone can call me back. Kindly reply to this email.",
    ],
)
def test_the_formulae_of_a_request_are_not_praise(text: str) -> None:
    assert sentiment(text).label != "positive", sentiment(text)


@pytest.mark.parametrize(
    "text",
    [
        "Support never called back.",
        "The support agent hung up on me.",
        "My credit report still shows the closed account.",
        "The interest on the rewards card was charged again.",
    ],
)
def test_naming_what_the_business_does_is_not_praise(text: str) -> None:
    assert sentiment(text).label != "positive", sentiment(text)


def test_poor_service_in_words_vader_lacks_is_negative() -> None:
    assert sentiment("Charged twice. Very slow and unhelpful.").label == "negative"
    assert sentiment("Brilliant customer support, sorted in minutes.").label == "positive"


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Could not be happier!", "positive"),
        ("I couldn't have been happier with the crew.", "positive"),
        ("We could not ask for better service.", "positive"),
        ("Honestly, it could not be worse.", "negative"),
        ("The app can't get any worse.", "negative"),
    ],
)
def test_praise_and_blame_said_by_negation_are_read_as_meant(text: str, label: str) -> None:
    assert sentiment(text).label == label


def test_neutral_statements_and_empty_text_are_neutral() -> None:
    assert sentiment("The parcel arrived on Tuesday.").label == "neutral"
    empty = sentiment("  ")
    assert (empty.score, empty.label, empty.clauses) == (0.0, "neutral", ())


@pytest.mark.xfail(strict=True, reason="sarcasm is hard for a lexicon: scored as praise")
def test_sarcasm_is_known_to_be_hard() -> None:
    assert sentiment("Great, another two hours on hold. Just wonderful.").label == "negative"


def test_clauses_are_split_at_sentences_and_contrasts() -> None:
    assert clauses_of("Good app, but slow. Support helped; however the bill is wrong!") == [
        "Good app",
        "but slow.",
        "Support helped",
        "however the bill is wrong!",
    ]


def test_labels_use_the_usual_cut_offs() -> None:
    assert [label_of(s) for s in (0.05, 0.0499, -0.0499, -0.05)] == [
        "positive",
        "neutral",
        "neutral",
        "negative",
    ]


@given(st.text(max_size=300))
def test_any_text_gets_a_score_between_minus_one_and_one(text: str) -> None:
    result = sentiment(text)
    assert -1.0 <= result.score <= 1.0
    assert result.label == label_of(result.score)
