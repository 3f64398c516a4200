"""Sentiment in a real browser: the quality manager tells vocloop the company's name and its
customers' words, and trains the sentiment model from the Learned models page."""

from __future__ import annotations

import random

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from tests.conftest import PASSWORD, make_user
from tests.helpers import give_feedback
from vocloop.accounts.models import Team
from vocloop.accounts.roles import QUALITY_MANAGERS_GROUP
from vocloop.insights.bulk import comments_read_bulk
from vocloop.insights.models import CommentText, SentimentModel
from vocloop.insights.rereading import reread_comments
from vocloop.insights.tasks import train_sentiment_model
from vocloop.listening.models import LifecycleStage, Touchpoint

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PRAISE = ("The Fine box is sick, honestly", "Sick speeds all evening on the new box")
COMPLAINTS = ("The Fine box keeps dropping the line", "My Fine router reboots every hour")


def test_the_manager_keeps_the_words_and_trains_the_model(live_server, new_page, tmp_path) -> None:
    manager = make_user("maria_manager", is_staff=True)
    manager.groups.add(Group.objects.get_or_create(name=QUALITY_MANAGERS_GROUP)[0])
    support = Team.objects.create(name="Support", slug="support")
    desk = Touchpoint.objects.create(
        name="Help desk", slug="help-desk", stage=LifecycleStage.SUPPORT, owning_team=support
    )
    complaint = give_feedback(
        desk, comment="Superb Broadband switched my plan without asking.", score=None
    )
    rng = random.Random(1)
    for i in range(240):
        good = i % 2 == 0
        give_feedback(
            desk,
            comment=f"{rng.choice(PRAISE if good else COMPLAINTS)} ({i})",
            score=10 if good else 2,
        )
    comments_read_bulk()

    page = new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(manager.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Themes", exact=True).first.click()
    page.get_by_role("link", name="Sentiment words").click()
    expect(page.get_by_role("heading", name="The words sentiment is read from")).to_be_visible()

    # The company's name reads as praise until the manager names it.
    page.get_by_label("Comment:", exact=True).fill(complaint.comment)
    page.get_by_role("button", name="Read it").click()
    expect(page.locator("#try dl dd").first).to_contain_text("Positive")
    page.get_by_label("Name:", exact=True).fill("Superb Broadband")
    page.get_by_role("button", name="Add name").click()
    expect(page.locator(".messages")).to_contain_text("“Superb Broadband” now carries no sentiment")
    page.get_by_label("Word:", exact=True).fill("sick")
    page.get_by_label("Sentiment here").fill("2.5")
    page.get_by_role("button", name="Add word").click()
    expect(page.locator("#words table")).to_contain_text("+2.5")
    page.get_by_role("button", name="Switch off please").click()
    expect(page.locator("#defaults")).to_contain_text("off · Switch on")
    page.get_by_label("Comment:", exact=True).fill(complaint.comment)
    page.get_by_role("button", name="Read it").click()
    expect(page.locator("#try dl dd").first).to_contain_text("Neutral")
    page.screenshot(path=str(tmp_path / "sentiment-words.png"), full_page=True)
    for part in ("try", "words", "defaults"):
        page.locator(f"#{part}").screenshot(path=str(tmp_path / f"sentiment-words-{part}.png"))
    reread_comments.call()
    assert CommentText.objects.get(feedback=complaint).sentiment == "neutral"

    # The learned model: trained in the background, shown with its figures.
    page.get_by_role("link", name="Learned models").click()
    expect(page.locator("#sentiment")).to_contain_text("240 with a clear score")
    page.get_by_role("button", name="Train now").click()
    expect(page.locator(".messages")).to_contain_text("Training of the sentiment model has started")
    train_sentiment_model.call()
    page.reload()
    version = SentimentModel.objects.get()
    expect(page.locator("#sentiment table tbody tr").first).to_contain_text(
        version.get_status_display()
    )
    page.screenshot(path=str(tmp_path / "learned-models.png"), full_page=True)
    page.locator("#sentiment").screenshot(path=str(tmp_path / "learned-models-sentiment.png"))
    page.get_by_role("button", name=f"Roll back sentiment version {version.version}").click()
    expect(page.locator(".messages")).to_contain_text("now using the lexicon alone")
