"""A theme's share of comments: a metric like the others, read from the rollups for one theme."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import random
from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import reverse
from scipy import stats as scipy_stats

from tests.api_client import ApiClient, token_secret
from tests.clock import Clock, utc
from tests.conftest import Org, planted_once
from tests.helpers import give_feedback
from tests.staff_pages import logged_in
from tests.test_rollups_sentiment import CHANNELS, COMMENTS
from tests.test_rollups_themes import make_themes
from vocloop.conductor.reading import read_arrived
from vocloop.customers.models import Customer
from vocloop.insights.models import CommentText, CommentTheme, Theme
from vocloop.insights.services import correction_record
from vocloop.metrics.catalogue import LABELS, LOWER_IS_BETTER, format_value
from vocloop.metrics.selectors import (
    METRICS,
    Scope,
    metric_control_chart,
    metric_groups,
    metrics_by_period,
)
from vocloop.statistics.control_charts import p_chart
from vocloop.statistics.metrics import proportion

pytestmark = pytest.mark.timeout(600)

SHARE = METRICS["theme_share"]
FIRST, LAST = dt.date(2026, 8, 3), dt.date(2026, 10, 11)  # ten whole weeks, Monday to Sunday
SIZES = ("", *Customer.Size.values)


def plant(org: Org, clock: Clock) -> dict[str, Theme]:
    """Ten weeks of comments at two touch points, read, some themes corrected by staff."""
    rng = random.Random(7)
    themes = make_themes()
    customers = [None] + [
        Customer.objects.create(name=f"C{i}", email=f"t{i}@example.com", size=size)
        for i, size in enumerate(SIZES)
    ]
    start = utc(2026, 8, 3, 12, 0)
    for week in range(10):
        for _ in range(rng.randint(30, 45)):
            feedback = give_feedback(
                rng.choice([org.helpdesk, org.invoicing]),
                customer=rng.choice(customers),
                score=None,
                comment=rng.choice(COMMENTS),
                channel=rng.choice(CHANNELS),
                occurred_at=start + dt.timedelta(weeks=week, days=rng.randint(0, 6)),
            )
            read_arrived(feedback=feedback)
            if rng.random() < 0.1:
                correction_record(
                    feedback=feedback,
                    themes=rng.sample(list(themes.values()), rng.randint(0, 2)),
                    sentiment="",
                    by=org.manager,
                )
    return themes


@pytest.fixture(scope="module")
def weeks(django_db_setup: Any, django_db_blocker: Any) -> Iterator[tuple[Org, dict[str, Theme]]]:
    """The module's comments, planted once for its tests (which only read them)."""
    clock = Clock(utc(2026, 11, 20, 16, 0))
    with planted_once(django_db_blocker, clock) as org:
        yield org, plant(org, clock)


@pytest.fixture
def planted(
    weeks: tuple[Org, dict[str, Theme]], db: Any, clock: Clock
) -> tuple[Org, dict[str, Theme]]:
    clock.to(utc(2026, 11, 20, 16, 0))
    return weeks


def by_hand(theme: Theme, first: dt.date, last: dt.date, **feedback: Any) -> tuple[int, int]:
    """(comments about the theme, comments read), counted from the raw rows."""
    read = CommentText.objects.filter(day__gte=first, day__lte=last, **{
        f"feedback__{name}": value for name, value in feedback.items()
    })  # fmt: skip
    about = CommentTheme.objects.filter(theme=theme, feedback__text__in=read)
    return about.count(), read.count()


def test_the_share_equals_a_count_of_the_raw_rows_with_a_wilson_interval(
    planted: tuple[Org, dict[str, Theme]],
) -> None:
    _, themes = planted
    for slug in ("money", "billing", "service"):
        scope = Scope(FIRST, LAST, theme_id=themes[slug].pk)
        (whole,) = metric_groups(SHARE, scope)
        k, n = by_hand(themes[slug], FIRST, LAST)
        assert 0 < k < n
        ci = scipy_stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
        assert (whole.estimate.value, whole.estimate.n) == (pytest.approx(k / n), n)
        assert whole.estimate.ci_low == pytest.approx(ci.low)
        assert whole.estimate.ci_high == pytest.approx(ci.high)
        assert whole.estimate == proportion(k, n)
    # A parent counts its children's comments, each once.
    money = by_hand(themes["money"], FIRST, LAST)[0]
    assert money >= by_hand(themes["billing"], FIRST, LAST)[0]
    assert money == (
        CommentTheme.objects.filter(theme__in=[themes["money"], themes["billing"]])
        .values("feedback")
        .distinct()
        .count()
    )


