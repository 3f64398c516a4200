"""Learning themes from corrections: train → evaluate on held-out corrections → use, or keep
what is in use; and roll back."""

from __future__ import annotations

import random

import pytest
from django.core.management import CommandError, call_command

from tests.conftest import Org
from tests.helpers import give_feedback
from vocloop.insights.bulk import comments_read_bulk
from vocloop.insights.learning import (
    MIN_CORRECTIONS,
    NotEnoughCorrections,
    NothingNew,
    held_out,
    model_rollback,
    model_train,
)
from vocloop.insights.models import CommentTheme, Dimension, Theme, ThemeModel, Want
from vocloop.insights.services import correction_record
from vocloop.insights.taxonomy import reader_current
from vocloop.listening.models import Feedback

pytestmark = pytest.mark.django_db

PARKING = (
    "Could not find anywhere to park the car at your depot",
    "The car park was full again when I came to collect",
    "No parking spaces left for visitors this morning",
    "Had to leave the car on the street, the car park is tiny",
    "Parking at the depot is impossible after nine",
    "Nowhere to park, I circled the car park for twenty minutes",
)
BILLING = (
    "The invoice shows the wrong amount",
    "We were billed twice on the invoice",
    "The invoice number is missing on the bill",
)
OTHER = ("The agent was friendly", "The website is clear", "Quick answer, thanks")


@pytest.fixture
def taxonomy(org: Org) -> dict[str, Theme]:
    return {
        "billing": Theme.objects.create(
            name="Billing",
            slug="billing",
            dimension=Dimension.BILLING,
            want=Want.RIGHT_PRODUCT,
            phrases="invoice\nbill",
        ),
        # No phrases: only corrections can teach vocloop what this theme is.
        "parking": Theme.objects.create(
            name="Parking",
            slug="parking",
            dimension=Dimension.EASE_OF_USE,
            want=Want.ON_TIME,
            examples="The car park was full",
        ),
    }


def comments(org: Org, texts: tuple[str, ...], count: int, seed: int) -> list[Feedback]:
    rng = random.Random(seed)
    return [
        # Numbered so that no two are the same, alike in every batch.
        give_feedback(org.helpdesk, comment=f"{rng.choice(texts)} ({rng.randint(1, 999)})", score=5)
        for i in range(count)
    ]


def correct(org: Org, feedback: list[Feedback], themes: list[Theme]) -> None:
    for f in feedback:
        correction_record(feedback=f, themes=themes, sentiment="", by=org.support_agent)


def slugs(feedback: Feedback) -> set[str]:
    return set(CommentTheme.objects.filter(feedback=feedback).values_list("theme__slug", flat=True))


def test_training_needs_enough_corrections_to_hold_some_out(
    org: Org, taxonomy: dict[str, Theme]
) -> None:
    parking = comments(org, PARKING, MIN_CORRECTIONS - 1, seed=1)
    comments_read_bulk()
    correct(org, parking, [taxonomy["parking"]])
    with pytest.raises(NotEnoughCorrections, match="at least 20"):
        model_train()
    with pytest.raises(CommandError, match="at least 20"):
        call_command("themes", "train")
    assert not ThemeModel.objects.exists()


def test_a_model_that_beats_the_rules_on_held_out_corrections_is_used_then_rolled_back(
    org: Org, taxonomy: dict[str, Theme]
) -> None:
    parking = comments(org, PARKING, 40, seed=2)
    billing = comments(org, BILLING, 15, seed=3)
    comments(org, OTHER, 15, seed=4)
    unseen = comments(org, PARKING, 10, seed=5)
    comments_read_bulk()
    assert all(slugs(f) == set() for f in unseen)  # no phrase names parking
    correct(org, parking, [taxonomy["parking"]])
    correct(org, billing[:5], [taxonomy["billing"]])

    first = model_train()
    assert first.status == ThemeModel.Status.ACTIVE
    assert first.version == 1
    assert first.corrections_held_out == sum(held_out(f.pk) for f in parking + billing[:5])
    assert first.f1 > first.f1_before  # the rules alone never find parking
    assert "parking" in first.themes
    assert reader_current().model_version == 1

    comments_read_bulk(again=True)  # what the worker does after a new version is used
    learned = [f for f in unseen if "parking" in slugs(f)]
    assert len(learned) >= 8
    sources = CommentTheme.objects.filter(feedback__in=unseen, theme=taxonomy["parking"])
    assert set(sources.values_list("source", flat=True)) == {"model"}
    # Corrected comments keep what staff said.
    assert all(slugs(f) == {"parking"} for f in parking)

    # Mislabelled corrections (parking said to be billing), only in the part learned
    # from: the held-out corrections show the new version is worse, so it is not used.
    wrong = [f for f in comments(org, PARKING, 120, seed=6) if not held_out(f.pk)]
    comments_read_bulk()
    correct(org, wrong, [taxonomy["billing"]])
    second = model_train()
    assert second.status == ThemeModel.Status.REJECTED
    assert second.f1 < second.f1_before
    assert ThemeModel.objects.get(version=1).status == ThemeModel.Status.ACTIVE
    assert reader_current().model_version == 1

    # The quality manager rolls back: the phrase rules alone again.
    assert model_rollback() is None
    assert ThemeModel.objects.get(version=1).status == ThemeModel.Status.ROLLED_BACK
    assert reader_current().model is None
    comments_read_bulk(again=True)
    assert all("parking" not in slugs(f) for f in unseen)
    with pytest.raises(ValueError, match="No learned model is in use"):
        model_rollback()


def test_a_newer_version_replaces_the_one_in_use_and_rollback_returns_to_it(
    org: Org, taxonomy: dict[str, Theme]
) -> None:
    parking = comments(org, PARKING, 40, seed=7)
    comments_read_bulk()
    correct(org, parking, [taxonomy["parking"]])
    first = model_train()
    with pytest.raises(NothingNew, match="Nothing has changed since version 1"):
        model_train()  # it would learn the same
    more = comments(org, PARKING, 10, seed=8)
    comments_read_bulk()
    correct(org, more, [taxonomy["parking"]])
    second = model_train()  # more corrections, at least as good: it is used
    assert first.status == ThemeModel.Status.ACTIVE and second.status == ThemeModel.Status.ACTIVE
    assert ThemeModel.objects.get(version=1).status == ThemeModel.Status.RETIRED
    previous = model_rollback()
    assert previous is not None and previous.version == 1
    assert reader_current().model_version == 1


def test_a_model_no_better_than_the_rules_is_not_used(org: Org, taxonomy: dict[str, Theme]) -> None:
    # The phrase rules already find every billing comment the staff confirmed.
    billing = comments(org, BILLING, 40, seed=9)
    comments_read_bulk()
    correct(org, billing, [taxonomy["billing"]])
    model = model_train()
    assert model.f1 == model.f1_before == 1.0
    assert model.status == ThemeModel.Status.REJECTED
    assert reader_current().model is None


def test_train_now_on_the_page_says_at_once_when_nothing_changed(
    org: Org, taxonomy: dict[str, Theme]
) -> None:
    from django.urls import reverse

    from tests.staff_pages import logged_in

    parking = comments(org, PARKING, 40, seed=10)
    comments_read_bulk()
    correct(org, parking, [taxonomy["parking"]])
    model_train()
    page = logged_in(org.manager).post(reverse("insights:models"), {"action": "train"}, follow=True)
    assert "Nothing has changed since version 1 was trained" in page.content.decode()
