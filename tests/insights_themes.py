"""Themes and comments the insights tests share: fixtures (a plugin of conftest) and `fill`."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache

from tests.conftest import Org
from tests.helpers import give_feedback
from vocloop.insights.bulk import comments_read_bulk
from vocloop.insights.models import Dimension, Theme, Want
from vocloop.insights.selectors import whole_weeks


def _theme(name: str, dimension: str, want: str, phrases: str) -> Theme:
    return Theme.objects.create(
        name=name, slug=name.lower(), dimension=dimension, want=want, phrases=phrases
    )


@pytest.fixture
def billing(org: Org) -> Theme:
    return _theme("Billing", Dimension.BILLING, Want.RIGHT_PRODUCT, "invoice\ncharged twice")


@pytest.fixture
def waiting(org: Org) -> Theme:
    return _theme("Waiting", Dimension.TIMELINESS, Want.ON_TIME, "on hold")


@pytest.fixture
def parking(org: Org) -> Theme:
    return _theme("Parking", Dimension.EASE_OF_USE, Want.ON_TIME, "parking")


WEEKLY = 20
OTHER = (
    "The agent answered quickly.",
    "Nice people at the help desk.",
    "The manual was clear enough.",
    "Renewal went smoothly this year.",
    "The dashboard loads fine now.",
)


def fill(org: Org, today: dt.date, parking_per_week: list[int]) -> None:
    """WEEKLY comments at the help desk in each of the whole weeks before today's, the
    given number of them about parking, read."""
    weeks = whole_weeks(today, len(parking_per_week))
    for monday, parking in zip(weeks, parking_per_week, strict=True):
        for i in range(WEEKLY):
            at = dt.datetime.combine(monday + dt.timedelta(days=i % 5), dt.time(10), dt.UTC)
            comment = f"No parking space at the depot again ({i})." if i < parking else OTHER[i % 5]
            give_feedback(org.helpdesk, score=8, comment=comment, occurred_at=at)
    comments_read_bulk()
    cache.clear()