@pytest.mark.parametrize("by", ["week", "touchpoint", "stage", "segment"])
def test_each_group_and_filter_equals_the_raw_rows(
    planted: tuple[Org, dict[str, Theme]], by: str
) -> None:
    org, themes = planted
    billing = themes["billing"]
    scope = Scope(FIRST, LAST, channel="review", theme_id=billing.pk)
    groups = metric_groups(SHARE, scope, by)
    assert len(groups) > 1
    for group in groups:
        if by == "week":
            monday = dt.date.fromisoformat(group.key)
            k, n = by_hand(billing, monday, monday + dt.timedelta(days=6), channel="review")
        else:
            field = {
                "touchpoint": "touchpoint__slug",
                "stage": "touchpoint__stage",
                "segment": "segment",
            }[by]
            value = "" if group.key == "unknown" else group.key
            k, n = by_hand(billing, FIRST, LAST, channel="review", **{field: value})
        assert group.estimate == proportion(k, n), group.key
    one = Scope(FIRST, LAST, touchpoint_id=org.invoicing.pk, segment="unknown", theme_id=billing.pk)
    (whole,) = metric_groups(SHARE, one)
    assert whole.estimate == proportion(
        *by_hand(billing, FIRST, LAST, touchpoint=org.invoicing, segment="")
    )


def test_many_metrics_at_once_give_the_same_share(planted: tuple[Org, dict[str, Theme]]) -> None:
    _, themes = planted
    scope = Scope(FIRST, LAST, theme_id=themes["website"].pk)
    answer = metrics_by_period([METRICS["nps"], SHARE, METRICS["negative_comments"]], scope)
    whole, weeks = answer["theme_share"]
    assert whole.estimate == metric_groups(SHARE, scope)[0].estimate
    assert [(g.key, g.estimate) for g in weeks] == [
        (g.key, g.estimate) for g in metric_groups(SHARE, scope, "week")
    ]
    with pytest.raises(ValueError, match="one theme"):
        metric_groups(SHARE, dataclasses.replace(scope, theme_id=None))


def test_the_control_chart_is_the_p_chart_of_the_weekly_counts(
    planted: tuple[Org, dict[str, Theme]],
) -> None:
    _, themes = planted
    service = themes["service"]
    result = metric_control_chart(SHARE, Scope(FIRST, LAST, theme_id=service.pk))
    counts = [
        by_hand(service, FIRST + dt.timedelta(weeks=w), FIRST + dt.timedelta(weeks=w, days=6))
        for w in range(10)
    ]
    expected = p_chart([k for k, _ in counts], [n for _, n in counts])
    assert result.chart is not None and result.chart.chart in ("p", "laney p′")
    assert result.chart == expected


def test_the_catalogue_reads_it_as_a_share_where_lower_is_better() -> None:
    assert SHARE.unit == "share" and SHARE.chart == "p" and SHARE.by_theme
    assert "theme_share" in LOWER_IS_BETTER and LABELS["theme_share"] == "Theme's share of comments"
    assert format_value(0.1234, "theme_share") == "12.3 %"


def test_the_api_reads_it_for_the_theme_given(planted: tuple[Org, dict[str, Theme]]) -> None:
    _, themes = planted
    api = ApiClient(token_secret("crm"))
    period = {"from": FIRST.isoformat(), "to": LAST.isoformat()}
    answer = api.get("/metrics/theme_share", theme="money", stage="support", **period)
    assert answer.status_code == 200, answer.content
    (group,) = answer.json()["groups"]
    k, n = by_hand(themes["money"], FIRST, LAST, touchpoint__stage="support")
    expected = proportion(k, n)
    assert (group["value"], group["n"]) == (pytest.approx(k / n), n)
    assert (group["ci_low"], group["ci_high"]) == (expected.ci_low, expected.ci_high)
    weeks = api.get("/metrics/theme_share", theme="money", by="week", **period).json()
    assert len(weeks["groups"]) == 10 and weeks["unit"] == "share"
    chart = api.get("/metrics/theme_share/control-chart", theme="service", **period).json()
    assert chart["chart"] in ("p", "laney p′") and len(chart["points"]) == 10


@pytest.mark.parametrize(
    ("metric", "params", "words"),
    [
        ("theme_share", {}, "give the theme's slug"),
        ("theme_share", {"theme": "parking"}, "There is no theme 'parking'"),
        ("nps", {"theme": "money"}, "not read by theme"),
        ("theme_share/control-chart", {}, "give the theme's slug"),
    ],
)
def test_the_api_refuses_a_missing_unknown_or_needless_theme_in_words(
    planted: tuple[Org, dict[str, Theme]], metric: str, params: dict[str, str], words: str
) -> None:
    api = ApiClient(token_secret("crm"))
    answer = api.get(f"/metrics/{metric}", **params)
    assert answer.status_code == 422
    assert words in answer.json()["detail"] and "theme" in answer.json()["errors"]


def test_the_metric_pages_send_it_to_where_a_theme_is_chosen(
    planted: tuple[Org, dict[str, Theme]],
) -> None:
    org, _ = planted
    manager = logged_in(org.manager)
    index = html.unescape(manager.get(reverse("dashboards:metrics")).content.decode())
    assert "Theme's share of comments" not in index and "Negative comments" in index
    page = manager.get(reverse("dashboards:metric", args=["theme_share"]))
    assert page.status_code == 404
    said = html.unescape(page.content.decode())
    assert "“Theme's share of comments” is read one theme at a time" in said
