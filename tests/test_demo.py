"""The demo organisation keeps the promises the product's own rules make."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import re
from collections.abc import Iterator
from dataclasses import replace
from io import StringIO
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, F, Max

from tests.demo_fixture import demo_for_module
from vocloop.accounts.models import Team
from vocloop.accounts.roles import is_quality_manager, is_team_lead
from vocloop.cases.models import OPEN_STATUSES, Case, CaseEvent, Status
from vocloop.customers.models import Customer
from vocloop.demo import loader, timeline
from vocloop.demo.generator import Generator
from vocloop.demo.management.commands.demo import links_to
from vocloop.demo.organisation import DEMO_PASSWORD, DETERIORATING, customers_generate
from vocloop.listening.links import tracking_url
from vocloop.listening.models import (
    Feedback,
    LifecycleStage,
    ReferenceCounter,
    Touchpoint,
)
from vocloop.listening.rules import DEFAULT_THRESHOLDS, needs_case, thresholds_for
from vocloop.listening.services import reference_allocate

# A Monday morning: the weekend's cases are still new, Friday's are in progress.
NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
RESPONSES = 5000
CUSTOMERS = 400
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def load(*, responses: int = RESPONSES, seed: int = 7) -> loader.LoadResult:
    return loader.demo_load(responses=responses, seed=seed, customers=CUSTOMERS, now=NOW)


@pytest.fixture(scope="module")
def demo(django_db_setup: Any, django_db_blocker: Any) -> Iterator[loader.LoadResult]:
    """One demo for the module's read-only tests, rolled back when they are done."""
    with demo_for_module(
        django_db_blocker, responses=RESPONSES, seed=7, customers=CUSTOMERS, now=NOW
    ) as result:
        yield result


