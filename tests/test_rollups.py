"""Rollups: kept exact by the services, equal to a rebuild, and to figures from raw feedback."""

from __future__ import annotations

import datetime as dt
import io
import random
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone

from tests.clock import Clock, utc
from tests.conftest import Org
from tests.helpers import give_feedback
from vocloop.cases import services as cases
from vocloop.cases.customer_actions import case_customer_message, case_customer_verdict
from vocloop.cases.escalation import escalation_sweep
from vocloop.cases.models import Case, CaseEvent, RootCause, Status
from vocloop.customers.models import Customer
from vocloop.demo import loader
from vocloop.lib.days import day_of
from vocloop.listening.models import Feedback
from vocloop.metrics.models import (
    DURATION_BUCKETS,
    CaseContribution,
    CaseRollup,
    CaseTouchpointRollup,
    FeedbackRollup,
    FeedbackTouchpointRollup,
    ThemeRollup,
)
from vocloop.metrics.rollups import (
    CASE_COUNTS,
    FEEDBACK_COUNTS,
    HISTOGRAMS,
    duration_bucket,
    feedback_totals,
    rollup_deadlines_passed,
    rollups_rebuild,
)
from vocloop.statistics import metrics
from vocloop.statistics.intervals import Moments

CHANNELS = ("web", "email", "phone", "chat")
SIZES = ("", *Customer.Size.values)


def rollup_rows() -> dict[str, dict[tuple[Any, ...], dict[str, Any]]]:
    """Every rollup row, field by field, keyed by its scope."""
    feedback = {
        (r.day, r.touchpoint_id, r.score_type, r.channel, r.segment): {
            name: getattr(r, name) for name in FEEDBACK_COUNTS
        }
        for r in FeedbackRollup.objects.all()
    }
    feedback_by_touchpoint = {
        (r.day, r.touchpoint_id): {name: getattr(r, name) for name in FEEDBACK_COUNTS}
        for r in FeedbackTouchpointRollup.objects.all()
    }
    case_rows = {
        (r.day, r.team_id, r.touchpoint_id, r.segment): {
            name: getattr(r, name) for name in (*CASE_COUNTS, *HISTOGRAMS)
        }
        for r in CaseRollup.objects.all()
    }
    cases_by_touchpoint = {
        (r.day, r.touchpoint_id): {name: getattr(r, name) for name in (*CASE_COUNTS, *HISTOGRAMS)}
        for r in CaseTouchpointRollup.objects.all()
    }
    contributions = {
        (c.case_id,): {
            f.attname: getattr(c, f.attname)
            for f in CaseContribution._meta.concrete_fields
            if not f.primary_key
        }
        for c in CaseContribution.objects.all()
    }
    themes = {
        (r.day, r.touchpoint_id, r.score_type, r.channel, r.segment, r.theme_id): {
            "comments": r.comments,
            "comments_negative": r.comments_negative,
        }
        for r in ThemeRollup.objects.all()
    }
    return {
        "feedback": feedback,
        "feedback_by_touchpoint": feedback_by_touchpoint,
        "themes": themes,
        "cases": case_rows,
        "cases_by_touchpoint": cases_by_touchpoint,
        "contributions": contributions,
    }


def resize_any(rng: random.Random, customers: list[Customer | None]) -> None:
    """A quality manager gives a customer another size (Settings → Customers)."""
    customer = rng.choice([c for c in customers if c is not None])
    customer.size = rng.choice(SIZES)
    customer.save()


def assert_rebuild_agrees() -> dict[str, dict[tuple[Any, ...], dict[str, Any]]]:
    """The rollups kept so far equal a rebuild, both as of now (after the worker's sweep)."""
    rollup_deadlines_passed()
    incremental = rollup_rows()
    rollups_rebuild()
    rebuilt = rollup_rows()
    for table in incremental:
        assert incremental[table].keys() == rebuilt[table].keys(), table
        for key, fields in rebuilt[table].items():
            assert incremental[table][key] == fields, (table, key)
    return rebuilt


