"""Sentiment in the figures: every comment read counts, kept exact through every write of it."""

from __future__ import annotations

import csv
import datetime as dt
import importlib
import itertools
import math
import random
import re
from collections.abc import Callable, Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.apps import apps
from django.core.management import call_command
from django.urls import reverse
from scipy import stats as scipy_stats

from tests.api_client import ApiClient, token_secret
from tests.clock import Clock, utc
from tests.conftest import Org, planted_once
from tests.helpers import give_feedback
from tests.staff_pages import logged_in
from tests.test_rollups import SIZES, assert_rebuild_agrees, resize_any, rollup_rows
from vocloop.conductor.reading import read_arrived
from vocloop.customers.models import Customer
from vocloop.insights.bulk import comments_read_bulk
from vocloop.insights.models import CommentText
from vocloop.insights.services import correction_record
from vocloop.listening.models import Feedback, FeedbackImport
from vocloop.metrics.models import FeedbackRollup, FeedbackTouchpointRollup
from vocloop.metrics.selectors import METRICS, Scope, metric_control_chart, metric_groups

# Hundreds of comments read a test: a minute or more on a busy machine.
pytestmark = pytest.mark.timeout(600)

COMMENTS = (
    "Terrible service, nobody called me back.",
    "The agent was lovely but the invoice is wrong again.",
    "Quick and kind help, thank you!",
    "It arrived on Tuesday.",
    "Awful website, I could not log in at all.",
    "Great price and a friendly driver.",
    "Still waiting for my refund. Very disappointed.",
    "Fine.",
)
LABELS = ("negative", "neutral", "positive")
CHANNELS = ("web", "email", "review", "social")


class CommentStream:
    """Comments given, read, read again, corrected, imported and undone, through the services."""

    def __init__(self, org: Org, clock: Clock, seed: int, tmp_path: Path):
        self.org, self.clock, self.rng, self.tmp = org, clock, random.Random(seed), tmp_path
        self.customers: list[Customer | None] = [None] + [
            Customer.objects.create(name=f"C{i}", email=f"s{i}@example.com", size=size)
            for i, size in enumerate(SIZES)
        ]
        self.imports = 0

    def give(self) -> None:
        rng = self.rng
        scored = rng.random() < 0.4
        give_feedback(
            rng.choice([self.org.helpdesk, self.org.invoicing]),
            customer=rng.choice(self.customers),
            kind=None if scored else rng.choice(["feedback", "complaint"]),
            score_type="nps" if scored else None,
            score=rng.randint(0, 10) if scored else None,
            comment=rng.choice(COMMENTS),
            channel=rng.choice(CHANNELS),
            occurred_at=self.clock.now - dt.timedelta(hours=rng.choice([0, 3, 30, 200])),
        )

    def read_one(self) -> None:
        unread = list(Feedback.objects.filter(text__isnull=True).exclude(comment="")[:5])
        if unread:
            read_arrived(feedback=self.rng.choice(unread))

    def correct(self) -> None:
        read = list(Feedback.objects.filter(text__isnull=False).order_by("pk"))
        if read:
            correction_record(
                feedback=self.rng.choice(read),
                themes=[],
                sentiment=self.rng.choice([*LABELS, ""]),
                by=self.org.manager,
                themes_shown=[],
            )

    def read_again(self) -> None:
        feedback = Feedback.objects.filter(text__isnull=False).order_by("?").first()
        if feedback is not None:
            read_arrived(feedback=feedback)  # as after a theme edit: corrections stand

    def import_file(self) -> None:
        self.imports += 1
        path = self.tmp / f"export-{self.imports}.csv"
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["when", "comment", "stars", "email"])
            for _ in range(self.rng.randint(3, 12)):
                day = (self.clock.now - dt.timedelta(days=self.rng.randint(0, 20))).date()
                customer = self.rng.choice(self.customers)
                email = customer.email if customer is not None else ""
                writer.writerow([day.isoformat(), self.rng.choice(COMMENTS), "", email])
        call_command(
            "import", str(path), "--no-progress", "--touchpoint", "help-desk",
            "--date-column", "when", "--comment-column", "comment", "--channel", "review",
            "--kind", "feedback", "--email-column", "email",
            *(["--no-read"] if self.rng.random() < 0.5 else []),
            stdout=StringIO(),
        )  # fmt: skip

    def undo_import(self) -> None:
        record = FeedbackImport.objects.filter(undone_at__isnull=True).order_by("?").first()
        if record is not None:
            call_command("imports", "undo", str(record.pk), "--no-input", stdout=StringIO())

    def actions(self) -> list[tuple[Callable[[], object], int]]:
        """What the stream does, each with its weight."""
        return [
            (self.give, 40),
            (self.read_one, 25),
            (self.correct, 10),
            (self.read_again, 8),
            (lambda: comments_read_bulk(), 4),
            (lambda: comments_read_bulk(again=True), 3),
            (self.import_file, 4),
            (self.undo_import, 2),
            (lambda: resize_any(self.rng, self.customers), 3),
        ]

    def run(self, steps: int) -> None:
        actions = self.actions()
        for _ in range(steps):
            self.clock.to(self.clock.now + dt.timedelta(minutes=self.rng.choice([5, 60, 600])))
            action = self.rng.choices([a for a, _ in actions], [w for _, w in actions])[0]
            action()


