"""Times on the staff pages read as past or future, whichever they are.

The clock is frozen at Friday 20 November 2026, 16:00 UTC; a Normal case opened then
is to be acknowledged by Monday 23rd, 16:00 (8 business hours, Monday to Friday
09:00–17:00 UTC).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

import vocloop
from tests.clock import utc
from tests.staff_pages import detail_url, logged_in, open_case
from vocloop.cases.services import case_set_severity
from vocloop.cases.templatetags.vocloop_time import relative
from vocloop.cases.timeline import Actor

NOW = utc(2026, 11, 20, 16, 0)


def text(html: str) -> str:
    """The page's words as a reader sees them: no tags, one space between words."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("\u00a0", " ").split())


@pytest.mark.parametrize(
    ("offset", "future", "past"),
    [
        (dt.timedelta(seconds=30), "in less than a minute", "just now"),
        (dt.timedelta(seconds=59), "in less than a minute", "just now"),
        (dt.timedelta(seconds=60), "in 1 min", "1 min ago"),
        (dt.timedelta(minutes=59, seconds=59), "in 59 min", "59 min ago"),
        (dt.timedelta(hours=3), "in 3 h", "3 h ago"),
        (dt.timedelta(hours=3, minutes=20), "in 3 h 20 min", "3 h 20 min ago"),
        (dt.timedelta(hours=23, minutes=59), "in 23 h 59 min", "23 h 59 min ago"),
        (dt.timedelta(days=1), "in 1 day", "1 day ago"),
        (dt.timedelta(days=1, hours=4, minutes=10), "in 1 day 4 h", "1 day 4 h ago"),
        (dt.timedelta(days=2, hours=23), "in 2 days", "2 days ago"),
        (dt.timedelta(days=20), "in 2 weeks", "2 weeks ago"),
        (dt.timedelta(days=75), "in 2 months", "2 months ago"),
        (dt.timedelta(days=364), "in 11 months", "11 months ago"),
        (dt.timedelta(days=400), "in 1 year", "1 year ago"),
    ],
)
def test_a_moment_reads_as_future_or_past_on_either_side_of_now(
    offset: dt.timedelta, future: str, past: str
) -> None:
    assert relative(NOW + offset, NOW).replace("\u00a0", " ") == future
    assert relative(NOW - offset, NOW).replace("\u00a0", " ") == past


def test_now_itself_is_just_now() -> None:
    assert relative(NOW, NOW) == "just now"


def test_the_case_page_counts_down_to_a_deadline_and_then_since_it(org, clock):
    case = open_case(org.helpdesk)
    assert case.acknowledge_by == utc(2026, 11, 23, 16, 0)
    client = logged_in(org.support_agent)

    page = text(client.get(detail_url(case)).content.decode())
    assert "Acknowledge by 23 Nov 2026, 16:00 UTC (in 3 days)" in page
    assert "Opened 20 Nov 2026, 16:00 UTC (just now)" in page

    clock.to(utc(2026, 11, 23, 12, 40))  # Monday, 3 h 20 min before it is due
    client = logged_in(org.support_agent)  # idle sessions end: log in at the new time
    page = text(client.get(detail_url(case)).content.decode())
    assert "Acknowledge by 23 Nov 2026, 16:00 UTC (in 3 h 20 min)" in page
    assert "Opened 20 Nov 2026, 16:00 UTC (2 days ago)" in page
    assert "Due soon" not in page  # more than two hours left

    clock.to(utc(2026, 11, 23, 14, 30))
    client = logged_in(org.support_agent)  # idle sessions end: log in at the new time
    page = text(client.get(detail_url(case)).content.decode())
    assert "Next deadline Due soon (in 1 h 30 min)" in page

    clock.to(utc(2026, 11, 23, 17, 5))  # past it
    client = logged_in(org.support_agent)  # idle sessions end: log in at the new time
    page = text(client.get(detail_url(case)).content.decode())
    assert "Next deadline Breached (1 h 5 min ago)" in page
    assert "Acknowledge by 23 Nov 2026, 16:00 UTC (1 h 5 min ago)" in page


def test_the_inbox_says_how_long_ago_a_case_opened_and_how_long_until_it_is_due(org, clock):
    open_case(org.helpdesk)
    client = logged_in(org.support_agent)
    clock.to(utc(2026, 11, 23, 14, 30))
    client = logged_in(org.support_agent)  # idle sessions end: log in at the new time
    page = text(client.get("/staff/").content.decode())
    assert "2 days ago" in page and "Due soon in 1 h 30 min" in page
    clock.to(utc(2026, 11, 23, 16, 45))
    client = logged_in(org.support_agent)  # idle sessions end: log in at the new time
    page = text(client.get("/staff/").content.decode())
    assert "3 days ago" in page and "Breached 45 min ago" in page


# One way to write a date on the staff pages: "7 Dec 2026", never "07 Dec 2026"


def test_every_date_on_a_staff_page_is_written_day_month_year_without_a_leading_zero():
    package = Path(vocloop.__file__).parent
    formats = {
        f"{path.relative_to(package)}: {fmt}"
        for folder in ("cases", "dashboards", "insights", "templates/staff")
        for path in (package / folder).rglob("*.html")
        for fmt in re.findall(r"\|date:[\"']([^\"']*)[\"']", path.read_text())
    }
    # Machine-read values (the datetime attribute, a date field, a same-day comparison) aside.
    shown = {f for f in formats if f.split(": ")[1] not in {"c", "Y-m-d", "Ymd"}}
    assert shown and all(f.split(": ")[1].startswith("j M") for f in shown), sorted(shown)


def test_a_moment_written_on_the_timeline_reads_as_the_page_around_it(org, clock):
    clock.to(utc(2026, 12, 7, 9, 0))  # a Monday morning
    case = open_case(org.helpdesk)
    case_set_severity(case=case, severity="critical", actor=Actor.staff(org.support_agent))
    page = text(logged_in(org.support_agent).get(detail_url(case)).content.decode())
    assert "Deadlines now: acknowledge by 7 Dec 2026, 10:00 UTC" in page
    assert "07 Dec" not in page
