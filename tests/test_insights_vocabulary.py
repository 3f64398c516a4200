"""The organisation's sentiment vocabulary: kept by the quality manager, applied to every
comment, and a change reads every comment again."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from tests.conftest import Org
from tests.helpers import give_feedback
from tests.staff_pages import logged_in, messages_of
from vocloop.conductor.reading import read_arrived
from vocloop.insights.in_use import vocabulary_current
from vocloop.insights.models import CommentText, SentimentTerm
from vocloop.insights.services import correction_record
from vocloop.insights.taxonomy import reader_current
from vocloop.listening.models import Feedback

pytestmark = pytest.mark.django_db

PAGE = "insights:vocabulary"


def read(org: Org, comment: str) -> Feedback:
    feedback = give_feedback(org.helpdesk, comment=comment, score=None)
    read_arrived(feedback=feedback)
    return feedback


def label(feedback: Feedback) -> str:
    return CommentText.objects.get(feedback=feedback).sentiment


def post(client: Client, capture: Any, **data: str) -> Any:
    with capture(execute=True):
        return client.post(reverse(PAGE), data, follow=True)


def run_rereading() -> int:
    """What the worker does with the re-readings queued: the last one reads, the rest give way."""
    done = 0
    for queued in DBTaskResult.objects.ready().filter(task_path__endswith="reread_comments"):
        done += queued.task.call(*queued.args_kwargs["args"])
        queued.delete()
    return done


def test_only_quality_managers_keep_the_vocabulary(org: Org) -> None:
    for user in (org.support_agent, org.support_lead):
        client = logged_in(user)
        assert client.get(reverse(PAGE)).status_code == 403
        refused = client.post(reverse(PAGE), {"action": "name", "name": "Joy Airlines"})
        assert refused.status_code == 403
    assert not SentimentTerm.objects.exists()
    page = logged_in(org.manager).get(reverse(PAGE))
    assert page.status_code == 200
    assert "Names with no sentiment" in page.content.decode()


def test_a_company_named_with_a_positive_word_is_no_longer_praised_by_its_name(
    org: Org, django_capture_on_commit_callbacks: Any
) -> None:
    complaint = read(org, "Superb Broadband switched my plan without asking.")
    thanks = read(org, "Thanks, the engineer from Superb Broadband was brilliant.")
    assert label(complaint) == "positive"  # VADER's "superb" speaks for the company's name
    client = logged_in(org.manager)
    page = post(client, django_capture_on_commit_callbacks, action="name", name="Superb  Broadband")
    assert "“Superb Broadband” now carries no sentiment" in " ".join(messages_of(page))
    assert vocabulary_current().names == ("Superb Broadband",)
    assert run_rereading() == 2
    assert label(complaint) == "neutral"
    assert label(thanks) == "positive"  # "brilliant" is still praise
    # Comments arriving later are read with it too.
    assert label(read(org, "SUPERB BROADBAND cut me off.")) != "positive"
    assert "Superb Broadband" in page.content.decode()


def test_a_word_carries_the_sentiment_it_has_in_the_trade(
    org: Org, django_capture_on_commit_callbacks: Any
) -> None:
    board = read(org, "The new board is sick!")
    corrected = read(org, "That trick was sick.")
    correction_record(feedback=corrected, themes=[], sentiment="neutral", by=org.support_agent)
    assert label(board) == "negative"
    client = logged_in(org.manager)
    post(client, django_capture_on_commit_callbacks, action="word", word="Sick", valence="2.5")
    assert SentimentTerm.objects.get(kind="word").term == "sick"
    run_rereading()
    assert label(board) == "positive"
    assert label(corrected) == "neutral"  # as staff set it
    assert reader_current().vocabulary == vocabulary_current()


@pytest.mark.django_db(transaction=True)  # each change commits and queues its re-reading
def test_vocloops_adjustments_are_shown_and_may_be_switched_off_or_overridden(
    org: Org, django_capture_on_commit_callbacks: Any
) -> None:
    request = read(org, "Please call me back about my order.")
    assert label(request) == "neutral"
    client = logged_in(org.manager)
    page = client.get(reverse(PAGE)).content.decode()
    assert "please" in page and "The formulae of a request are politeness" in page
    switched = post(client, django_capture_on_commit_callbacks, action="switch", word="please")
    assert "switched off: VADER's own reading holds" in " ".join(messages_of(switched))
    assert vocabulary_current().switched_off == frozenset({"please"})
    run_rereading()
    assert label(request) == "positive"  # VADER's own "please"
    post(client, django_capture_on_commit_callbacks, action="switch", word="please", on="1")
    assert vocabulary_current().switched_off == frozenset()
    run_rereading()
    assert label(request) == "neutral"
    # Overriding: the organisation's own valence for a word vocloop adjusts.
    override = client.get(reverse(PAGE), {"word": "slow"}).content.decode()
    assert 'value="slow"' in override
    post(client, django_capture_on_commit_callbacks, action="word", word="slow", valence="")
    assert vocabulary_current().words == (("slow", None),)
    assert "overridden: none" in client.get(reverse(PAGE)).content.decode()
    word = SentimentTerm.objects.get(kind="word")
    post(client, django_capture_on_commit_callbacks, action="remove", term=str(word.pk))
    assert vocabulary_current().words == ()


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"action": "name", "name": ""}, "This field is required."),
        ({"action": "name", "name": " ?! "}, "at least one letter or digit"),
        ({"action": "name", "name": "superb broadband"}, "already among the names"),
        ({"action": "name", "name": "fine"}, "has no capital"),
        ({"action": "name", "name": "@JoyAir"}, "read as a name already"),
        ({"action": "name", "name": "x" * 61}, "at most 60 characters"),
        ({"action": "name", "name": "one two three four five six seven"}, "at most 6 words"),
        ({"action": "word", "word": "sick", "valence": "9"}, "between −4 and 4"),
        ({"action": "word", "word": "sick", "valence": "-4.5"}, "between −4 and 4"),
        ({"action": "word", "word": "sick", "valence": "nan"}, "Enter a number."),
        ({"action": "word", "word": "sick", "valence": "1e400"}, "Enter a number."),
        ({"action": "word", "word": "sick", "valence": "lots"}, "Enter a number."),
        ({"action": "word", "word": "Rad", "valence": "1"}, "already among the words"),
        ({"action": "word", "word": "good", "valence": "1.9"}, "nothing to change"),
        ({"action": "word", "word": "", "valence": "1"}, "This field is required."),
    ],
)
def test_bad_entries_get_a_form_error_and_change_nothing(
    org: Org, data: dict[str, str], error: str
) -> None:
    SentimentTerm.objects.create(kind="name", term="Superb Broadband")
    SentimentTerm.objects.create(kind="word", term="rad", valence=2.0)
    response = logged_in(org.manager).post(reverse(PAGE), data)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert SentimentTerm.objects.count() == 2
    assert not DBTaskResult.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": "remove", "term": "abc"}, "not in the list"),
        ({"action": "remove", "term": "9" * 30}, "not in the list"),
        ({"action": "remove", "term": "²"}, "not in the list"),
        ({"action": "switch", "word": "sick"}, "not one of vocloop's adjustments"),
        ({"action": "dance"}, "Choose to add a name or a word"),
    ],
)
def test_odd_requests_get_a_message_never_an_error(
    org: Org, data: dict[str, str], message: str
) -> None:
    response = logged_in(org.manager).post(reverse(PAGE), data, follow=True)
    assert response.status_code == 200
    assert message in " ".join(messages_of(response))


def test_a_comment_can_be_tried_with_the_vocabulary_and_without(org: Org) -> None:
    SentimentTerm.objects.create(kind="name", term="Joy Airlines")
    client = logged_in(org.manager)
    page = client.get(reverse(PAGE), {"text": "Joy Airlines changed my seat."})
    assert page.status_code == 200
    tried = page.context["tried"]
    assert (tried["here"].label, tried["defaults"].label) == ("neutral", "positive")
    too_long = client.get(reverse(PAGE), {"text": "x" * 5001})
    assert too_long.status_code == 400
    assert "at most 5000 characters" in too_long.content.decode()