@pytest.mark.parametrize(("seed", "zone"), [(11, "UTC"), (12, "Pacific/Auckland")])
def test_sentiment_counts_kept_by_every_write_equal_a_rebuild(
    org: Org, clock: Clock, settings: Any, tmp_path: Path, seed: int, zone: str
) -> None:
    settings.TIME_ZONE = zone
    clock.to(utc(2026, 3, 2, 7, 0))
    stream = CommentStream(org, clock, seed, tmp_path)
    stream.run(160)
    rows = assert_rebuild_agrees()

    texts = CommentText.objects.all()
    read = sum(r["comments_read"] for r in rows["feedback"].values())
    assert read == texts.count() > 50
    assert sum(r["comments_negative"] for r in rows["feedback"].values()) == (
        texts.filter(sentiment="negative").count()
    )
    # The stream exercised what it claims to: corrections, unscored comments, imports undone.
    assert texts.filter(sentiment_corrected=True).exists()
    assert texts.filter(feedback__score__isnull=True).exists()
    assert FeedbackImport.objects.filter(undone_at__isnull=False).exists()
    assert Feedback.objects.filter(imported_by__isnull=False).exclude(customer=None).exists()
    # Customers changed size meanwhile: some gave feedback in two segments or more.
    segments = Feedback.objects.exclude(customer=None).values_list("customer", "segment")
    assert len(set(segments)) > len({customer for customer, _ in segments})


def test_a_correction_moves_the_negative_count_at_once(org: Org, clock: Clock) -> None:
    feedback = give_feedback(org.helpdesk, score=None, comment="Quick and kind help, thanks!")
    text = read_arrived(feedback=feedback)
    assert text is not None and text.sentiment == "positive"
    row = FeedbackRollup.objects.get()
    assert (row.responses, row.comments_read, row.comments_negative) == (1, 1, 0)
    assert row.sentiment_sum == round(text.sentiment_score * 10_000)

    correction_record(feedback=feedback, themes=[], sentiment="negative", by=org.manager)
    row.refresh_from_db()
    assert (row.comments_read, row.comments_negative) == (1, 1)
    assert row.sentiment_sum == round(text.sentiment_score * 10_000)  # the score stays as read
    read_arrived(feedback=feedback)  # reading again keeps the staff's label
    row.refresh_from_db()
    assert (row.comments_read, row.comments_negative) == (1, 1)
    assert_rebuild_agrees()


def plant_weeks(org: Org, clock: Clock, seed: int) -> list[tuple[dt.date, str, float]]:
    """Ten weeks of unscored comments, read: (day, label, score) of each."""
    rng = random.Random(seed)
    start = utc(2026, 8, 3, 12, 0)  # a Monday
    for week in range(10):
        for _ in range(rng.randint(30, 45)):
            at = start + dt.timedelta(weeks=week, days=rng.randint(0, 6))
            feedback = give_feedback(
                rng.choice([org.helpdesk, org.invoicing]),
                score=None,
                kind="complaint" if rng.random() < 0.2 else "feedback",
                comment=rng.choice(COMMENTS),
                channel=rng.choice(CHANNELS),
                occurred_at=at,
            )
            read_arrived(feedback=feedback)
    return [
        (t.day, t.sentiment, t.sentiment_score) for t in CommentText.objects.order_by("feedback_id")
    ]


