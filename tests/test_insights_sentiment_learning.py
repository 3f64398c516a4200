"""Learning sentiment from the organisation's language: corrections and scored comments →
train → test on held-out comments → use, or keep the lexicon; versions and rollback."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from tests.clock import Clock
from tests.conftest import Org
from tests.helpers import give_feedback
from tests.staff_pages import logged_in, messages_of
from vocloop.insights.bulk import comments_read_bulk
from vocloop.insights.models import CommentText, SentimentModel
from vocloop.insights.sentiment_learning import (
    MIN_CORRECTIONS,
    MIN_JUDGED,
    MIN_SCORED,
    NEW_CORRECTIONS,
    NEW_SCORED_MIN,
    NotEnoughCorrections,
    NothingNew,
    new_labels,
    score_label,
    sentiment_model_rollback,
    sentiment_model_train,
    sentiment_training_refusal,
)
from vocloop.insights.services import correction_record
from vocloop.insights.tasks import nightly
from vocloop.insights.taxonomy import reader_current
from vocloop.insights.versions import REJECTED_MODELS_KEPT, held_out, version_keep
from vocloop.insights.vocabulary import sentiment_word_add
from vocloop.listening.models import Feedback
from vocloop.text.sentiment import sentiment

pytestmark = pytest.mark.django_db

# A broadband company whose customers say "sick" for great, and whose router is called
# "Fine": the lexicon reads the praise as negative and the complaints as positive.
PRAISE = (
    "The Fine box is sick, honestly",
    "Sick speeds all evening on the new box",
    "That upgrade is sick, streaming never stutters",
    "Sick install team, in and out",
    "Sick, the router just works now",
)
COMPLAINTS = (
    "The Fine box keeps dropping the line",
    "Fine box dropped the connection again",
    "My Fine router reboots every hour",
    "The Fine hub goes offline twice a day",
    "Fine box drops out during every call",
)
# Said plainly: the lexicon reads these right already.
PLAIN_PRAISE = (
    "Brilliant service, thank you so much",
    "Great help, really happy with the engineer",
    "Excellent, friendly and quick",
)
PLAIN_COMPLAINTS = (
    "Terrible service, nobody called back",
    "Awful, the refund never arrived",
    "Horrible experience, still waiting for a fix",
)


def comments(
    org: Org,
    praise: tuple[str, ...],
    complaints: tuple[str, ...],
    count: int,
    seed: int,
    *,
    scored: bool = False,
    held_out_at_least: int = 0,
) -> dict[Feedback, str]:
    """`count` comments, half praise and half complaints, with how they really feel; scored
    ones with a promoter's or a detractor's NPS. Which comments are held out follows their
    ids, which differ between databases: `held_out_at_least` adds comments until that many
    are held out, so that the test part always says something."""
    rng = random.Random(seed)
    made: dict[Feedback, str] = {}
    i = 0
    while i < count or sum(held_out(f.pk) for f in made) < held_out_at_least:
        good = i % 2 == 0
        text = f"{rng.choice(praise if good else complaints)} ({rng.randint(1, 999)})"
        score = (rng.choice([9, 10]) if good else rng.randint(0, 4)) if scored else None
        made[give_feedback(org.helpdesk, comment=text, score=score)] = (
            "positive" if good else "negative"
        )
        i += 1
    return made


def correct(org: Org, truth: dict[Feedback, str]) -> None:
    for feedback, label in truth.items():
        # Sentiment only: the themes are sent back as shown (none).
        correction_record(
            feedback=feedback, themes=[], themes_shown=[], sentiment=label, by=org.support_agent
        )


def read_as(feedback: Feedback) -> str:
    return CommentText.objects.get(feedback=feedback).sentiment


def test_the_rule_for_scored_comments() -> None:
    nps = {score: score_label("nps", score) for score in range(11)}
    assert nps == {
        **dict.fromkeys(range(7), "negative"),
        7: None,
        8: None,
        9: "positive",
        10: "positive",
    }
    csat = {score: score_label("csat", score) for score in range(1, 6)}
    assert csat == {1: "negative", 2: None, 3: None, 4: None, 5: "positive"}
    assert {score_label("ces", s) for s in range(1, 8)} == {None}
    assert score_label(None, None) is None


def test_a_model_that_learns_the_organisations_language_is_used(org: Org) -> None:
    scored = comments(org, PRAISE, COMPLAINTS, 240, seed=1, scored=True)
    corrected = comments(org, PRAISE, COMPLAINTS, 40, seed=2, held_out_at_least=MIN_JUDGED)
    unseen = comments(org, PRAISE, COMPLAINTS, 20, seed=3)
    comments_read_bulk()
    assert sum(read_as(f) == truth for f, truth in unseen.items()) <= 2  # the lexicon misreads
    correct(org, corrected)

    model = sentiment_model_train()
    assert model.status == SentimentModel.Status.ACTIVE and model.version == 1
    assert model.corrections_held_out == sum(held_out(f.pk) for f in corrected)
    assert model.scored_held_out == sum(held_out(f.pk) for f in scored)
    assert model.trained_on == len(scored) + len(corrected) - (
        model.corrections_held_out + model.scored_held_out
    )
    assert model.corrections_right is not None and model.scored_right is not None
    assert model.corrections_right > model.corrections_right_lexicon  # type: ignore[operator]
    assert model.scored_right > model.scored_right_lexicon  # type: ignore[operator]
    # Before it, the lexicon alone was in use.
    assert model.scored_right_before == model.scored_right_lexicon
    assert model.lexicon_weight < 1

    # The figures, counted again by hand with the reader now in use.
    reader = reader_current()
    assert reader.sentiment_version == 1
    for truth, right, lexicon_right in (
        (corrected, model.corrections_right, model.corrections_right_lexicon),
        (scored, model.scored_right, model.scored_right_lexicon),
    ):
        held = [f for f in truth if held_out(f.pk)]
        readings = reader.read_many([f.comment for f in held])
        counted = sum(r.sentiment.label == truth[f] for f, r in zip(held, readings, strict=True))
        assert right == pytest.approx(counted / len(held))
        plain = sum(sentiment(f.comment).label == truth[f] for f in held)
        assert lexicon_right == pytest.approx(plain / len(held))

    comments_read_bulk(again=True)  # what the worker does once a new version is in use
    assert sum(read_as(f) == truth for f, truth in unseen.items()) >= 18
    texts = CommentText.objects.filter(feedback__in=list(unseen))
    assert set(texts.values_list("sentiment_model_version", flat=True)) == {1}
    # Corrected comments keep what staff said.
    assert all(read_as(f) == truth for f, truth in corrected.items())
    # The case page says what read the comment.
    case = next(f.case for f in scored if f.case is not None)
    page = logged_in(org.support_agent).get(reverse("cases:detail", args=[case.reference]))
    assert "with the learned sentiment model v1" in page.content.decode()


def test_a_model_no_better_than_the_lexicon_is_not_used(org: Org) -> None:
    comments(org, PLAIN_PRAISE, PLAIN_COMPLAINTS, 240, seed=4, scored=True)
    correct(
        org, comments(org, PLAIN_PRAISE, PLAIN_COMPLAINTS, 40, seed=5, held_out_at_least=MIN_JUDGED)
    )
    model = sentiment_model_train()
    assert model.status == SentimentModel.Status.REJECTED
    assert model.scored_right == model.scored_right_lexicon == 1.0
    assert model.corrections_right == model.corrections_right_lexicon == 1.0
    assert reader_current().sentiment_model is None
    with pytest.raises(NothingNew, match="Too little is new since sentiment version 1"):
        sentiment_model_train()


def test_versions_are_kept_and_rolled_back(org: Org) -> None:
    comments(org, PRAISE, COMPLAINTS, 240, seed=6, scored=True)
    first = sentiment_model_train()
    assert first.status == SentimentModel.Status.ACTIVE
    assert first.corrections_right is None  # no correction held out: too few to judge
    correct(org, comments(org, PRAISE, COMPLAINTS, 40, seed=7))
    second = sentiment_model_train()  # more to learn from, no worse: used
    assert second.status == SentimentModel.Status.ACTIVE
    assert SentimentModel.objects.get(version=1).status == SentimentModel.Status.RETIRED
    assert second.scored_right_before == first.scored_right  # v1 was in use

    previous = sentiment_model_rollback()
    assert previous is not None and previous.version == 1
    assert reader_current().sentiment_version == 1
    assert sentiment_model_rollback() is None
    assert reader_current().sentiment_model is None
    assert list(SentimentModel.objects.values_list("version", "status")) == [
        (2, "rolled_back"),
        (1, "rolled_back"),
    ]
    with pytest.raises(ValueError, match="No learned sentiment model is in use"):
        sentiment_model_rollback()


def test_training_needs_enough_labelled_comments(org: Org) -> None:
    comments(org, PRAISE, COMPLAINTS, MIN_SCORED - 1, seed=8, scored=True)
    correct(org, comments(org, PRAISE, COMPLAINTS, MIN_CORRECTIONS - 1, seed=9))
    message = "19 comments have a corrected sentiment and 199 have a clear score"
    with pytest.raises(NotEnoughCorrections, match=message):
        sentiment_model_train()
    with pytest.raises(CommandError, match="needs at least 20 corrected or 200 scored"):
        call_command("sentiment", "train")
    assert not SentimentModel.objects.exists()


def test_the_command_trains_and_rolls_back(org: Org, capsys: Any) -> None:
    comments(org, PRAISE, COMPLAINTS, 240, seed=10, scored=True)
    call_command("sentiment", "train")
    out = capsys.readouterr().out
    assert "Sentiment version 1: In use." in out
    assert "held-out corrections: 0, too few to judge on." in out
    assert "held-out scored comments:" in out and "with the lexicon alone" in out
    call_command("sentiment", "rollback")
    assert "Now using the lexicon alone." in capsys.readouterr().out
    call_command("sentiment", "words")
    assert "please" in capsys.readouterr().out


def test_the_learned_model_page_shows_both_models_and_trains_both(
    org: Org, django_capture_on_commit_callbacks: Any
) -> None:
    comments(org, PRAISE, COMPLAINTS, 240, seed=11, scored=True)
    correct(org, comments(org, PRAISE, COMPLAINTS, 6, seed=12))
    client = logged_in(org.manager)
    page = client.get(reverse("insights:models")).content.decode()
    assert "6 comments with a corrected sentiment and 240 with a clear score." in page
    assert "0 theme corrections since the last training" in page
    with django_capture_on_commit_callbacks(execute=True):
        trained = client.post(reverse("insights:models"), {"action": "train"}, follow=True)
    said = " ".join(messages_of(trained))
    assert "Themes: 0 comments have been corrected" in said
    assert "Training of the sentiment model has started" in said
    queued = DBTaskResult.objects.filter(task_path__endswith="train_sentiment_model")
    assert queued.count() == 1
    assert queued.get().task.call() == "sentiment model v1: in use"
    page = client.get(reverse("insights:models")).content.decode()
    assert "Roll back sentiment version 1" in page
    back = client.post(reverse("insights:models"), {"action": "rollback_sentiment"}, follow=True)
    assert "Sentiment rolled back: now using the lexicon alone." in " ".join(messages_of(back))
    assert logged_in(org.support_lead).get(reverse("insights:models")).status_code == 403


def test_the_nightly_job_trains_the_sentiment_model_when_due(org: Org) -> None:
    comments(org, PRAISE, COMPLAINTS, MIN_SCORED - 10, seed=13, scored=True)
    assert nightly() == ""  # too few to learn from: nothing said, hour after hour
    comments(org, PRAISE, COMPLAINTS, 50, seed=14, scored=True)
    assert "sentiment model v1 in use" in nightly()
    assert "sentiment" not in nightly()  # trained within the day


def later(clock: Clock, hours: int = 1) -> None:
    clock.to(clock.now + dt.timedelta(hours=hours))


def test_a_new_version_waits_for_ten_more_corrected_comments(org: Org, clock: Clock) -> None:
    comments(org, PRAISE, COMPLAINTS, 240, seed=15, scored=True)
    first = sentiment_model_train()
    assert new_labels().scored_needed == NEW_SCORED_MIN  # a tenth of it learned from is less
    assert first.trained_on < 10 * NEW_SCORED_MIN
    later(clock)
    corrected = comments(org, PRAISE, COMPLAINTS, NEW_CORRECTIONS, seed=16)
    chosen = list(corrected.items())
    correct(org, dict(chosen[:-1]))
    for label in ("negative", "positive", "neutral"):  # one comment corrected again and again
        later(clock)
        correction_record(
            feedback=chosen[0][0], themes=[], themes_shown=[], sentiment=label, by=org.manager
        )
    said = (
        f"Too little is new since sentiment version 1 was trained: 9 comments corrected and "
        f"0 newly scored, and the sentiment words unchanged. Training again needs "
        f"{NEW_CORRECTIONS} corrected or {NEW_SCORED_MIN} newly scored comments"
    )
    with pytest.raises(NothingNew, match=said):
        sentiment_model_train()
    assert sentiment_training_refusal() is not None
    later(clock, 24)
    assert nightly() == ""  # due, and quiet: too little is new
    page = logged_in(org.manager).get(reverse("insights:models")).content.decode()
    assert "since version 1 was trained, 9 corrected and 0 newly scored" in page
    assert "trained only when 10 more comments are corrected, or 50 more are scored" in page

    correct(org, dict(chosen[-1:]))
    assert sentiment_training_refusal() is None
    assert "sentiment model v2" in nightly()


def test_a_new_version_waits_for_a_tenth_more_scored_comments(org: Org, clock: Clock) -> None:
    comments(org, PRAISE, COMPLAINTS, 240, seed=17, scored=True)
    sentiment_model_train()
    later(clock)
    comments(org, PRAISE, COMPLAINTS, NEW_SCORED_MIN - 1, seed=18, scored=True)
    comments(org, PRAISE, COMPLAINTS, 30, seed=19)  # unscored: no evidence of their feeling
    assert new_labels().scored == NEW_SCORED_MIN - 1
    with pytest.raises(NothingNew, match="49 newly scored"):
        sentiment_model_train()
    comments(org, PRAISE, COMPLAINTS, 1, seed=20, scored=True)
    assert sentiment_model_train().version == 2

    # After a version that learned from 1,200 comments, 120 newly scored are needed.
    later(clock)
    keep_version(better=False, model=b"model", trained_on=1200)
    later(clock)
    comments(org, PRAISE, COMPLAINTS, 119, seed=21, scored=True)
    new = new_labels()
    assert (new.version, new.scored, new.scored_needed, new.enough) == (3, 119, 120, False)
    comments(org, PRAISE, COMPLAINTS, 1, seed=22, scored=True)
    assert new_labels().enough


def test_a_change_of_the_sentiment_words_is_enough_to_train_again(org: Org, clock: Clock) -> None:
    comments(org, PRAISE, COMPLAINTS, 240, seed=23, scored=True)
    sentiment_model_train()
    later(clock)
    assert sentiment_training_refusal() is not None
    sentiment_word_add(word="sick", valence=2.5, by=org.manager)
    assert new_labels().words_changed
    assert sentiment_model_train().version == 2


def keep_version(better: bool, model: bytes, trained_on: int = 300) -> SentimentModel:
    current = SentimentModel.objects.filter(status=SentimentModel.Status.ACTIVE).first()
    return version_keep(
        SentimentModel,
        better=better,
        current=current,
        trained_on=trained_on,
        lexicon_weight=0.5,
        corrections_held_out=12,
        scored_held_out=70,
        scored_right=0.8,
        data=model,
    )


@pytest.mark.parametrize("seed", [1, 2])
def test_rejected_versions_older_than_the_latest_few_keep_their_figures_only(
    org: Org, seed: int
) -> None:
    rng = random.Random(seed)
    kept = {}
    for n in range(12):
        better = n == 0 or rng.random() < 0.3
        kept[keep_version(better, f"model {n}".encode()).version] = better
    rejected = sorted((v for v, used in kept.items() if not used), reverse=True)
    assert len(rejected) > REJECTED_MODELS_KEPT
    for version in SentimentModel.objects.all():
        latest = version.version in rejected[:REJECTED_MODELS_KEPT]
        expect = (
            b""
            if version.version in rejected and not latest
            else b"model %d" % (version.version - 1)
        )
        assert bytes(version.data) == expect, version.version
        assert (version.trained_on, version.scored_right, version.scored_held_out) == (
            300,
            0.8,
            70,
        )
