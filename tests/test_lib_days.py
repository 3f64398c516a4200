"""The day a moment counts on: its date in vocloop's time zone, whoever is looking."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from tests.clock import Clock, utc
from tests.conftest import Org
from tests.helpers import give_feedback
from vocloop.insights.models import CommentText
from vocloop.insights.services import comment_read
from vocloop.lib.days import day_of
from vocloop.metrics.models import FeedbackRollup


def test_a_moment_after_midnight_in_vocloops_zone_counts_on_the_next_day(settings: Any) -> None:
    settings.TIME_ZONE = "Europe/Amsterdam"  # UTC+1 in March
    assert day_of(utc(2026, 3, 1, 22, 59)) == dt.date(2026, 3, 1)
    assert day_of(utc(2026, 3, 1, 23, 0)) == dt.date(2026, 3, 2)


def test_the_day_is_vocloops_whatever_zone_is_active(settings: Any) -> None:
    settings.TIME_ZONE = "Europe/Amsterdam"
    with timezone.override("America/New_York"):  # 18:30 on the 1st there
        assert day_of(utc(2026, 3, 1, 23, 30)) == dt.date(2026, 3, 2)


@pytest.mark.django_db
def test_a_comment_counts_on_its_feedbacks_day_in_the_figures(
    org: Org, clock: Clock, settings: Any
) -> None:
    settings.TIME_ZONE = "Europe/Amsterdam"
    clock.to(utc(2026, 3, 1, 23, 30))  # 00:30 on the 2nd in Amsterdam
    with timezone.override("America/New_York"):
        feedback = give_feedback(org.helpdesk, score=2, comment="Nobody called me back.")
        comment_read(feedback=feedback)
    assert FeedbackRollup.objects.get().day == dt.date(2026, 3, 2)
    assert CommentText.objects.get(feedback=feedback).day == dt.date(2026, 3, 2)