@pytest.fixture(scope="module")
def weeks(django_db_setup: Any, django_db_blocker: Any) -> Iterator[tuple[Org, list[Any]]]:
    """Ten weeks of comments read, planted once for the module's tests that only read them
    (a correction a test makes is rolled back with it), and rolled back after them."""
    clock = Clock(utc(2026, 11, 20, 16, 0))
    with planted_once(django_db_blocker, clock) as org:
        yield org, plant_weeks(org, clock, seed=3)


@pytest.fixture
def planted(weeks: tuple[Org, list[Any]], db: Any, clock: Clock) -> tuple[Org, list[Any]]:
    """The module's ten weeks, with the clock after them."""
    clock.to(utc(2026, 11, 20, 16, 0))
    return weeks


def test_the_figures_match_scipy_on_the_raw_comments(planted: tuple[Org, list[Any]]) -> None:
    org, raw = planted
    scope = Scope(dt.date(2026, 8, 3), dt.date(2026, 10, 11))
    (negative,) = metric_groups(METRICS["negative_comments"], scope)
    k, n = sum(label == "negative" for _, label, _ in raw), len(raw)
    ci = scipy_stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    assert (negative.estimate.value, negative.estimate.n) == (pytest.approx(k / n), n)
    assert negative.estimate.ci_low == pytest.approx(ci.low)
    assert negative.estimate.ci_high == pytest.approx(ci.high)

    (mean,) = metric_groups(METRICS["sentiment"], scope)
    scores = np.array([score for _, _, score in raw])
    low, high = scipy_stats.t.interval(
        0.95, len(scores) - 1, loc=scores.mean(), scale=scipy_stats.sem(scores)
    )
    assert mean.estimate.value == pytest.approx(scores.mean())
    assert mean.estimate.ci_low == pytest.approx(low)
    assert mean.estimate.ci_high == pytest.approx(high)

    # By week, one touch point and one channel: the same as filtering the raw rows.
    chosen = Scope(scope.date_from, scope.date_to, touchpoint_id=org.invoicing.pk, channel="review")
    weeks = {g.key: g for g in metric_groups(METRICS["sentiment"], chosen, "week")}
    picked = CommentText.objects.filter(
        feedback__touchpoint=org.invoicing, feedback__channel="review"
    )
    for key, group in weeks.items():
        monday = dt.date.fromisoformat(key)
        week = [
            t.sentiment_score for t in picked if monday <= t.day <= monday + dt.timedelta(days=6)
        ]
        assert group.estimate.n == len(week)
        assert group.estimate.value == pytest.approx(float(np.mean(week)))


def test_the_control_charts_are_computed_as_by_hand(planted: tuple[Org, list[Any]]) -> None:
    _, raw = planted
    scope = Scope(dt.date(2026, 8, 3), dt.date(2026, 10, 11))
    weeks: dict[dt.date, list[tuple[str, float]]] = {}
    for day, label, score in raw:
        weeks.setdefault(day - dt.timedelta(days=day.weekday()), []).append((label, score))
    ordered = [weeks[k] for k in sorted(weeks)]

    xmr = metric_control_chart(METRICS["sentiment"], scope).chart
    assert xmr is not None and xmr.chart == "XmR"
    means = [float(np.mean([s for _, s in w])) for w in ordered]
    ranges = [abs(b - a) for a, b in itertools.pairwise(means)]
    centre = float(np.mean(means))
    assert xmr.centre == pytest.approx(centre)
    assert xmr.upper[0] == pytest.approx(centre + 2.66 * float(np.mean(ranges)))
    assert xmr.lower[0] == pytest.approx(centre - 2.66 * float(np.mean(ranges)))

    p = metric_control_chart(METRICS["negative_comments"], scope).chart
    assert p is not None
    k = [sum(label == "negative" for label, _ in w) for w in ordered]
    n = [len(w) for w in ordered]
    p_bar = sum(k) / sum(n)
    assert p.centre == pytest.approx(p_bar)
    if p.chart == "p":
        for i, size in enumerate(n):
            sigma = math.sqrt(p_bar * (1 - p_bar) / size)
            assert p.upper[i] == pytest.approx(min(1.0, p_bar + 3 * sigma))
    else:  # Laney p′: the z-scores' moving ranges widen the limits
        z = [
            (k_i / n_i - p_bar) / math.sqrt(p_bar * (1 - p_bar) / n_i)
            for k_i, n_i in zip(k, n, strict=True)
        ]
        sigma_z = float(np.mean([abs(b - a) for a, b in itertools.pairwise(z)])) / 1.128
        for i, size in enumerate(n):
            sigma = math.sqrt(p_bar * (1 - p_bar) / size) * sigma_z
            assert p.upper[i] == pytest.approx(min(1.0, p_bar + 3 * sigma))


