"""The dashboards: every figure with its interval and n, change judged by control charts."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import re
from collections.abc import Sequence
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.clock import Clock
from tests.conftest import Org
from tests.staff_pages import logged_in
from vocloop.dashboards.figures import figure_from
from vocloop.listening.models import Feedback, Touchpoint
from vocloop.metrics.filters import CHANNELS_CACHE_KEY
from vocloop.metrics.rollups import rollups_rebuild
from vocloop.metrics.selectors import METRICS, Group, Scope, metric_groups
from vocloop.statistics import metrics as stats

# The clock fixture's today is Friday 20 November 2026; 26 weeks back from its Monday.
FIRST_MONDAY = dt.date(2026, 5, 25)
WEEKS = 26

_counter = iter(range(10**9))


def plant(
    touchpoint: Touchpoint,
    score_type: str,
    weekly_scores: Sequence[Sequence[int]],
    *,
    comment: str = "",
    channel: str = "web",
) -> None:
    """Feedback answered on the Wednesday of each week from FIRST_MONDAY, then the rollups."""
    rows = []
    for week, scores in enumerate(weekly_scores):
        day = FIRST_MONDAY + dt.timedelta(weeks=week, days=2)
        at = dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)
        for score in scores:
            n = next(_counter)
            rows.append(
                Feedback(
                    reference=f"VL-2026-{900000 + n}",
                    tracking_token=f"planted-{n}",
                    touchpoint=touchpoint,
                    kind=Feedback.Kind.SURVEY,
                    channel=channel,
                    score_type=score_type,
                    score=score,
                    comment=comment.format(score=score, week=week) if comment else "",
                    occurred_at=at,
                    received_at=at,
                )
            )
    Feedback.objects.bulk_create(rows)
    rollups_rebuild()


def csat_weeks(rng: random.Random, shares: Sequence[float], n: int = 60) -> list[list[int]]:
    """n CSAT answers per week, each satisfied (5) with that week's share, else a 2."""
    return [[5 if rng.random() < share else 2 for _ in range(n)] for share in shares]


@pytest.fixture
def staff(org: Org) -> Any:
    return logged_in(org.manager)


def page(client: Any, name: str, *args: Any, **query: str) -> Any:
    return client.get(reverse(f"dashboards:{name}", args=args), query)


