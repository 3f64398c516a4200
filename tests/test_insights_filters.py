"""The themes pages' filters: the dashboards' names and meaning, followed by every figure.

The clock is frozen at Friday 20 November 2026; the last four whole weeks before it
run from Monday 19 October to Sunday 15 November.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core.cache import cache
from django.urls import reverse

from tests.conftest import Org
from tests.helpers import give_feedback
from tests.insights_themes import fill
from tests.staff_pages import logged_in
from vocloop.insights.bulk import comments_read_bulk
from vocloop.insights.models import Dimension, Theme

pytestmark = pytest.mark.django_db

THEMES = reverse("insights:themes")


def said(org: Org, clock: Any) -> None:
    """Invoicing: 3 comments on the web about invoices. Help desk: 2 by email, 1 on invoices."""
    at = clock.now - dt.timedelta(days=3)
    for i in range(3):
        give_feedback(org.invoicing, comment=f"Wrong invoice {i}", channel="web", occurred_at=at)
    give_feedback(org.helpdesk, comment="Invoice never came", channel="email", occurred_at=at)
    give_feedback(org.helpdesk, comment="Kind agent", channel="email", occurred_at=at)
    comments_read_bulk()
    cache.clear()


def billing_figure(page: Any) -> Any:
    return next(f for _, f in page.context["figures"] if f.key == "billing")


def words(page: Any) -> str:
    """The page's text as read: tags gone, one space between words, none before a colon."""
    text = " ".join(re.sub(r"<[^>]+>", " ", page.content.decode()).split())
    return re.sub(r" ([:.,])", r"\1", text)


def test_the_dates_are_named_as_on_the_dashboards_and_old_links_still_work(
    org: Org, clock: Any, billing: Theme
) -> None:
    said(org, clock)
    give_feedback(org.invoicing, comment="Old invoice", occurred_at=clock.now - dt.timedelta(200))
    comments_read_bulk()
    client = logged_in(org.support_agent)
    dates = {"from": "2026-11-01", "to": "2026-11-20"}
    page = client.get(THEMES, dates)
    assert (billing_figure(page).comments, page.context["comments"]) == (4, 5)
    html = page.content.decode()
    assert 'name="from"' in html and 'name="to"' in html and 'name="date_from"' not in html
    assert 'href="/staff/insights/themes/billing/?from=2026-11-01&amp;to=2026-11-20"' in html
    kept = client.get(THEMES, {"date_from": "2026-11-01", "date_to": "2026-11-20"})
    assert kept.status_code == 200
    assert (billing_figure(kept).comments, kept.context["comments"]) == (4, 5)
    billing_url = reverse("insights:theme", args=["billing"])
    theme_page = client.get(billing_url, {"date_from": "2026-11-01"})
    assert theme_page.context["figure"].comments == 4
    assert theme_page.context["first"] == dt.date(2026, 11, 1)


def test_a_touch_point_narrows_every_figure_on_the_themes_page(
    org: Org, clock: Any, billing: Theme
) -> None:
    said(org, clock)
    client = logged_in(org.manager)
    everything = client.get(THEMES)
    assert (billing_figure(everything).comments, everything.context["comments"]) == (4, 5)

    page = client.get(THEMES, {"touchpoint": "help-desk"})
    assert (billing_figure(page).comments, page.context["comments"]) == (1, 2)
    assert billing_figure(page).negative.n == 1
    assert "2 comments read from 23 Aug 2026 to 20 Nov 2026 at Help desk" in words(page)
    assert '<option value="help-desk" selected>Help desk</option>' in page.content.decode()
    # Grouped another way the same comments count, and a theme's page keeps the filter.
    by_dimension = client.get(THEMES, {"touchpoint": "help-desk", "by": "dimension"})
    assert {f.key: f.comments for f in by_dimension.context["figures"]}[Dimension.BILLING] == 1
    assert "touchpoint=help-desk" in page.content.decode().split("/themes/billing/?")[1][:80]


