"""What customers say, in a real browser: the demo's delivery problems rising, the new booking
system nobody has named yet discovered and accepted as a theme, and a case page that tells the
agent how many other customers said the same, taking a correction."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db.models import Count
from django.utils import timezone
from playwright.sync_api import expect

from vocloop.demo import loader
from vocloop.demo.organisation import DEMO_PASSWORD, MANAGER
from vocloop.insights.models import CommentTheme, Correction, Theme
from vocloop.listening.models import Feedback

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOW = dt.datetime(2026, 11, 20, 16, 0, tzinfo=dt.UTC)


def test_themes_rise_are_discovered_and_corrected(live_server, new_page, monkeypatch) -> None:
    loader.demo_load(responses=20_000, seed=42, now=NOW)
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    page = new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(MANAGER)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()

    # The overview says which themes are on the rise: the deteriorating delivery.
    page.get_by_role("link", name="Dashboards").click()
    rising = page.locator(".emerging-summary")
    expect(rising).to_contain_text("Themes on the rise")
    expect(rising).to_contain_text(re.compile("delivery", re.I))

    # Discovery finds the new booking system, which the starting taxonomy does not name.
    page.get_by_role("link", name="Themes", exact=True).first.click()
    expect(page.get_by_role("heading", name="What customers talk about")).to_be_visible()
    page.get_by_role("button", name="Discover new themes").click()
    booking = page.locator("#proposals a", has_text="booking")
    expect(booking).to_have_count(1)
    booking.click()
    expect(page.locator("ul.comments li")).to_have_count(5)
    page.get_by_label("Name").fill("New booking system")
    page.get_by_label("Dimension").select_option(label="Timeliness")
    page.get_by_label("Want").select_option(label="On time")
    page.get_by_role("button", name="Accept").click()
    expect(page.get_by_role("heading", name="New booking system")).to_be_visible()
    phrases = Theme.objects.get(name="New booking system").phrase_list
    assert any("booking" in phrase for phrase in phrases), phrases

    # A case whose complaint many customers made: the agent sees how many, and corrects it.
    feedback = (
        Feedback.objects.filter(case__isnull=False, text__similar_group__isnull=False)
        .annotate(alike=Count("text__similar_group__comments"))
        .order_by("-alike", "pk")
        .select_related("case")
        .first()
    )
    assert feedback is not None and feedback.case is not None
    page.goto(f"{live_server.url}/staff/cases/{feedback.case.reference}/")
    reading = page.locator(f"#feedback-{feedback.reference} .reading")
    expect(reading.locator(".similar summary")).to_contain_text(
        re.compile(r"\d+ other customers? said something similar within 30 days")
    )
    reading.get_by_text("Correct how this comment was read").click()
    reading.get_by_label("Invoice errors").check()
    reading.get_by_label("Sentiment").select_option("negative")
    reading.get_by_role("button", name="Save correction").click()
    expect(page.locator(".messages")).to_contain_text("now reads as you said")
    correction = Correction.objects.get(feedback=feedback)
    assert "Invoice errors" in {t.name for t in correction.themes.all()}
    assert CommentTheme.objects.filter(
        feedback=feedback, theme__name="Invoice errors", source="staff"
    ).exists()