def text_of(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# --- who may see them -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["overview", "journey", "teams"])
def test_dashboards_need_a_login(client: Any, org: Org, name: str) -> None:
    answer = page(client, name)
    assert answer.status_code == 302 and "/login/" in answer["Location"]


def test_front_line_staff_read_the_dashboards_too(org: Org, clock: Clock) -> None:
    answer = page(logged_in(org.support_agent), "overview")
    assert answer.status_code == 200
    assert "Dashboards" in text_of(answer)


# --- the overview -----------------------------------------------------------------------


def test_the_overview_shows_each_figure_with_interval_and_n(
    staff: Any, org: Org, clock: Clock
) -> None:
    rng = random.Random(4)
    plant(org.helpdesk, "nps", [[rng.randint(0, 10) for _ in range(12)] for _ in range(WEEKS)])
    answer = page(staff, "overview")
    assert answer.status_code == 200
    expected = metric_groups(METRICS["nps"], Scope(FIRST_MONDAY, dt.date(2026, 11, 20)))[0]
    tile = re.search(r'id="tile-nps".*?</li>', text_of(answer))
    assert tile is not None
    shown = tile.group(0)
    assert f"n = {WEEKS * 12}" in shown
    assert f"{expected.estimate.value:.0f}".replace("-", "−") in shown
    assert f"95 % CI {expected.estimate.ci_low:.0f}".replace("-", "−") in shown
    assert '<svg class="sparkline"' in shown


def test_below_the_minimum_a_figure_is_not_enough_responses_with_its_n(
    staff: Any, org: Org, clock: Clock, settings: Any
) -> None:
    plant(org.invoicing, "csat", [[5, 4, 1]] * 5)  # 15 answers
    tile = re.search(r'id="tile-csat".*?</li>', text_of(page(staff, "overview")))
    assert tile is not None
    assert "Not enough responses" in tile.group(0) and "n = 15, needs 30" in tile.group(0)
    assert "figure-interval" not in tile.group(0)

    settings.MIN_RESPONSES = 10  # configurable: VOCLOOP_MIN_RESPONSES
    tile = re.search(r'id="tile-csat".*?</li>', text_of(page(staff, "overview")))
    assert tile is not None and "Not enough" not in tile.group(0)
    assert "66.7 %" in tile.group(0)  # 10 of 15 answered 4 or 5


def test_the_overview_csv_holds_every_figure_and_period(staff: Any, org: Org, clock: Clock) -> None:
    plant(org.helpdesk, "nps", [[10, 9, 0, 7]] * WEEKS)
    answer = page(staff, "overview", format="csv")
    assert answer["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.content.decode())))
    nps = [r for r in rows if r["metric"] == "nps"]
    assert nps[0]["period"] == "all" and nps[0]["n"] == str(4 * WEEKS)
    assert float(nps[0]["value"]) == pytest.approx(25.0)
    # The week in progress counts in the total but is no point of the trend.
    assert [r["period"] for r in nps[1:]] == [
        (FIRST_MONDAY + dt.timedelta(weeks=w)).isoformat() for w in range(WEEKS - 1)
    ]
    assert {r["metric"] for r in rows} >= {"nps", "csat", "ces", "complaint_rate"}


def test_the_overview_reads_a_fixed_number_of_queries_whatever_the_volume(
    staff: Any, org: Org, clock: Clock
) -> None:
    plant(org.helpdesk, "nps", [[9, 3]] * 3)
    page(staff, "overview")  # the channel list, remembered for ten minutes, is read once
    with CaptureQueriesContext(connection) as small:
        assert page(staff, "overview").status_code == 200
    plant(org.invoicing, "csat", [[5, 4, 1, 2] * 10] * WEEKS, channel="email")
    plant(org.helpdesk, "nps", [[9, 3, 10] * 10] * WEEKS, channel="phone")
    with CaptureQueriesContext(connection) as large:
        assert page(staff, "overview").status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries), [
        q["sql"][:90] for q in large.captured_queries
    ]
    # The feedback table itself (the imports' table, a row per file, may be read).
    raw = [q["sql"] for q in large.captured_queries if '"listening_feedback"' in q["sql"]]
    assert raw == [], "the overview must not read raw feedback"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"from": "2026-11-20", "to": "2026-01-01"}, "The first day comes after the last day"),
        ({"from": "not a date"}, "Enter a valid date"),
        ({"touchpoint": "no-such-place"}, "Select a valid choice"),
        ({"segment": "galactic"}, "Select a valid choice"),
        ({"from": "2010-01-01"}, "at most three years"),
        ({"to": "0001-03-01"}, "Choose dates between"),
        ({"from": "9999-12-25", "to": "9999-12-31"}, "Choose dates between"),
    ],
)
def test_bad_filters_get_a_message_not_an_error(
    staff: Any, org: Org, clock: Clock, query: dict[str, str], message: str
) -> None:
    for name in ("overview", "journey", "teams"):
        answer = page(staff, name, **query)
        assert answer.status_code == 400
        assert message in text_of(answer)


def test_filters_narrow_the_figures(staff: Any, org: Org, clock: Clock) -> None:
    plant(org.helpdesk, "nps", [[10] * 40] * 2, channel="phone")
    plant(org.helpdesk, "nps", [[0] * 40] * 2, channel="email")
    phone = page(staff, "overview", channel="phone", format="csv").content.decode()
    email = page(staff, "overview", channel="email", format="csv").content.decode()
    assert "nps,all,100.0,80," in phone
    assert "nps,all,-100.0,80," in email
    # Cases have no channel: with one chosen, the case figures are left out, not faked.
    assert "sla_compliance" not in phone


# --- change judged by control charts ---------------------------------------------------


@pytest.fixture
def one_touch_point_worsens(org: Org, clock: Clock) -> None:
    """Helpdesk satisfaction drops in the last five weeks; invoicing stays as it was."""
    rng = random.Random(11)
    plant(org.helpdesk, "csat", csat_weeks(rng, [0.8] * 21 + [0.45] * 5))
    plant(org.invoicing, "csat", csat_weeks(rng, [0.8] * WEEKS))


def test_the_journey_flags_only_the_touch_point_that_got_worse(
    staff: Any, org: Org, one_touch_point_worsens: None
) -> None:
    answer = page(staff, "journey")
    assert answer.status_code == 200
    shown = text_of(answer)
    helpdesk = re.search(r'id="touchpoint-help-desk".*?</section>', shown)
    invoicing = re.search(r'id="touchpoint-invoicing".*?</section>', shown)
    assert helpdesk is not None and invoicing is not None
    assert "Getting worse" in helpdesk.group(0)
    assert "touchpoint flagged" in shown and shown.count("touchpoint flagged") == 1
    assert "Getting worse" not in invoicing.group(0)
    assert "No signal" in invoicing.group(0)


