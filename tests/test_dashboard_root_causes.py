"""The root-cause analysis: the Pareto of causes, the top causes over time, the cases behind."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import random
import re
from collections import Counter
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from scipy import optimize, stats

from tests.clock import Clock
from tests.conftest import Org
from tests.staff_pages import detail_url, logged_in, open_case, post_action
from vocloop.cases.models import Case, RootCause, Status
from vocloop.cases.services import case_reopen, case_resolve
from vocloop.cases.timeline import Actor
from vocloop.listening.models import Touchpoint

# The clock fixture's today is Friday 20 November 2026: the default range starts on
# Monday 25 May, and the week of 16 November is still in progress.
FIRST_MONDAY = dt.date(2026, 5, 25)
WHOLE_WEEKS = 25
URL = reverse("dashboards:root_causes")

_references = itertools.count(700_000)


def resolved(
    touchpoint: Touchpoint, cause: str | None, day: dt.date, n: int = 1, *, hour: int = 12
) -> list[Case]:
    """n cases of the touch point's team resolved at noon UTC that day with that root cause."""
    at = dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)
    root = RootCause.objects.get(slug=cause) if cause else None
    team = touchpoint.owning_team
    assert team is not None
    rows = [
        Case(
            reference=f"VL-2026-{next(_references)}",
            touchpoint=touchpoint,
            team=team,
            status=Status.RESOLVED,
            opened_at=at - dt.timedelta(days=2),
            acknowledged_at=at - dt.timedelta(days=1),
            resolved_at=at,
            resolution="Put right and explained.",
            root_cause=root,
        )
        for _ in range(n)
    ]
    return Case.objects.bulk_create(rows)


def week(w: int, day: int = 2) -> dt.date:
    return FIRST_MONDAY + dt.timedelta(weeks=w, days=day)


def plant_shift(touchpoint: Touchpoint) -> None:
    """40 cases a week; product rises from 6 to 18 of them in the last five whole weeks, at
    the expense of communication. Over the range: process 312, communication 304, product
    216, people 156, not recorded 52."""
    for w in range(WHOLE_WEEKS + 1):  # the last is the week in progress
        product = 18 if w >= WHOLE_WEEKS - 5 else 6
        for cause, n in [("process", 12), ("product", product), ("people", 6), (None, 2)]:
            resolved(touchpoint, cause, week(w), n)
        resolved(touchpoint, "communication", week(w), 20 - product)


def csv_rows(client: Any, **query: str) -> list[dict[str, str]]:
    answer = client.get(URL, {**query, "format": "csv"})
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(answer.content.decode())))


def text_of(answer: Any) -> str:
    return re.sub(r"\s+", " ", answer.content.decode())