@pytest.fixture
def fresh(db: Any, settings: Any) -> None:
    """An empty organisation, whatever the module's demo holds (rolled back after the test)."""
    settings.PASSWORD_HASHERS = FAST_HASHER
    loader.demo_reset()


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Everything the demo wrote, by natural keys: ids and random tokens left out."""
    return {
        "feedback": list(
            Feedback.objects.order_by("reference").values_list(
                "reference",
                "touchpoint__slug",
                "survey__name",
                "customer__external_id",
                "kind",
                "channel",
                "score_type",
                "score",
                "comment",
                "occurred_at",
                "received_at",
                "case__reference",
            )
        ),
        "cases": list(
            Case.objects.order_by("reference").values_list(
                "reference",
                "status",
                "severity",
                "assignee__username",
                "acknowledged_at",
                "resolved_at",
                "closed_at",
                "resolution",
                "root_cause__slug",
                "customer_satisfied",
                "reopen_count",
                "updated_at",
            )
        ),
        "events": list(
            CaseEvent.objects.order_by("case__reference", "created_at", "id").values_list(
                "case__reference", "kind", "actor__username", "body", "public_text", "created_at"
            )
        ),
        "customers": list(
            Customer.objects.order_by("external_id").values_list(
                "external_id", "name", "email", "industry", "size", "region"
            )
        ),
    }


def test_touch_points_cover_the_lifecycle_each_with_a_rule_and_surveys(demo, db):
    touchpoints = Touchpoint.objects.annotate(n=Count("surveys")).select_related("case_rule")
    assert len(touchpoints) == 8
    assert {tp.stage for tp in touchpoints} == set(LifecycleStage.values)
    for tp in touchpoints:
        assert 1 <= tp.n <= 2
        # The default score thresholds; unscored comments open a case when strongly negative.
        assert thresholds_for(tp) == replace(DEFAULT_THRESHOLDS, sentiment_at_or_below=-0.6)


def test_five_teams_with_leads_members_and_an_escalation_chain(demo, db):
    teams = Team.objects.annotate(n=Count("members"))
    assert len(teams) == 5
    assert all(team.lead_id is not None and team.n >= 2 for team in teams)
    operations = Team.objects.get(slug="customer-operations")
    assert operations.children.count() == 3
    assert all(tp.owning_team.lead_id for tp in Touchpoint.objects.select_related("owning_team"))


def test_the_printed_logins_work_with_their_roles(demo, db, client, settings):
    settings.PASSWORD_HASHERS = FAST_HASHER
    manager, lead, agent = (User.objects.get(username=u) for u in ("manager", "lead", "agent"))
    assert is_quality_manager(manager) and manager.is_staff
    assert is_team_lead(lead) and not is_quality_manager(lead)
    assert not is_team_lead(agent) and agent.teams.exists()
    assert client.login(username="agent", password=DEMO_PASSWORD)


def test_customers_carry_segments_and_harmless_addresses(demo, db):
    customers = Customer.objects.all()
    assert len(customers) == CUSTOMERS
    for c in customers:
        assert c.industry and c.region and c.size in Customer.Size.values and c.name
        assert c.email.endswith((".example.com", ".test"))
    assert Customer.objects.values("size").distinct().count() == 4
    assert Customer.objects.values("industry").distinct().count() >= 8


def test_feedback_spans_twelve_months_on_every_channel(demo, db):
    assert Feedback.objects.count() == RESPONSES
    assert Feedback.objects.aggregate(latest=Max("received_at"))["latest"] <= NOW
    assert Feedback.objects.filter(received_at__lt=NOW - dt.timedelta(days=330)).exists()
    assert set(Feedback.objects.values_list("channel", flat=True)) == {
        "web",
        "email",
        "phone",
        "chat",
        "api",
    }
    assert set(Feedback.objects.values_list("kind", flat=True)) == set(Feedback.Kind.values)


def test_cases_exist_in_every_status_and_some_were_reopened(demo, db):
    assert set(Case.objects.values_list("status", flat=True)) == set(Status.values)
    assert Case.objects.filter(reopen_count__gt=0).exists()
    assert Case.objects.filter(customer_satisfied=True, status=Status.CLOSED).exists()
    assert CaseEvent.objects.filter(
        kind=CaseEvent.Kind.SATISFACTION, data__satisfied=False
    ).exists()
    # Old cases are mostly done, recent ones mostly open.
    old = Case.objects.filter(opened_at__lt=NOW - dt.timedelta(days=90))
    recent = Case.objects.filter(opened_at__gte=NOW - dt.timedelta(days=3))
    assert old.filter(status__in=OPEN_STATUSES).count() < 0.1 * old.count()
    assert recent.filter(status__in=OPEN_STATUSES).count() > 0.5 * recent.count()


def test_case_fields_agree_with_their_status(demo, db):
    for case in Case.objects.all():
        done = case.status in (Status.RESOLVED, Status.CLOSED)
        assert (case.resolved_at is not None) == done
        assert (case.closed_at is not None) == (case.status == Status.CLOSED)
        assert (case.acknowledged_at is None) == (case.status == Status.NEW)
        assert bool(case.resolution) == (case.root_cause_id is not None)


def test_every_timeline_starts_with_opened_then_assigned_to_the_team(demo, db):
    firsts: dict[int, list[str]] = {}
    for case_id, kind in CaseEvent.objects.order_by("created_at", "id").values_list(
        "case_id", "kind"
    ):
        firsts.setdefault(case_id, []).append(kind)
    assert len(firsts) == Case.objects.count()
    assert all(kinds[:2] == ["opened", "assigned_team"] for kinds in firsts.values())


def test_every_case_belongs_to_its_touch_points_owning_team(demo, db):
    assert Case.objects.count() > 100
    assert not Case.objects.exclude(team=F("touchpoint__owning_team")).exists()


def test_no_customer_has_two_open_cases_at_one_touch_point(demo, db):
    doubles = (
        Case.objects.filter(status__in=OPEN_STATUSES, customer__isnull=False)
        .values("customer", "touchpoint")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    assert not doubles.exists()


def test_the_touch_points_rule_decides_which_feedback_has_a_case(demo, db):
    rules = {tp.pk: thresholds_for(tp) for tp in Touchpoint.objects.select_related("case_rule")}
    for f in Feedback.objects.all():
        opens = needs_case(
            rules[f.touchpoint_id],
            is_complaint=f.kind == Feedback.Kind.COMPLAINT,
            score_type=f.score_type,
            score=f.score,
        )
        assert (f.case_id is not None) == opens, f.reference
    # A case carries the reference of the feedback that opened it; later feedback joins it.
    assert not Case.objects.exclude(reference__in=Feedback.objects.values("reference")).exists()
    joined = Feedback.objects.filter(case__isnull=False).exclude(reference=F("case__reference"))
    assert joined.count() == CaseEvent.objects.filter(kind="feedback_attached").count() > 0


def test_references_follow_the_format_and_the_counter_continues_after_them(demo, db):
    pattern = re.compile(r"^VL-(\d{4})-(\d{6})$")
    highest: dict[int, int] = {}
    for reference in Feedback.objects.values_list("reference", flat=True):
        match = pattern.match(reference)
        assert match, reference
        year, number = int(match[1]), int(match[2])
        highest[year] = max(highest.get(year, 0), number)
    counters = dict(ReferenceCounter.objects.values_list("year", "last"))
    assert counters == highest
    assert sum(highest.values()) == RESPONSES  # numbered from 1 without gaps
    this_year = max(counters)
    assert reference_allocate(at=NOW) == f"VL-{this_year}-{counters[this_year] + 1:06d}"


def poor_share(feedback: Any) -> float:
    scored = [f for f in feedback if f.score is not None]
    poor = [
        f
        for f in scored
        if needs_case(
            DEFAULT_THRESHOLDS, is_complaint=False, score_type=f.score_type, score=f.score
        )
    ]
    return len(poor) / len(scored)


def test_one_touch_point_clearly_worsens_over_the_last_two_months(demo, db):
    since = NOW - dt.timedelta(days=60)
    at = Feedback.objects.filter(touchpoint__slug=DETERIORATING)
    before, after = at.filter(received_at__lt=since), at.filter(received_at__gte=since)
    assert poor_share(after) > 2 * poor_share(before)
    complaints = Feedback.Kind.COMPLAINT
    assert (
        after.filter(kind=complaints).count() / after.count()
        > 2 * before.filter(kind=complaints).count() / before.count()
    )
    others = Feedback.objects.exclude(touchpoint__slug=DETERIORATING)
    assert poor_share(others.filter(received_at__gte=since)) < 1.5 * poor_share(
        others.filter(received_at__lt=since)
    )


def test_the_same_seed_gives_the_same_demo(fresh):
    load(responses=800)
    first = snapshot()
    loader.demo_reset()
    assert not Touchpoint.objects.exists() and not User.objects.filter(username="lead").exists()
    load(responses=800)
    assert snapshot() == first
    loader.demo_reset()
    load(responses=800, seed=8)
    assert snapshot()["feedback"] != first["feedback"]


def test_cases_are_handed_out_as_they_settle_not_all_at_the_end():
    generator = Generator(
        responses=4000,
        seed=1,
        now=NOW,
        customers=customers_generate(300, seed=1),
        thresholds=dict.fromkeys(loader.org.TOUCHPOINTS_BY_SLUG, DEFAULT_THRESHOLDS),
        counters={},
        chunk_size=500,
    )
    chunks = list(generator.chunks())
    assert sum(len(c.feedback) for c in chunks) == 4000
    total = sum(len(c.cases) for c in chunks)
    assert len(chunks[-1].cases) < 0.1 * total


def test_timeline_vocabulary_matches_the_models():
    kinds = {v for k, v in vars(timeline).items() if k.isupper() and isinstance(v, str)}
    kinds -= {timeline.NEW, timeline.WAITING}
    assert kinds <= set(CaseEvent.Kind.values)
    assert set(OPEN_STATUSES) == timeline.OPEN_STATUSES
    from vocloop.demo import slaclock
    from vocloop.slas.models import Escalation

    assert {slaclock.ACKNOWLEDGE, slaclock.RESOLVE} == set(Escalation.Deadline.values)


def test_the_command_loads_once_prints_the_way_in_and_reloads_on_reset(fresh):
    out = StringIO()
    before = settings.BASE_URL
    call_command("demo", "--no-serve", "--responses", "300", "--port", "8123", stdout=out)
    text = out.getvalue()
    assert Feedback.objects.count() == 300
    for expected in ("manager", "lead", "agent", DEMO_PASSWORD, "http://127.0.0.1:8123/login/"):
        assert expected in text
    token = re.search(r"http://127\.0\.0\.1:8123/t/([\w-]+)/", text)
    assert token and Feedback.objects.filter(tracking_token=token[1], case__isnull=False).exists()
    slug = re.search(r"/s/([\w-]+)/", text)
    assert slug and Touchpoint.objects.filter(surveys__public_slug=slug[1]).exists()
    assert "http://127.0.0.1:8123/feedback/" in text
    assert before == settings.BASE_URL  # as it was, once the command is done

    again = StringIO()
    call_command("demo", "--no-serve", "--responses", "200", stdout=again)
    assert "already holds touch points" in again.getvalue()
    assert Feedback.objects.count() == 300

    call_command("demo", "--no-serve", "--reset", "--responses", "200", stdout=StringIO())
    assert Feedback.objects.count() == 200
    assert Team.objects.count() == 5


def test_while_the_demo_serves_links_lead_to_its_port_in_emails_and_the_worker(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("VOCLOOP_BASE_URL", raising=False)
    before = settings.BASE_URL
    with links_to("http://127.0.0.1:8123"):
        feedback = Feedback(tracking_token="abc")
        assert tracking_url(feedback) == "http://127.0.0.1:8123/t/abc/"
        assert os.environ["VOCLOOP_BASE_URL"] == "http://127.0.0.1:8123"  # the worker's
    assert before == settings.BASE_URL and "VOCLOOP_BASE_URL" not in os.environ


def test_open_cases_run_an_sla_clock_and_waiting_ones_are_paused(demo, db):
    from vocloop.cases.models import OPEN_STATUSES, Case, Status

    open_cases = Case.objects.filter(status__in=OPEN_STATUSES)
    running = open_cases.exclude(status=Status.WAITING_ON_CUSTOMER)
    assert running.exists() and not running.filter(resolve_by__isnull=True).exists()
    assert not running.filter(sla_policy__isnull=True).exists()
    waiting = open_cases.filter(status=Status.WAITING_ON_CUSTOMER)
    assert waiting.exists()
    assert not waiting.filter(resolve_by__isnull=False).exists()
    assert all(case.clock_pauses.filter(ended_at__isnull=True).exists() for case in waiting)


# SLA outcomes -----------------------------------------------------------------------
# The demo's teams have no calendar of their own: their clocks run on the seeded
# default, Monday to Friday 09:00–17:00 UTC, which these helpers count by hand.
WORKDAY = (dt.time(9), dt.time(17))


def working_time(
    start: dt.datetime, end: dt.datetime, pauses: list[tuple[dt.datetime, dt.datetime | None]]
) -> dt.timedelta:
    """Monday–Friday 09:00–17:00 UTC in [start, end), less the (disjoint) pauses."""
    total = dt.timedelta(0)
    day = start.astimezone(dt.UTC).date()
    while day <= end.astimezone(dt.UTC).date():
        if day.weekday() < 5:
            low = max(start, dt.datetime.combine(day, WORKDAY[0], dt.UTC))
            high = min(end, dt.datetime.combine(day, WORKDAY[1], dt.UTC))
            if low < high:
                total += high - low
                for pause_start, pause_end in pauses:
                    overlap = min(high, pause_end or high) - max(low, pause_start)
                    total -= max(overlap, dt.timedelta(0))
        day += dt.timedelta(days=1)
    return total


def test_the_demo_runs_its_clocks_on_the_default_calendar(demo, db):
    from vocloop.slas.models import BusinessCalendar

    assert not Team.objects.filter(calendar__isnull=False).exists()
    default = BusinessCalendar.objects.get(is_default=True)
    assert default.time_zone == "UTC" and not default.holidays.exists()
    weekdays = (
        default.monday,
        default.tuesday,
        default.wednesday,
        default.thursday,
        default.friday,
    )
    assert weekdays == ("09:00-17:00",) * 5
    assert default.saturday == default.sunday == ""


def test_every_acknowledgement_and_resolution_is_judged_against_its_deadline(demo, db):
    cases = Case.objects.select_related("sla_policy")
    assert not cases.filter(sla_policy__isnull=True).exists()
    assert not cases.filter(acknowledge_by__isnull=True).exists()
    for case in cases:
        assert case.sla_policy.severity == case.severity
        if case.acknowledged_at is None:
            assert case.acknowledged_within_sla is None
            assert case.business_seconds_to_acknowledge is case.seconds_to_acknowledge is None
        else:
            assert case.acknowledged_within_sla == (case.acknowledged_at <= case.acknowledge_by)
            wall = int((case.acknowledged_at - case.opened_at).total_seconds())
            assert case.seconds_to_acknowledge == wall
            assert 0 <= case.business_seconds_to_acknowledge <= wall
        if case.resolved_at is None:
            assert case.resolved_within_sla is None
            assert case.business_seconds_to_resolve is case.seconds_to_resolve is None
        else:
            assert case.resolve_by is not None, case.reference
            assert case.resolved_within_sla == (case.resolved_at <= case.resolve_by)
            wall = int((case.resolved_at - case.opened_at).total_seconds())
            assert case.seconds_to_resolve == wall
            assert 0 <= case.business_seconds_to_resolve <= wall


def test_business_time_and_deadlines_agree_with_a_count_by_hand(demo, db):
    from vocloop.slas.models import ClockPause

    pauses: dict[int, list[tuple[dt.datetime, dt.datetime | None]]] = {}
    for case_id, start, end in ClockPause.objects.values_list("case_id", "started_at", "ended_at"):
        pauses.setdefault(case_id, []).append((start, end))
    second = dt.timedelta(seconds=1)
    resolved = Case.objects.select_related("sla_policy").filter(resolved_at__isnull=False)
    assert resolved.count() > 500
    for case in resolved:
        opened, stops = case.opened_at, pauses.get(case.pk, [])
        acknowledge = case.sla_policy.acknowledge_within
        resolve = case.sla_policy.resolve_within
        # No pause precedes an acknowledgement; the time resolved before a reopening
        # and the waits on the customer count against the resolution.
        spent = working_time(opened, case.acknowledged_at, [])
        assert case.business_seconds_to_acknowledge == int(spent.total_seconds())
        # A deadline is the first moment the policy's business time is used up.
        assert working_time(opened, case.acknowledge_by, []) == acknowledge
        assert working_time(opened, case.acknowledge_by - second, []) < acknowledge
        spent = working_time(opened, case.resolved_at, stops)
        assert case.business_seconds_to_resolve == int(spent.total_seconds())
        assert working_time(opened, case.resolve_by, stops) == resolve
        assert working_time(opened, case.resolve_by - second, stops) < resolve


def test_waits_and_reopenings_stop_the_clock_as_the_product_records_them(demo, db):
    from vocloop.slas.models import ClockPause

    waited = CaseEvent.objects.filter(kind="status_changed").values("case")
    reopened = Case.objects.filter(reopen_count__gt=0)
    assert ClockPause.objects.filter(case__in=waited).exists()
    for case in reopened:
        reopenings = case.events.filter(kind="reopened").values_list("created_at", flat=True)
        ends = set(case.clock_pauses.values_list("ended_at", flat=True))
        assert set(reopenings) <= ends, case.reference
    assert (
        not ClockPause.objects.filter(ended_at__isnull=True)
        .exclude(case__status=Status.WAITING_ON_CUSTOMER)
        .exists()
    )


def test_the_product_would_give_the_same_policies_and_deadlines(demo, db):
    from vocloop.slas import services as sla

    fields = ("pk", "sla_policy_id", "acknowledge_by", "resolve_by")
    loaded = list(Case.objects.order_by("pk").values_list(*fields))
    with transaction.atomic():
        # The product's own bulk path: policies picked again, unmet deadlines recomputed
        # from the recorded pauses (those of open cases, still running, above all).
        assert sla.case_deadlines_fill(cases=Case.objects.all()) == len(loaded)
        assert list(Case.objects.order_by("pk").values_list(*fields)) == loaded
        transaction.set_rollback(True)


def test_sla_compliance_is_mostly_met_differs_by_team_and_feeds_the_durations(demo, db):
    from vocloop.metrics.selectors import METRICS, Scope, metric_groups

    year = Scope(date_from=(NOW - dt.timedelta(days=366)).date(), date_to=NOW.date())
    for name in ("sla_compliance", "sla_compliance_acknowledge"):
        (overall,) = metric_groups(METRICS[name], year)
        assert overall.estimate.n > 500
        assert 0.75 < overall.estimate.value < 0.98, name
        by_team = {g.key: g.estimate.value for g in metric_groups(METRICS[name], year, "team")}
        assert len(by_team) == 5 and all(0.5 < value < 1 for value in by_team.values())
        assert len(set(by_team.values())) > 1
    resolved = Case.objects.filter(resolved_at__isnull=False).count()
    (durations,) = metric_groups(METRICS["time_to_resolve"], year)
    assert durations.estimate.n == resolved and durations.estimate.value > 0


# Escalations: made at the time, so that a first sweep of the demo finds nothing old


def test_a_late_acknowledgement_was_escalated_to_the_teams_lead_at_the_deadline(demo, db):
    from vocloop.slas.models import Escalation

    firsts = {
        e.case_id: e
        for e in Escalation.objects.filter(deadline="acknowledge", level=1).select_related("team")
    }
    cases = list(Case.objects.all())
    late = [c for c in cases if c.acknowledge_by < (c.acknowledged_at or NOW)]
    assert 0 < len(late) < 0.3 * len(cases)
    assert set(firsts) == {c.pk for c in late}
    for case in late:
        # Open and unacknowledged from its opening: escalated the moment it was due.
        assert firsts[case.pk].created_at == firsts[case.pk].due_at == case.acknowledge_by
        assert firsts[case.pk].team_id == case.team_id
        assert firsts[case.pk].notified == [firsts[case.pk].team.lead_id]


def test_each_chain_climbs_an_interval_at_a_time_and_is_on_the_timeline(demo, db):
    from vocloop.slas.models import Escalation

    chains: dict[tuple[int, str], list[Any]] = {}
    for e in Escalation.objects.select_related("case__sla_policy").order_by("level"):
        chains.setdefault((e.case_id, e.deadline), []).append(e)
    assert any(len(chain) == 2 for chain in chains.values())
    for chain in chains.values():
        case = chain[0].case
        assert [e.level for e in chain] == list(range(1, len(chain) + 1))
        due = case.acknowledge_by if chain[0].deadline == "acknowledge" else case.resolve_by
        assert all(e.due_at == due for e in chain)
        assert due <= chain[0].created_at and chain[-1].created_at <= NOW
        for lower, upper in itertools.pairwise(chain):
            assert upper.created_at >= lower.created_at + case.sla_policy.escalate_every
    entries = CaseEvent.objects.filter(kind="escalated")
    assert sorted(entries.values_list("case_id", "created_at", "data__level")) == sorted(
        Escalation.objects.values_list("case_id", "created_at", "level")
    )
    entry = entries.filter(data__level=1).select_related("case__team").first()
    assert entry.public_text == f"Escalated to the lead of the {entry.case.team.name} team."
    assert entry.body.endswith("team, was told.")


def test_a_first_sweep_after_the_demo_finds_nothing_old_to_escalate(demo, db):
    from vocloop.cases.escalation import escalation_sweep_report
    from vocloop.notifications.models import OutboxMessage

    with transaction.atomic():
        assert escalation_sweep_report(now=NOW).escalated == 0
        # What falls due after the demo's end is news, and emailed.
        later = escalation_sweep_report(now=NOW + dt.timedelta(hours=20))
        assert later.escalated > 0 and later.without_email == 0
        assert OutboxMessage.objects.filter(kind="staff_escalated").count() == later.escalated
        transaction.set_rollback(True)