def test_the_metric_page_marks_and_explains_the_signal(
    staff: Any, org: Org, one_touch_point_worsens: None
) -> None:
    answer = page(staff, "metric", "csat", touchpoint="help-desk")
    shown = text_of(answer)
    assert answer.status_code == 200
    assert 'class="point point-signal"' in shown
    signals = re.search(r'<ul class="signals">.*?</ul>', shown)
    assert signals is not None
    assert "a change for the worse" in signals.group(0) and "still current" in signals.group(0)
    assert re.search(r", we-\d\)", signals.group(0))

    stable = text_of(page(staff, "metric", "csat", touchpoint="invoicing"))
    assert "point-signal" not in stable and "No signal" in stable


def test_the_metric_csv_has_limits_and_the_rules_that_fired(
    staff: Any, org: Org, one_touch_point_worsens: None
) -> None:
    answer = page(staff, "metric", "csat", touchpoint="help-desk", format="csv")
    rows = list(csv.DictReader(io.StringIO(answer.content.decode())))
    assert len(rows) == WEEKS - 1  # whole weeks only
    assert all(float(r["lower"]) <= float(r["centre"]) <= float(r["upper"]) for r in rows)
    assert any(r["signals"] for r in rows[-4:])


def test_a_point_drills_down_to_the_comments_behind_it(staff: Any, org: Org, clock: Clock) -> None:
    plant(org.helpdesk, "nps", [[10, 2, 6] * 12] * WEEKS, comment="Week {week}, score {score}.")
    week = FIRST_MONDAY + dt.timedelta(weeks=WEEKS - 2)
    answer = page(staff, "metric", "nps", point=week.isoformat())
    shown = text_of(answer)
    drill = re.search(r'id="drill-down".*?</section>', shown)
    assert drill is not None
    comments = re.findall(r"Week (\d+), score (\d+)\.", drill.group(0))
    assert comments and {w for w, _ in comments} == {str(WEEKS - 2)}
    scores = [int(s) for _, s in comments]
    assert scores == sorted(scores), "lowest scores first"
    assert "36 responses with a comment" in drill.group(0)

    missing = text_of(page(staff, "metric", "nps", point="1999-01-04"))
    assert "There is no point 1999-01-04 on this chart" in missing


def test_an_unknown_metric_is_a_404(staff: Any, org: Org) -> None:
    assert page(staff, "metric", "happiness").status_code == 404


def test_a_case_metric_refuses_a_channel_with_a_reason(staff: Any, org: Org) -> None:
    answer = page(staff, "metric", "sla_compliance", channel="web")
    # "web" is not even a known channel without feedback: either way, a message.
    assert answer.status_code == 400


def test_the_overview_counts_every_complaint_in_the_range(
    staff: Any, org: Org, clock: Clock
) -> None:
    plant(org.helpdesk, "nps", [[9, 3]] * WEEKS)
    Feedback.objects.filter(score=3).update(kind=Feedback.Kind.COMPLAINT)
    rollups_rebuild()
    # Every week, the week in progress included, even those the trend line leaves out.
    assert f"{WEEKS} complaints in the range" in text_of(page(staff, "overview"))


def test_a_point_with_few_answers_is_not_given_as_a_bare_figure(
    staff: Any, org: Org, clock: Clock
) -> None:
    plant(org.helpdesk, "nps", [[10, 2, 6]] * WEEKS, comment="Score {score}.")
    week = FIRST_MONDAY.isoformat()
    drill = re.search(r'id="drill-down".*?</h2>', text_of(page(staff, "metric", "nps", point=week)))
    assert drill is not None
    assert "n = 3, not enough for a figure on its own" in drill.group(0)


def test_a_sustained_shift_is_current_by_month_too() -> None:
    def month(key: str, satisfied: int, n: int = 400) -> Group:
        sums = {"csat_5": satisfied, "csat_2": n - satisfied, **{f"csat_{i}": 0 for i in (1, 3, 4)}}
        return Group(key, stats.proportion(satisfied, n), sums)

    rng = random.Random(5)
    series = [month(f"2025-{m:02d}-01", 320 + rng.randint(-8, 8)) for m in range(1, 13)]
    series += [month(f"2026-{m:02d}-01", 240) for m in range(1, 4)]
    scope = Scope(dt.date(2025, 1, 1), dt.date(2026, 3, 31))
    total = Group("all", stats.proportion(4000, 6000), {})
    fig = figure_from(METRICS["csat"], total, series, scope, "month", dt.date(2026, 4, 2))
    assert fig.current_signal is not None and fig.current_signal.meaning == "worse"
    assert fig.current_signal.last_key == "2026-03-01"