class Stream:
    """A seeded stream of feedback and case work through the real services."""

    def __init__(self, org: Org, clock: Clock, seed: int):
        self.org, self.clock, self.rng = org, clock, random.Random(seed)
        self.customers: list[Customer | None] = [None, None]
        for i in range(8):
            self.customers.append(
                Customer.objects.create(
                    name=f"Customer {i}",
                    email=f"c{i}@example.com",
                    size=self.rng.choice(SIZES),
                )
            )
        self.root_causes = list(RootCause.objects.all())
        self.staff = cases.Actor.staff(org.manager)

    def feedback(self) -> None:
        rng = self.rng
        kind = rng.choice(["survey", "survey", "survey", "feedback", "complaint"])
        score_type = rng.choice(["nps", "nps", "csat", "ces"]) if kind != "feedback" else None
        if kind == "complaint" and rng.random() < 0.5:
            score_type = None
        ranges = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}
        score = rng.randint(*ranges[score_type]) if score_type else None
        occurred = self.clock.now - dt.timedelta(hours=rng.choice([0, 0, 0, 5, 30, 80]))
        give_feedback(
            rng.choice([self.org.helpdesk, self.org.invoicing]),
            customer=rng.choice(self.customers),
            kind=kind,
            score_type=score_type,
            score=score,
            comment=rng.choice(["", "", "Slow.", "Nobody answered my call."])
            if score is not None
            else "Nobody answered my call.",
            channel=rng.choice(CHANNELS),
            occurred_at=occurred,
        )

    def case_work(self) -> None:
        rng = self.rng
        case = rng.choice(list(Case.objects.order_by("pk")))
        reason = "It is still broken."
        if case.status == Status.RESOLVED and rng.random() < 0.7:
            case_customer_verdict(case=case, satisfied=rng.random() < 0.6, reason=reason)
            return
        actions = sorted(cases.case_allowed_actions(case) - {"assign", "note"})
        action = rng.choice([*actions, *(["resolve"] if "resolve" in actions else [])])
        if action == "acknowledge":
            cases.case_acknowledge(case=case, actor=self.staff)
        elif action == "reply":
            cases.case_reply(case=case, body="We are on it.", actor=self.staff)
        elif action == "wait_on_customer":
            cases.case_wait_on_customer(case=case, actor=self.staff)
        elif action == "resolve":
            cases.case_resolve(
                case=case,
                resolution="Fixed.",
                root_cause=rng.choice(self.root_causes),
                actor=self.staff,
            )
        elif action == "reopen":
            cases.case_reopen(case=case, reason=reason, actor=self.staff)
        elif action == "severity":
            severity = rng.choice(["critical", "high", "normal", "low"])
            cases.case_set_severity(case=case, severity=severity, actor=self.staff)
        case.refresh_from_db()
        if case.is_open and rng.random() < 0.2:
            case_customer_message(case=case, body="Any news?")

    def run(self, steps: int) -> None:
        for _ in range(steps):
            self.clock.to(
                self.clock.now + dt.timedelta(minutes=self.rng.choice([3, 10, 30, 90, 300, 900]))
            )
            if self.rng.random() < 0.02:
                escalation_sweep()
            if self.rng.random() < 0.1:  # the worker's sweep, not after every step
                rollup_deadlines_passed()
            if self.rng.random() < 0.05:
                resize_any(self.rng, self.customers)
            if self.rng.random() < 0.5 or not Case.objects.exists():
                self.feedback()
            else:
                self.case_work()


@pytest.mark.parametrize(
    ("seed", "zone"), [(1, "UTC"), (2, "Europe/Berlin"), (3, "America/Los_Angeles")]
)
def test_a_rebuild_and_the_incremental_path_agree_on_random_work(
    org: Org, clock: Clock, settings: Any, seed: int, zone: str
) -> None:
    settings.TIME_ZONE = zone
    clock.to(utc(2026, 3, 2, 7, 0))
    Stream(org, clock, seed).run(250)
    rows = assert_rebuild_agrees()

    # The stream exercised what it claims to: reopened cases, both verdicts, SLA outcomes.
    totals = {
        name: sum(r[name] for r in rows["cases"].values())
        for name in CASE_COUNTS
        if name != "resolved_after_reopening"
    }
    assert all(totals.values()), totals
    assert sum(sum(r["resolve_histogram"]) for r in rows["cases"].values()) > 0
    assert len({key[0] for key in rows["feedback"]}) > 5  # several days
    assert sum(r["responses"] for r in rows["feedback"].values()) == Feedback.objects.count()
    assert len(rows["feedback_by_touchpoint"]) < len(rows["feedback"])  # coarser, same sums
    assert len(rows["cases_by_touchpoint"]) < len(rows["cases"])
    assert_case_totals_match_raw_rows(rows["cases_by_touchpoint"])
    assert_case_totals_match_raw_rows(rows["cases"])
    # Deadlines of every kind counted: met, met late, and missed by cases still open.
    outcomes = {
        (c["resolve_met"], c["resolved_day"] is not None)
        for c in rows["contributions"].values()
        if c["resolve_due_day"] is not None
    }
    assert outcomes >= {(True, True), (False, True), (False, False)}, outcomes
    assert any(c["pending_until"] for c in rows["contributions"].values())
    # Customers changed size meanwhile: some gave feedback in two segments or more.
    segments = Feedback.objects.exclude(customer=None).values_list("customer", "segment")
    assert len(set(segments)) > len({customer for customer, _ in segments})