def words_of(answer: Any) -> str:
    """The page's text as a reader reads it, without its markup."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", answer.content.decode()))


def drill_references(answer: Any) -> list[str]:
    drill = re.search(r'id="drill-down".*?</section>', text_of(answer))
    assert drill is not None
    return re.findall(r'href="/staff/cases/(VL-\d{4}-\d+)/"', drill.group(0))


def wilson_by_inversion(successes: int, n: int) -> tuple[float, float]:
    """The Wilson interval as what it is: the p the score test does not reject at 5 %."""
    z = stats.norm.ppf(0.975)
    observed = successes / n

    def score(p: float) -> float:
        return (observed - p) ** 2 - z * z * p * (1 - p) / n

    low = 0.0 if successes == 0 else optimize.brentq(score, 1e-12, observed, xtol=1e-14)
    high = 1.0 if successes == n else optimize.brentq(score, observed, 1 - 1e-12, xtol=1e-14)
    return low, high


# --- the Pareto -------------------------------------------------------------------------


def test_shares_and_intervals_agree_with_a_brute_force_count_and_the_score_test(
    org: Org, clock: Clock
) -> None:
    rng = random.Random(12)
    causes = ["process", "product", "people", "policy", "communication", "other", None]
    for w in range(WHOLE_WEEKS + 1):
        for cause in causes:
            touchpoint = org.helpdesk if rng.random() < 0.6 else org.invoicing
            resolved(touchpoint, cause, week(w, rng.randrange(5)), rng.choice([0, 1, 2, 3, 5]))
    resolved(org.helpdesk, "policy", FIRST_MONDAY - dt.timedelta(days=1), 9)  # before the range
    open_case(org.helpdesk)  # open: not resolved, not counted

    in_range = [
        c
        for c in Case.objects.select_related("root_cause")
        if c.resolved_at is not None and FIRST_MONDAY <= c.resolved_at.date() <= clock.now.date()
    ]
    expected = Counter(c.root_cause.slug if c.root_cause else "not-recorded" for c in in_range)
    total = len(in_range)

    rows = [r for r in csv_rows(logged_in(org.manager)) if r["period"] == "all"]
    assert {r["root_cause"]: int(r["cases"]) for r in rows} == dict(expected)
    recorded = [r for r in rows if r["root_cause"] != "not-recorded"]
    assert rows[-1]["root_cause"] == "not-recorded", "a gap in the record comes last"
    counts = [int(r["cases"]) for r in recorded]
    assert counts == sorted(counts, reverse=True)
    running = 0
    for r in rows:
        n = int(r["cases"])
        running += n
        assert int(r["resolved"]) == total
        assert float(r["share"]) == pytest.approx(n / total, abs=1e-12)
        low, high = wilson_by_inversion(n, total)
        assert float(r["ci_low"]) == pytest.approx(low, abs=1e-9)
        assert float(r["ci_high"]) == pytest.approx(high, abs=1e-9)
        assert float(r["cumulative_share"]) == pytest.approx(running / total, abs=1e-12)
    assert float(rows[-1]["cumulative_share"]) == pytest.approx(1.0)


def test_the_page_draws_the_pareto_and_tables_its_numbers(org: Org, clock: Clock) -> None:
    plant_shift(org.helpdesk)
    answer = logged_in(org.manager).get(URL)
    assert answer.status_code == 200
    shown = text_of(answer)
    assert '<svg class="pareto-chart"' in shown
    assert shown.count('<rect class="bar') == 5
    assert '<rect class="bar bar-muted"' in shown  # "not recorded", drawn apart
    table = re.search(r'<table class="pareto-table">.*?</table>', shown)
    assert table is not None
    names = re.findall(r'<th scope="row"><a href="[^"]*">([^<]+)</a></th>', table.group(0))
    assert names == ["Process", "Communication", "Product", "People", "Not recorded"]
    assert "95 % CI" in table.group(0)
    words = words_of(answer)
    assert "1,040 cases resolved from 25 May 2026 to 20 Nov 2026" in words
    assert "Root cause not recorded: 52 cases, 5.0 % of those resolved" in words


def test_with_every_cause_recorded_the_page_says_so(org: Org, clock: Clock) -> None:
    resolved(org.helpdesk, "process", week(3), 40)
    shown = text_of(logged_in(org.manager).get(URL))
    assert "Every resolved case has its root cause recorded." in shown
    assert "Root cause not recorded:" not in shown


def test_below_the_minimum_the_counts_show_but_no_share(
    org: Org, clock: Clock, settings: Any
) -> None:
    resolved(org.helpdesk, "process", week(3), 7)
    resolved(org.helpdesk, None, week(4), 2)
    shown = text_of(logged_in(org.manager).get(URL))
    assert '<svg class="pareto-chart"' not in shown
    assert "Not enough cases (n = 9, needs 30)" in shown
    assert "Not enough resolved cases in this range for a control chart." in shown
    assert re.search(r">Process</a></th><td>7</td>", shown)


# --- the top causes over time -----------------------------------------------------------


def test_a_cause_taking_a_larger_share_raises_a_signal_on_its_p_chart(
    org: Org, clock: Clock
) -> None:
    plant_shift(org.helpdesk)
    rows = csv_rows(logged_in(org.manager))
    product = [r for r in rows if r["root_cause"] == "product" and r["period"] != "all"]
    weeks = [(FIRST_MONDAY + dt.timedelta(weeks=w)).isoformat() for w in range(WHOLE_WEEKS + 1)]
    assert [r["period"] for r in product] == weeks
    charted = product[:-1]  # the week in progress is counted but not charted
    assert product[-1]["centre"] == ""

    # The p-chart, computed here from its definition.
    x = [int(r["cases"]) for r in charted]
    n = [int(r["resolved"]) for r in charted]
    p_bar = sum(x) / sum(n)
    for r, size in zip(charted, n, strict=True):
        sigma = (p_bar * (1 - p_bar) / size) ** 0.5
        assert float(r["centre"]) == pytest.approx(p_bar)
        assert float(r["lower"]) == pytest.approx(max(0.0, p_bar - 3 * sigma))
        assert float(r["upper"]) == pytest.approx(min(1.0, p_bar + 3 * sigma))
    # Each of the five weeks after the step lies beyond its upper limit.
    assert all("we-1" in r["signals"] for r in charted[-5:])
    assert all("we-1" not in r["signals"] for r in charted[:-5])

    shown = text_of(logged_in(org.manager).get(URL))
    section = re.search(r'aria-labelledby="cause-product">.*?</section>', shown)
    assert section is not None
    assert "more of the cases had this cause, still now" in section.group(0)
    assert '<circle class="point point-signal"' in section.group(0)
    headings = re.findall(r'<h3 id="cause-([a-z-]+)">', shown)
    assert headings == ["process", "communication", "product"], "the three most frequent"
    assert "40 cases resolved in the week in progress" in shown


# --- the cases behind a figure ----------------------------------------------------------


def test_a_cause_and_a_week_list_exactly_their_cases_each_linking_to_its_page(
    org: Org, clock: Clock
) -> None:
    plant_shift(org.helpdesk)
    late = resolved(org.helpdesk, "product", week(21, day=6), 1, hour=23)  # Sunday, 23:00
    point = (FIRST_MONDAY + dt.timedelta(weeks=21)).isoformat()
    client = logged_in(org.manager)
    answer = client.get(URL, {"cause": "product", "point": point})
    expected = {
        c.reference
        for c in Case.objects.filter(root_cause__slug="product")
        if c.resolved_at
        and c.resolved_at.date().isoformat() >= point
        and (c.resolved_at.date() - dt.date.fromisoformat(point)).days < 7
    }
    listed = drill_references(answer)
    assert set(listed) == expected and len(listed) == len(expected) == 19
    assert late[0].reference in listed
    for reference in listed:
        assert f'href="{reverse("cases:detail", args=[reference])}"' in answer.content.decode()
    assert "19 cases resolved from 19 Oct 2026 to 25 Oct 2026 with this root cause" in text_of(
        answer
    )

    whole = client.get(URL, {"cause": "not-recorded"})
    assert "52 cases resolved from 25 May 2026 to 20 Nov 2026 without a root cause" in text_of(
        whole
    )
    assert len(drill_references(whole)) == 25  # a page at a time
    second = client.get(URL, {"cause": "not-recorded", "page": "3"})
    assert len(drill_references(second)) == 2


def test_an_unknown_cause_or_point_is_explained_not_guessed(org: Org, clock: Clock) -> None:
    plant_shift(org.helpdesk)
    client = logged_in(org.manager)
    for query in [
        {"cause": "weather"},
        {"cause": "product", "point": "2026-02-30"},
        {"cause": "product", "point": "2025-01-06"},
    ]:
        answer = client.get(URL, query)
        assert answer.status_code == 200
        assert "Nothing to list" in text_of(answer)
        assert drill_references(answer) == []


# --- filters ----------------------------------------------------------------------------


def test_team_touch_point_dates_and_months_filter_the_figures(org: Org, clock: Clock) -> None:
    resolved(org.helpdesk, "process", week(2), 5)
    resolved(org.invoicing, "policy", week(2), 3)
    resolved(org.invoicing, "policy", week(9), 4)
    client = logged_in(org.manager)

    def counted(**query: str) -> dict[str, int]:
        rows = csv_rows(client, **query)
        return {r["root_cause"]: int(r["cases"]) for r in rows if r["period"] == "all"}

    assert counted() == {"process": 5, "policy": 7}
    assert counted(team="billing") == {"policy": 7}
    assert counted(touchpoint="help-desk") == {"process": 5}
    assert counted(stage="invoicing") == {"policy": 7}
    assert counted(**{"from": week(5).isoformat()}) == {"policy": 4}
    months = {r["period"] for r in csv_rows(client, by="month") if r["period"] != "all"}
    assert months == {"2026-06-01", "2026-07-01"}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"by": "day"}, "Root causes are counted per week or per month."),
        ({"team": "nowhere"}, "Choose one of the teams whose cases you see."),
        ({"from": "2026-11-01", "to": "2026-10-01"}, "The first day comes after the last day."),
    ],
)
def test_bad_filters_are_answered_with_the_form_and_a_reason(
    org: Org, clock: Clock, query: dict[str, str], message: str
) -> None:
    answer = logged_in(org.manager).get(URL, query)
    assert answer.status_code == 400
    assert message in text_of(answer)


def test_a_case_counts_on_the_day_it_was_resolved_where_vocloop_counts_days(
    org: Org, clock: Clock, settings: Any
) -> None:
    settings.TIME_ZONE = "Pacific/Auckland"
    # Sunday 8 November, 20:00 UTC is Monday 9 November, 09:00 in Auckland.
    resolved(org.helpdesk, "process", dt.date(2026, 11, 8), 1, hour=20)
    rows = csv_rows(logged_in(org.manager))
    assert [r["period"] for r in rows if r["period"] != "all"] == ["2026-11-09"]


# --- where the figures come from ---------------------------------------------------------


def test_resolving_on_the_case_page_counts_and_reopening_takes_it_back(
    org: Org, clock: Clock
) -> None:
    case = open_case(org.helpdesk)
    client = logged_in(org.support_agent)
    page = client.get(detail_url(case)).content.decode()
    assert f'counted in the <a href="{URL}">root-cause analysis</a>' in page
    process = RootCause.objects.get(slug="process")
    post_action(
        client,
        "resolve",
        case,
        {"resolve-resolution": "The refund is on its way.", "resolve-root_cause": process.pk},
    )
    assert csv_rows(client)[0]["root_cause"] == "process"
    case_reopen(case=case, reason="Not refunded yet.", actor=Actor.staff(org.support_agent))
    assert csv_rows(client) == []
    case_resolve(
        case=case,
        resolution="Refunded.",
        root_cause=RootCause.objects.get(slug="policy"),
        actor=Actor.staff(org.support_agent),
    )
    assert [r["root_cause"] for r in csv_rows(client) if r["period"] == "all"] == ["policy"]


def test_the_page_makes_as_many_queries_for_many_cases_as_for_a_few(org: Org, clock: Clock) -> None:
    client = logged_in(org.manager)
    query = {"cause": "process", "point": FIRST_MONDAY.isoformat()}
    resolved(org.helpdesk, "process", week(0), 2)
    with CaptureQueriesContext(connection) as few:
        assert client.get(URL, query).status_code == 200
    plant_shift(org.helpdesk)
    plant_shift(org.invoicing)
    with CaptureQueriesContext(connection) as many:
        answer = client.get(URL, query)
    assert answer.status_code == 200 and len(drill_references(answer)) == 25
    assert len(many) == len(few), [q["sql"][:120] for q in many.captured_queries]


# --- who sees what ------------------------------------------------------------------------


def test_the_billing_agent_reads_billings_causes_and_none_of_supports(
    org: Org, clock: Clock
) -> None:
    support_cases = resolved(org.helpdesk, "product", week(4), 6)
    resolved(org.invoicing, "policy", week(4), 3)
    billing = logged_in(org.billing_agent)

    rows = csv_rows(billing)
    assert {r["root_cause"]: int(r["cases"]) for r in rows if r["period"] == "all"} == {"policy": 3}
    assert {r["resolved"] for r in rows} == {"3"}
    page = text_of(billing.get(URL))
    assert "You see the cases of your own teams only." in page
    assert ">Product<" not in page
    drill = billing.get(URL, {"cause": "product"})
    assert "Nothing to list" in text_of(drill)
    assert not any(c.reference in drill.content.decode() for c in support_cases)
    refused = billing.get(URL, {"team": "support"})
    assert refused.status_code == 400
    assert "Choose one of the teams whose cases you see." in text_of(refused)

    lead = csv_rows(logged_in(org.support_lead))
    assert {r["root_cause"] for r in lead if r["period"] == "all"} == {"product", "policy"}