def test_the_complaint_rate_drill_down_lists_complaints_first(
    staff: Any, org: Org, clock: Clock
) -> None:
    plant(org.helpdesk, "nps", [[10, 9, 8] * 20] * WEEKS, comment="Praise {score}.")
    week = FIRST_MONDAY + dt.timedelta(weeks=3)
    at = dt.datetime.combine(week, dt.time(15), tzinfo=dt.UTC)
    for i in range(3):
        Feedback.objects.create(
            reference=f"VL-2026-99000{i}",
            tracking_token=f"complaint-{i}",
            touchpoint=org.helpdesk,
            kind=Feedback.Kind.COMPLAINT,
            comment=f"Complaint number {i}.",
            occurred_at=at,
            received_at=at,
        )
    rollups_rebuild()
    shown = text_of(page(staff, "metric", "complaint_rate", point=week.isoformat()))
    drill = re.search(r'<ul class="comments">.*?</ul>', shown)
    assert drill is not None
    first = re.findall(r"<blockquote>([^<]+)</blockquote>", drill.group(0))[:4]
    assert [c.startswith("Complaint") for c in first] == [True, True, True, False]


def test_an_unknown_metric_lists_the_ones_there_are(staff: Any, org: Org) -> None:
    answer = page(staff, "metric", "NPS")
    assert answer.status_code == 404
    shown = text_of(answer)
    assert "There is no metric “NPS”" in shown
    assert reverse("dashboards:metric", args=["nps"]) in shown
    assert page(staff, "metrics").status_code == 200


def test_each_figure_is_compared_with_the_range_before(staff: Any, org: Org, clock: Clock) -> None:
    global FIRST_MONDAY
    plant(org.helpdesk, "nps", [[10, 9, 8, 7] * 5] * WEEKS)  # NPS 50 now
    saved, FIRST_MONDAY = FIRST_MONDAY, FIRST_MONDAY - dt.timedelta(weeks=WEEKS)
    try:
        plant(org.helpdesk, "nps", [[10, 3, 8, 7] * 5] * WEEKS)  # NPS 0 before
    finally:
        FIRST_MONDAY = saved
    tile = re.search(r'id="tile-nps".*?</li>', text_of(page(staff, "overview")))
    assert tile is not None
    assert "Against 26 Nov 2025 – 24 May 2026: +" in tile.group(0), tile.group(0)
    assert "higher" in tile.group(0) and "signal-better" in tile.group(0)
    csat = re.search(r'id="tile-csat".*?</li>', text_of(page(staff, "overview")))
    assert csat is not None and "too few answers on one side to compare" in csat.group(0)


def test_without_enough_answers_there_is_no_chart_to_read(
    staff: Any, org: Org, clock: Clock
) -> None:
    plant(org.invoicing, "csat", [[5, 1]] * 10)  # 20 answers
    shown = text_of(page(staff, "metric", "csat"))
    assert '<svg class="control-chart"' not in shown
    assert "Not enough answers in this range for a control chart" in shown


def test_the_journey_summarises_what_is_getting_worse(
    staff: Any, org: Org, one_touch_point_worsens: None
) -> None:
    summary = re.search(
        r'class="message message-error flagged-summary".*?</div>', text_of(page(staff, "journey"))
    )
    assert summary is not None
    assert "Help desk: CSAT" in summary.group(0) and "Invoicing" not in summary.group(0)
    assert re.search(r"below the (average|usual range)", summary.group(0))


def test_a_new_channel_can_be_asked_for_before_the_list_knows_it(
    staff: Any, org: Org, clock: Clock
) -> None:
    cache.delete(CHANNELS_CACHE_KEY)
    page(staff, "overview")  # the list is remembered without "kiosk"
    plant(org.helpdesk, "nps", [[10] * 40] * 2, channel="kiosk")
    answer = page(staff, "overview", channel="kiosk", format="csv")
    assert answer.status_code == 200
    assert "nps,all,100.0,80," in answer.content.decode()
    shown = text_of(page(staff, "overview", channel="kiosk"))
    assert '<option value="kiosk" selected>kiosk</option>' in shown