def assert_case_totals_match_raw_rows(rows: dict[tuple[Any, ...], dict[str, Any]]) -> None:
    def total(name: str) -> int:
        return sum(r[name] for r in rows.values())

    acknowledged = Case.objects.filter(acknowledged_at__isnull=False)
    resolved = Case.objects.filter(resolved_at__isnull=False)
    verdicts = CaseEvent.objects.filter(kind=CaseEvent.Kind.SATISFACTION)
    assert total("opened") == Case.objects.count()
    assert total("acknowledged") == acknowledged.count()
    assert total("resolved") == resolved.count()
    for deadline, (counted, met) in deadlines_from_raw_cases().items():
        assert total(f"{deadline}_deadlines") == counted, deadline
        assert total(f"{deadline}_deadlines_met") == met, deadline
    assert total("resolved_after_reopening") == resolved.filter(reopen_count__gt=0).count()
    assert total("reopens") == sum(Case.objects.values_list("reopen_count", flat=True))
    assert total("verdicts_satisfied") == verdicts.filter(data__satisfied=True).count()
    assert total("verdicts_unsatisfied") == verdicts.filter(data__satisfied=False).count()
    durations = resolved.exclude(business_seconds_to_resolve=None)
    histogram = [
        sum(r["resolve_histogram"][i] for r in rows.values()) for i in range(DURATION_BUCKETS)
    ]
    expected = [0] * DURATION_BUCKETS
    for seconds in durations.values_list("business_seconds_to_resolve", flat=True):
        expected[duration_bucket(seconds) or 0] += 1
    assert histogram == expected


def deadlines_from_raw_cases() -> dict[str, tuple[int, int]]:
    """Each kind of deadline: (counted, met) straight from the cases, as of now."""
    now = timezone.now()
    found = {}
    for deadline, due, done, in_time in (
        ("acknowledge", "acknowledge_by", "acknowledged_at", "acknowledged_within_sla"),
        ("resolve", "resolve_by", "resolved_at", "resolved_within_sla"),
    ):
        counted = met = 0
        for row in Case.objects.values(due, done, in_time):
            if row[due] is None:
                continue
            if row[done] is not None and row[in_time] is not None:
                counted, met = counted + 1, met + row[in_time]
            elif row[done] is None and row[due] <= now:
                counted += 1
        found[deadline] = (counted, met)
    return found


def test_a_reopened_case_counts_as_resolved_once_on_its_latest_resolution_day(
    org: Org, clock: Clock
) -> None:
    clock.to(utc(2026, 3, 2, 9, 0))  # a Monday
    feedback = give_feedback(org.helpdesk, customer=org.customer, score=2)
    case = feedback.case
    assert case is not None
    staff = cases.Actor.staff(org.manager)
    cause = RootCause.objects.first()
    clock.to(utc(2026, 3, 2, 10, 0))
    cases.case_resolve(case=case, resolution="Refunded.", root_cause=cause, actor=staff)
    clock.to(utc(2026, 3, 3, 10, 0))
    case_customer_verdict(case=case, satisfied=False, reason="Not refunded at all.")
    clock.to(utc(2026, 3, 4, 11, 0))
    cases.case_resolve(case=case, resolution="Refunded now.", root_cause=cause, actor=staff)
    clock.to(utc(2026, 3, 5, 11, 0))
    case_customer_verdict(case=case, satisfied=True)

    by_day = {r.day.day: r for r in CaseRollup.objects.all()}
    assert (by_day[2].opened, by_day[2].acknowledged, by_day[2].resolved) == (1, 1, 0)
    assert (by_day[3].reopens, by_day[3].verdicts_unsatisfied, by_day[3].resolved) == (1, 1, 0)
    assert (by_day[4].resolved, by_day[4].resolved_after_reopening) == (1, 1)
    assert by_day[5].verdicts_satisfied == 1
    assert sum(r.resolved for r in by_day.values()) == 1
    assert sum(sum(r.resolve_histogram) for r in by_day.values()) == 1
    assert_rebuild_agrees()


def test_feedback_counts_on_its_day_in_the_configured_time_zone(
    org: Org, clock: Clock, settings: Any
) -> None:
    settings.TIME_ZONE = "Asia/Tokyo"
    clock.to(utc(2026, 3, 2, 16, 30))  # 01:30 on 3 March in Tokyo
    give_feedback(org.helpdesk, score=10, comment="", channel="email")
    row = FeedbackRollup.objects.get()
    assert row.day == dt.date(2026, 3, 3)
    assert (row.score_type, row.channel, row.segment) == ("nps", "email", "")
    assert (row.responses, row.nps_promoters, row.with_comment) == (1, 1, 0)


