"""Emerging themes: a theme whose share of comments rises significantly above its own history."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from tests.conftest import Org
from tests.insights_themes import WEEKLY, fill
from tests.staff_pages import logged_in
from vocloop.insights.models import Theme
from vocloop.insights.selectors import emerging_themes

pytestmark = pytest.mark.django_db


def test_a_theme_rising_in_the_latest_weeks_is_flagged_in_plain_words(
    org: Org, clock: Any, parking: Theme
) -> None:
    today = clock.now.date()
    fill(org, today, [2] * 23 + [9, 10, 11])
    found = emerging_themes(today=today)
    assert [e.theme for e in found] == [parking]
    rising = found[0]
    assert rising.latest_share == pytest.approx((2 + 9 + 10 + 11) / (4 * WEEKLY))
    assert rising.usual_share == pytest.approx(2 / WEEKLY)
    assert rising.p_value < 0.05
    assert "40.0 % of comments in the last 4 whole weeks (32), against 10.0 %" in rising.plain
    overview = logged_in(org.support_agent).get(reverse("dashboards:overview")).content.decode()
    assert "Themes on the rise" in overview and "Parking" in overview


def test_a_small_rise_in_a_busy_theme_is_not_flagged(org: Org, clock: Any, parking: Theme) -> None:
    today = clock.now.date()
    fill(org, today, [8] * 22 + [9, 9, 9, 9])  # a ninth more: a trifle, and within noise
    assert emerging_themes(today=today) == []


def test_a_steady_theme_is_not_flagged(org: Org, clock: Any, parking: Theme) -> None:
    today = clock.now.date()
    fill(org, today, [2, 3, 1, 2, 2, 4, 2, 1, 3, 2, 2, 3, 2, 1, 2, 3, 2, 2, 1, 3, 2, 2, 3, 2, 2, 2])
    assert emerging_themes(today=today) == []
    overview = logged_in(org.support_agent).get(reverse("dashboards:overview")).content.decode()
    assert "Themes on the rise" not in overview


def test_a_rise_that_ended_weeks_ago_is_not_flagged_now(
    org: Org, clock: Any, parking: Theme
) -> None:
    today = clock.now.date()
    fill(org, today, [2] * 18 + [12, 12, 12] + [2] * 5)
    assert emerging_themes(today=today) == []