def test_the_api_gives_both_figures_with_the_feedback_filters(
    planted: tuple[Org, list[Any]],
) -> None:
    _, raw = planted
    api = ApiClient(token_secret("crm"))
    period = {"from": "2026-08-03", "to": "2026-10-11"}
    answer = api.get("/metrics/negative_comments", **period).json()
    assert answer["unit"] == "share"
    (group,) = answer["groups"]
    assert group["n"] == len(raw) and group["enough_data"] is True
    by_channel = api.get("/metrics/sentiment", channel="social", by="touchpoint", **period).json()
    expected = {
        slug: CommentText.objects.filter(
            feedback__touchpoint__slug=slug, feedback__channel="social"
        ).count()
        for slug in ("help-desk", "invoicing")
    }
    assert {g["key"]: g["n"] for g in by_channel["groups"]} == expected
    chart = api.get("/metrics/sentiment/control-chart", **period).json()
    assert chart["chart"] == "XmR" and len(chart["points"]) == 10
    by_stage = api.get("/metrics/negative_comments", stage="invoicing", **period).json()
    assert (
        by_stage["groups"][0]["n"]
        == expected["invoicing"]
        + CommentText.objects.filter(feedback__touchpoint__slug="invoicing")
        .exclude(feedback__channel="social")
        .count()
    )
    assert api.get("/metrics/sentiment", segment="huge", **period).status_code == 422


def test_the_dashboards_show_the_figures_and_the_comments_behind_a_point(
    planted: tuple[Org, list[Any]],
) -> None:
    org, _ = planted
    query = {"from": "2026-08-03", "to": "2026-10-11"}
    manager = logged_in(org.manager)
    overview = manager.get(reverse("dashboards:overview"), query).content.decode()
    assert "Negative comments" in overview and "Sentiment (mean)" in overview
    journey = manager.get(reverse("dashboards:journey"), query).content.decode()
    assert 'data-metric="negative_comments"' in journey

    url = reverse("dashboards:metric", args=["negative_comments"])
    page = manager.get(url, {**query, "point": "2026-09-07"}).content.decode()
    drill = re.search(r'id="drill-down".*?</section>', re.sub(r"\s+", " ", page))
    assert drill is not None
    labels = re.findall(r'class="sentiment sentiment-(\w+)"', drill.group(0))
    week = CommentText.objects.filter(day__gte="2026-09-07", day__lte="2026-09-13")
    assert len(labels) == min(25, week.count())
    assert labels == sorted(labels, key=lambda label: label != "negative")  # negative first

    # Billing's agent reads only the comments of Billing's touch points.
    billing = logged_in(org.billing_agent).get(url, {**query, "point": "2026-09-07"})
    shown = re.sub(r"\s+", " ", billing.content.decode())
    assert "Help desk ·" not in shown and "Invoicing ·" in shown


def test_the_migration_counts_the_comments_read_as_a_rebuild_does(
    planted: tuple[Org, list[Any]],
) -> None:
    org, _ = planted
    correction_record(
        feedback=Feedback.objects.first(), themes=[], sentiment="negative", by=org.manager
    )
    expected = rollup_rows()["feedback"], rollup_rows()["feedback_by_touchpoint"]
    blank = dict.fromkeys(
        ("comments_read", "comments_negative", "sentiment_sum", "sentiment_sum_squares"), 0
    )
    FeedbackRollup.objects.update(**blank)
    FeedbackTouchpointRollup.objects.update(**blank)  # as before the migration
    migration = importlib.import_module("vocloop.metrics.migrations.0005_comment_sentiment")
    migration.count_comments(apps, None)
    assert (rollup_rows()["feedback"], rollup_rows()["feedback_by_touchpoint"]) == expected