def test_the_segment_is_the_customers_size(org: Org, clock: Clock) -> None:
    org.customer.size = Customer.Size.LARGE
    org.customer.save()
    give_feedback(org.invoicing, customer=org.customer, score_type="csat", score=2)
    assert FeedbackRollup.objects.get().segment == "large"
    assert CaseRollup.objects.get().segment == "large"


def test_rollups_give_the_figures_computed_from_raw_feedback(
    org: Org, clock: Clock, settings: Any
) -> None:
    settings.TIME_ZONE = "Europe/Berlin"
    clock.to(utc(2026, 3, 2, 7, 0))
    stream = Stream(org, clock, seed=7)
    for _ in range(300):
        clock.to(clock.now + dt.timedelta(minutes=stream.rng.choice([10, 60, 240])))
        stream.feedback()
    raw = list(Feedback.objects.select_related("customer"))
    days = sorted({day_of(f.occurred_at) for f in raw})
    middle = days[len(days) // 3 : 2 * len(days) // 3]
    scopes: list[tuple[dict[str, Any], Any]] = [
        ({}, lambda f: True),
        ({"touchpoint": org.helpdesk}, lambda f: f.touchpoint_id == org.helpdesk.pk),
        (
            {"day__gte": middle[0], "day__lte": middle[-1], "channel": "email"},
            lambda f: middle[0] <= day_of(f.occurred_at) <= middle[-1] and f.channel == "email",
        ),
    ]
    for filters, chosen in scopes:
        picked = [f for f in raw if chosen(f)]
        totals = feedback_totals(**filters)

        def scores(kind: str, picked: list[Feedback] = picked) -> list[int]:
            return [f.score for f in picked if f.score_type == kind and f.score is not None]

        nps_scores, csat_scores, ces_scores = scores("nps"), scores("csat"), scores("ces")
        direct_nps = (
            100
            * (sum(s >= 9 for s in nps_scores) - sum(s <= 6 for s in nps_scores))
            / len(nps_scores)
        )
        from_rollups = metrics.nps(
            totals["nps_promoters"], totals["nps_passives"], totals["nps_detractors"]
        )
        assert from_rollups.value == pytest.approx(direct_nps)
        assert from_rollups.n == len(nps_scores)
        csat = metrics.csat({r: totals[f"csat_{r}"] for r in range(1, 6)})
        assert csat.value == pytest.approx(sum(s >= 4 for s in csat_scores) / len(csat_scores))
        assert csat.n == len(csat_scores)
        ces = metrics.mean(Moments(totals["ces_n"], totals["ces_sum"], totals["ces_sum_squares"]))
        assert ces.value == pytest.approx(sum(ces_scores) / len(ces_scores))
        raw_ces = metrics.mean(Moments.of([float(s) for s in ces_scores]))
        assert (ces.ci_low, ces.ci_high) == pytest.approx((raw_ces.ci_low, raw_ces.ci_high))
        assert totals["ces_easy"] == sum(s >= 5 for s in ces_scores)
        assert totals["responses"] == len(picked)
        assert totals["complaints"] == sum(f.kind == "complaint" for f in picked)
        assert totals["with_comment"] == sum(bool(f.comment) for f in picked)


def test_durations_fall_in_their_buckets() -> None:
    assert duration_bucket(None) is None
    assert duration_bucket(0) == 0
    assert duration_bucket(299) == 0
    assert duration_bucket(300) == 1
    assert duration_bucket(10**9) == DURATION_BUCKETS - 1


def test_the_command_rebuilds_with_a_progress_bar(
    org: Org, clock: Clock, capsys: pytest.CaptureFixture[str]
) -> None:
    give_feedback(org.helpdesk, customer=org.customer, score=3)
    give_feedback(org.invoicing, score_type="csat", score=5)
    FeedbackRollup.objects.all().delete()
    CaseRollup.objects.all().delete()
    out = io.StringIO()
    call_command("rollups", "rebuild", stdout=out)
    assert "from 2 feedback, 1 cases" in out.getvalue()
    assert "3/3" in capsys.readouterr().err  # tqdm's bar: feedback, cases, verdicts
    assert FeedbackRollup.objects.count() == 2
    assert CaseRollup.objects.get().opened == 1


def test_the_demo_load_leaves_rollups_that_match_its_raw_rows(db: Any) -> None:
    loader.demo_load(responses=400, customers=100, now=utc(2026, 11, 20, 16, 0))
    totals = feedback_totals()
    assert totals["responses"] == Feedback.objects.count() == 400
    assert totals["complaints"] == Feedback.objects.filter(kind="complaint").count()
    case_totals = CaseRollup.objects.aggregate(opened=Sum("opened"), resolved=Sum("resolved"))
    assert case_totals["opened"] == Case.objects.count()
    assert case_totals["resolved"] == Case.objects.filter(resolved_at__isnull=False).count()
    assert CaseContribution.objects.count() == Case.objects.count()
