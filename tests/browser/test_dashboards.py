"""The demo's planted deterioration, seen in a real browser: the journey flags the one touch point
that got worse over the last two months, by a control-chart signal, and no other."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from vocloop.demo import loader
from vocloop.demo.organisation import DEMO_PASSWORD, DETERIORATING, MANAGER
from vocloop.listening.models import Touchpoint

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The demo as `make demo` loads it (seed 42, 20,000 responses), as of a fixed day.
NOW = dt.datetime(2026, 11, 20, 16, 0, tzinfo=dt.UTC)


def test_the_journey_flags_the_demos_deteriorating_touch_point_only(
    live_server, new_page, settings
) -> None:
    loader.demo_load(responses=20_000, seed=42, now=NOW)
    page = new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(MANAGER)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.get_by_role("link", name="Dashboards").click()
    page.get_by_role("link", name="Journey").click()
    page.get_by_label("To:", exact=True).fill(NOW.date().isoformat())
    page.get_by_label("From:", exact=True).fill("")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", name="Customer journey")).to_be_visible()

    worsening = Touchpoint.objects.get(slug=DETERIORATING)
    flagged = page.locator("section.touchpoint.flagged")
    expect(flagged).to_have_count(1)
    expect(flagged.get_by_role("heading", level=3)).to_contain_text(worsening.name)
    expect(flagged.locator(".signal-worse.signal-current").first).to_contain_text(
        re.compile(r"Getting worse: .*(σ|in a row)")
    )
    for other in Touchpoint.objects.exclude(slug=DETERIORATING):
        section = page.locator(f"#touchpoint-{other.slug}")
        expect(section).to_be_visible()
        expect(section.locator(".signal-current")).to_have_count(0)

    # Its control chart marks the points of the signal and explains it.
    flagged.get_by_role("link", name="CSAT").click()
    expect(page.get_by_role("heading", name="Control chart")).to_be_visible()
    assert page.locator("circle.point-signal").count() > 0
    expect(page.locator("ul.signals li.signal-current").first).to_contain_text("for the worse")