def test_a_channel_narrows_every_figure_on_the_themes_page(
    org: Org, clock: Any, billing: Theme
) -> None:
    said(org, clock)
    client = logged_in(org.manager)
    page = client.get(THEMES, {"channel": "web"})
    assert (billing_figure(page).comments, page.context["comments"]) == (3, 3)
    assert "through the web channel" in words(page)
    page = client.get(THEMES, {"channel": "email", "touchpoint": "invoicing"})
    assert (billing_figure(page).comments, page.context["comments"]) == (0, 0)
    # A channel nothing came through is asked for like any other: it has no comments.
    page = client.get(THEMES, {"channel": "carrier pigeon"})
    assert page.status_code == 200 and page.context["comments"] == 0


def test_a_themes_page_follows_the_filters_and_still_hides_other_teams_comments(
    org: Org, clock: Any, billing: Theme
) -> None:
    said(org, clock)
    url = reverse("insights:theme", args=["billing"])
    own = logged_in(org.billing_agent).get(url, {"touchpoint": "invoicing", "channel": "web"})
    assert own.context["figure"].comments == 3
    listed = sorted(f.comment for f in own.context["recent"])  # all given at one moment
    assert listed == [f"Wrong invoice {i}" for i in range(3)]
    assert "Invoice never came" not in own.content.decode()
    # The Support agent learns how much is said at the billing team's touch point, not what.
    other = logged_in(org.support_agent).get(url, {"touchpoint": "invoicing"})
    assert other.context["figure"].comments == 3
    assert other.context["recent"] == [] and "Wrong invoice" not in other.content.decode()


def test_an_unknown_touch_point_is_explained_not_an_error(org: Org, billing: Theme) -> None:
    client = logged_in(org.manager)
    page = client.get(THEMES, {"touchpoint": "no-such-place"})
    assert page.status_code == 400
    assert "Touch point</label>: Select a valid choice." in page.content.decode()
    page = client.get(reverse("insights:theme", args=["billing"]), {"touchpoint": "nowhere"})
    assert page.status_code == 400 and "These filters could not be used" in page.content.decode()
    page = client.get(THEMES, {"channel": "x" * 51})
    assert page.status_code == 400


def test_on_the_rise_names_its_weeks_and_follows_the_last_day_chosen(
    org: Org, clock: Any, parking: Theme
) -> None:
    today = clock.now.date()
    fill(org, today, [2] * 22 + [9, 10, 11, 12])
    client = logged_in(org.support_agent)
    now = words(client.get(THEMES))
    assert "On the rise in the four whole weeks 19 Oct – 15 Nov 2026:" in now
    assert "the 22 weeks before, 18 May 2026 – 18 Oct 2026" in now
    assert "Parking: 52.5 % of comments" in now
    # A range that ends before the rise looks at the weeks up to its end instead.
    before = words(client.get(THEMES, {"from": "2026-08-01", "to": "2026-10-04"}))
    assert "No theme is on the rise in the four whole weeks 7 Sep – 4 Oct 2026:" in before
    assert "Parking" not in before.split("No theme is on the rise")[1].split("Theme Dimension")[0]
    # A range reaching into the future is as of today: the week in progress is not whole.
    future = words(client.get(THEMES, {"from": "2026-11-01", "to": "2027-01-31"}))
    assert "On the rise in the four whole weeks 19 Oct – 15 Nov 2026:" in future
    theme_page = words(client.get(reverse("insights:theme", args=["parking"])))
    assert "On the rise in the four whole weeks 19 Oct – 15 Nov 2026: 52.5 %" in theme_page


def test_on_the_rise_counts_only_the_touch_point_chosen(
    org: Org, clock: Any, parking: Theme
) -> None:
    today = clock.now.date()
    fill(org, today, [2] * 22 + [9, 10, 11, 12])  # all at the help desk
    client = logged_in(org.support_agent)
    at_help_desk = words(client.get(THEMES, {"touchpoint": "help-desk"}))
    assert "On the rise in the four whole weeks 19 Oct – 15 Nov 2026 at Help desk:" in at_help_desk
    at_invoicing = words(client.get(THEMES, {"touchpoint": "invoicing"}))
    assert "No theme is on the rise in the four whole weeks 19 Oct – 15 Nov 2026 at Invoicing" in (
        at_invoicing
    )
