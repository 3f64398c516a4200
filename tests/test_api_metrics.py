"""GET /api/v1/metrics/{metric} and its control chart: figures from the rollups, honestly."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api_client import ApiClient
from tests.clock import Clock, utc
from tests.conftest import Org
from tests.helpers import give_feedback
from vocloop.accounts.models import Team
from vocloop.api.metrics import MetricOut
from vocloop.cases import services as cases
from vocloop.cases.customer_actions import case_customer_verdict
from vocloop.cases.models import Case, RootCause
from vocloop.customers.models import Customer
from vocloop.listening.models import Feedback, Touchpoint


def nps_by_hand(scores: list[int]) -> tuple[float, float, float]:
    """docs/formulas.md: NPS = 100(p − d), SE = 100·√((p + d − (p − d)²)/n), ± 1.96 SE."""
    n = len(scores)
    p = sum(s >= 9 for s in scores) / n
    d = sum(s <= 6 for s in scores) / n
    value = 100 * (p - d)
    half = 1.959964 * 100 * math.sqrt((p + d - (p - d) ** 2) / n)
    return value, value - half, value + half


def only(answer: Any) -> dict[str, Any]:
    groups = answer.json()["groups"]
    assert len(groups) == 1
    return groups[0]


def test_it_requires_a_token(org: Org) -> None:
    answer = ApiClient(None).get("/metrics/nps")
    assert answer.status_code == 401
    assert "Authorization" in answer.json()["detail"]
    assert ApiClient(None).get("/metrics/nps/control-chart").status_code == 401


def test_nps_overall_equals_the_product_formula(api: ApiClient, org: Org, clock: Clock) -> None:
    scores = [10, 9, 9, 8, 7, 3, 0, 10, 6, 9] * 4
    for i, score in enumerate(scores):
        clock.to(utc(2026, 11, 2 + i % 10, 10, 0))
        give_feedback(org.helpdesk, score=score, comment="")
    answer = api.get("/metrics/nps", **{"from": "2026-11-01", "to": "2026-11-20"})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["metric"] == "nps" and body["from"] == "2026-11-01"
    group = only(answer)
    value, low, high = nps_by_hand(scores)
    assert group["key"] == "all" and group["n"] == 40 and group["enough_data"] is True
    assert group["value"] == pytest.approx(value)
    assert group["ci_low"] == pytest.approx(low, abs=1e-4)
    assert group["ci_high"] == pytest.approx(high, abs=1e-4)


def test_the_default_range_is_the_last_90_days(api: ApiClient, org: Org, clock: Clock) -> None:
    clock.to(utc(2026, 8, 22, 10, 0))  # 91 days before 20 November: outside
    give_feedback(org.helpdesk, score=10, comment="")
    clock.to(utc(2026, 8, 23, 10, 0))  # the first of the 90 days
    give_feedback(org.helpdesk, score=0, comment="")
    clock.to(utc(2026, 11, 20, 16, 0))
    body = api.get("/metrics/nps").json()
    assert (body["from"], body["to"]) == ("2026-08-23", "2026-11-20")
    assert body["groups"][0]["n"] == 1 and body["groups"][0]["value"] == -100


def test_by_touchpoint_and_by_week_group_correctly(api: ApiClient, org: Org, clock: Clock) -> None:
    clock.to(utc(2026, 11, 2, 10, 0))  # Monday of ISO week 45
    give_feedback(org.helpdesk, score=10, comment="")
    clock.to(utc(2026, 11, 8, 10, 0))  # its Sunday
    give_feedback(org.helpdesk, score=0, comment="")
    clock.to(utc(2026, 11, 9, 10, 0))  # the next Monday
    give_feedback(org.invoicing, score=9, comment="")
    give_feedback(org.invoicing, score=9, comment="")
    period = {"from": "2026-11-01", "to": "2026-11-20"}

    by_week = api.get("/metrics/nps", by="week", **period).json()["groups"]
    assert [(g["key"], g["n"], g["value"]) for g in by_week] == [
        ("2026-11-02", 2, 0.0),
        ("2026-11-09", 2, 100.0),
    ]
    assert all(g["enough_data"] is False for g in by_week)

    by_touchpoint = api.get("/metrics/nps", by="touchpoint", **period).json()["groups"]
    assert [(g["key"], g["n"]) for g in by_touchpoint] == [("help-desk", 2), ("invoicing", 2)]

    by_month = api.get("/metrics/nps", by="month", **period).json()["groups"]
    assert [(g["key"], g["n"]) for g in by_month] == [("2026-11-01", 4)]
    by_stage = api.get("/metrics/nps", by="stage", **period).json()["groups"]
    assert [(g["key"], g["n"]) for g in by_stage] == [("invoicing", 2), ("support", 2)]


def test_filters_narrow_the_figures(api: ApiClient, org: Org, clock: Clock) -> None:
    large = Customer.objects.create(name="Big Co", email="big@example.com", size="large")
    clock.to(utc(2026, 11, 3, 10, 0))
    give_feedback(org.helpdesk, score=10, comment="", channel="email", customer=large)
    give_feedback(org.helpdesk, score=0, comment="", channel="web")
    clock.to(utc(2026, 11, 10, 10, 0))
    give_feedback(org.invoicing, score=9, comment="", channel="web")
    period = {"from": "2026-11-01", "to": "2026-11-20"}

    def n(**filters: str) -> int:
        answer = api.get("/metrics/nps", **{**period, **filters})
        assert answer.status_code == 200, answer.content
        return int(only(answer)["n"])

    assert n() == 3
    assert n(touchpoint="invoicing") == 1
    assert n(stage="support") == 2
    assert n(channel="email") == 1
    assert n(segment="large") == 1
    assert n(segment="unknown") == 2
    assert n(to="2026-11-05") == 2
    assert n(**{"from": "2026-11-04"}) == 1
    by_segment = api.get("/metrics/nps", by="segment", **period).json()["groups"]
    assert [(g["key"], g["n"]) for g in by_segment] == [("large", 1), ("unknown", 2)]


def test_csat_ces_and_complaint_rate(api: ApiClient, org: Org, clock: Clock) -> None:
    clock.to(utc(2026, 11, 3, 10, 0))
    for score in (5, 4, 3, 1):
        give_feedback(org.invoicing, score_type="csat", score=score, comment="")
    for score in (7, 5, 2):
        give_feedback(org.helpdesk, score_type="ces", score=score, comment="")
    give_feedback(org.helpdesk, score=None, kind="complaint", comment="Rude agent.")
    period = {"from": "2026-11-01", "to": "2026-11-20"}
    assert only(api.get("/metrics/csat", **period))["value"] == pytest.approx(0.5)
    ces = only(api.get("/metrics/ces", **period))
    assert (ces["value"], ces["n"]) == (pytest.approx(14 / 3), 3)
    assert only(api.get("/metrics/ces_easy", **period))["value"] == pytest.approx(2 / 3)
    complaints = only(api.get("/metrics/complaint_rate", **period))
    assert (complaints["value"], complaints["n"]) == (pytest.approx(1 / 8), 8)


def test_a_figure_below_30_responses_is_flagged_as_not_enough(
    api: ApiClient, org: Org, clock: Clock
) -> None:
    clock.to(utc(2026, 11, 3, 10, 0))
    for _ in range(29):
        give_feedback(org.helpdesk, score=10, comment="")
    period = {"from": "2026-11-01", "to": "2026-11-20"}
    group = only(api.get("/metrics/nps", **period))
    assert (group["n"], group["enough_data"]) == (29, False)
    give_feedback(org.helpdesk, score=10, comment="")
    group = only(api.get("/metrics/nps", **period))
    assert (group["n"], group["enough_data"]) == (30, True)


def test_an_empty_scope_answers_n_zero_without_a_value(api: ApiClient, org: Org) -> None:
    group = only(api.get("/metrics/nps", **{"from": "2026-01-01", "to": "2026-01-31"}))
    assert group == {
        "key": "all",
        "value": None,
        "n": 0,
        "ci_low": None,
        "ci_high": None,
        "enough_data": False,
    }
    assert only(api.get("/metrics/time_to_resolve"))["n"] == 0


def test_a_planted_shift_in_complaint_rate_raises_a_signal(
    api: ApiClient, org: Org, clock: Clock
) -> None:
    # Twelve weeks of 20 responses: 2 complaints a week, then 12 in the last week.
    first_monday = dt.date(2026, 8, 24)
    for week in range(12):
        complaints = 12 if week == 11 else 2
        for i in range(20):
            day = first_monday + dt.timedelta(weeks=week, days=i % 5)
            clock.to(utc(day.year, day.month, day.day, 9 + i % 8, 0))
            if i < complaints:
                give_feedback(org.invoicing, score=None, kind="complaint", comment="Wrong bill.")
            else:
                give_feedback(org.invoicing, score_type="csat", score=4, comment="")
    clock.to(utc(2026, 11, 20, 16, 0))  # every week charted is over
    answer = api.get(
        "/metrics/complaint_rate/control-chart", **{"from": "2026-08-24", "to": "2026-11-15"}
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["chart"] in ("p", "laney p′") and body["note"]
    assert len(body["points"]) == 12
    last = body["points"][-1]
    assert last["key"] == "2026-11-09" and last["n"] == 20 and last["value"] == 0.6
    assert last["value"] > last["upper"] > last["centre"]
    assert any("2026-11-09" in s["keys"] for s in body["signals"])
    assert all(s["rule"] and s["description"] for s in body["signals"])

    # The same data without the shift: no signal.
    calm = api.get(
        "/metrics/complaint_rate/control-chart", **{"from": "2026-08-24", "to": "2026-11-08"}
    ).json()
    assert calm["signals"] == []


def test_nps_is_charted_as_xmr(api: ApiClient, org: Org, clock: Clock) -> None:
    for day, score in ((2, 10), (3, 0), (4, 9)):
        clock.to(utc(2026, 11, day, 10, 0))
        give_feedback(org.helpdesk, score=score, comment="")
    clock.to(utc(2026, 11, 20, 16, 0))
    body = api.get(
        "/metrics/nps/control-chart", by="day", **{"from": "2026-11-01", "to": "2026-11-20"}
    ).json()
    assert body["chart"] == "XmR"
    assert [(p["key"], p["value"]) for p in body["points"]] == [
        ("2026-11-02", 100.0),
        ("2026-11-03", -100.0),
        ("2026-11-04", 100.0),
    ]
    assert body["points"][0]["centre"] == pytest.approx(100 / 3)


def test_one_period_has_no_chart_but_says_why(api: ApiClient, org: Org, clock: Clock) -> None:
    clock.to(utc(2026, 11, 3, 10, 0))
    give_feedback(org.helpdesk, score=10, comment="")
    clock.to(utc(2026, 11, 20, 16, 0))
    body = api.get("/metrics/nps/control-chart").json()
    assert body["chart"] is None and "Too few whole periods" in body["note"]
    assert [p["key"] for p in body["points"]] == ["2026-11-02"]


def test_the_period_in_progress_is_not_charted(api: ApiClient, org: Org, clock: Clock) -> None:
    for day in (2, 9, 16, 18):  # two whole weeks, and two answers in the one in progress
        clock.to(utc(2026, 11, day, 10, 0))
        give_feedback(org.helpdesk, score=10, comment="")
    clock.to(utc(2026, 11, 20, 16, 0))
    body = api.get("/metrics/nps/control-chart", **{"from": "2026-11-02"}).json()
    assert [p["key"] for p in body["points"]] == ["2026-11-02", "2026-11-09"]
    # The figure itself still counts every answer.
    assert api.get("/metrics/nps", **{"from": "2026-11-02"}).json()["groups"][0]["n"] == 4


def resolve_cases(org: Org, clock: Clock) -> None:
    """Three cases in Support, resolved in 1 h, 2 h and a week; each customer gives a verdict.

    The second customer is not satisfied, which reopens that case: it no longer
    counts as resolved. That leaves one resolution within its SLA and one breach.
    """
    staff = cases.Actor.staff(org.manager)
    cause = RootCause.objects.first()
    verdicts = [True, False, True]
    for i, hours in enumerate((1, 2, 40)):
        customer = Customer.objects.create(name=f"C{i}", email=f"c{i}@example.com")
        clock.to(utc(2026, 11, 2, 9, 0))  # a Monday morning
        feedback = give_feedback(org.helpdesk, customer=customer, score=1)
        case = feedback.case
        assert case is not None
        clock.to(utc(2026, 11, 2, 9, 0) + dt.timedelta(hours=hours if hours < 8 else 24 * 7))
        cases.case_resolve(case=case, resolution="Fixed.", root_cause=cause, actor=staff)
        case_customer_verdict(case=case, satisfied=verdicts[i], reason="" if verdicts[i] else "No.")


def test_case_metrics_come_from_resolved_cases(api: ApiClient, org: Org, clock: Clock) -> None:
    resolve_cases(org, clock)
    period = {"from": "2026-11-01", "to": "2026-11-20"}
    sla = only(api.get("/metrics/sla_compliance", **period))
    assert (sla["value"], sla["n"]) == (0.5, 2)
    recovery = only(api.get("/metrics/recovery_rate", **period))
    assert (recovery["value"], recovery["n"]) == (pytest.approx(2 / 3), 3)
    resolve = api.get("/metrics/time_to_resolve", **period).json()
    assert resolve["unit"] == "business hours"
    median = resolve["groups"][0]
    assert median["n"] == 2 and 1 <= median["value"] <= 1.5  # the 1 h bucket's upper edge
    assert median["ci_low"] is None and median["ci_high"] is None  # no 95 % interval at n = 2
    by_team = api.get("/metrics/recovery_rate", by="team", **period).json()["groups"]
    assert [(g["key"], g["n"]) for g in by_team] == [("support", 3)]
    assert only(api.get("/metrics/sla_compliance", touchpoint="invoicing", **period))["n"] == 0


def test_the_team_filter_reads_its_cases_and_the_feedback_at_its_touch_points(
    api: ApiClient, org: Org, clock: Clock
) -> None:
    staff = cases.Actor.staff(org.manager)
    cause = RootCause.objects.first()
    clock.to(utc(2026, 11, 3, 9, 0))
    for touchpoint, scores in ((org.helpdesk, [10, 9, 1, 1]), (org.invoicing, [8, 1, 0])):
        for score in scores:
            feedback = give_feedback(touchpoint, score=score, comment="")
            if feedback.case is not None and score == 1:
                cases.case_resolve(
                    case=feedback.case, resolution="Fixed.", root_cause=cause, actor=staff
                )
    give_feedback(org.helpdesk, score=7, comment="", channel="email")
    period = {"from": "2026-11-01", "to": "2026-11-20"}

    def n(metric: str, **filters: str) -> int:
        answer = api.get(f"/metrics/{metric}", **{**period, **filters})
        assert answer.status_code == 200, answer.content
        return int(only(answer)["n"])

    def by_hand(team: Team) -> tuple[int, int]:
        """NPS answers at the team's touch points, and its resolved cases, from the raw rows."""
        answers = Feedback.objects.filter(touchpoint__owning_team=team, score_type="nps")
        resolved = Case.objects.filter(team=team, resolved_at__isnull=False)
        return answers.count(), resolved.count()

    for team in (org.support, org.billing):
        assert (n("nps", team=team.slug), n("time_to_resolve", team=team.slug)) == by_hand(team)
    assert by_hand(org.billing) == (3, 1) and by_hand(org.support)[1] == 2
    assert n("nps", team="support", channel="email") == 1
    assert n("nps", team="support", touchpoint="invoicing") == 0
    assert n("nps", team="operations") == 0  # owns no touch point
    chart = api.get("/metrics/complaint_rate/control-chart", team="billing", by="day", **period)
    assert chart.status_code == 200, chart.content
    # A touch point handed over takes its feedback to its new team; cases keep theirs.
    Touchpoint.objects.filter(pk=org.invoicing.pk).update(owning_team=org.support)
    assert n("nps", team="support") == 8 and n("nps", team="billing") == 0
    assert n("time_to_resolve", team="billing") == 1


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/metrics/nps", {"from": "2026-13-01"}, "from"),
        ("/metrics/nps", {"to": "yesterday"}, "to"),
        ("/metrics/nps", {"from": "2026-11-10", "to": "2026-11-01"}, "from"),
        ("/metrics/nps", {"to": "0001-01-02"}, "to"),
        ("/metrics/nps", {"to": "0.0"}, "to"),  # not seconds since 1970
        ("/metrics/nps", {"from": "86400"}, "from"),
        ("/metrics/nps", {"by": "agent"}, "by"),
        ("/metrics/nps", {"by": "team"}, "by"),
        ("/metrics/nps", {"touchpoint": "nowhere"}, "touchpoint"),
        ("/metrics/nps", {"stage": "afterlife"}, "stage"),
        ("/metrics/nps", {"segment": "huge"}, "segment"),
        ("/metrics/nps", {"team": "nobody"}, "team"),
        ("/metrics/sla_compliance/control-chart", {"team": "nobody"}, "team"),
        ("/metrics/nps", {"channel": "web\x00"}, "channel"),
        ("/metrics/sla_compliance", {"channel": "web"}, "channel"),
        ("/metrics/nps/control-chart", {"by": "touchpoint"}, "by"),
        ("/metrics/time_to_resolve/control-chart", {}, "metric"),
    ],
)
def test_bad_input_is_refused_with_a_reason(
    api: ApiClient, path: str, params: dict[str, str], field: str
) -> None:
    answer = api.get(path, **params)
    assert answer.status_code == 422, answer.content
    body = answer.json()
    assert body["detail"] and field in body["errors"]


def test_an_unknown_metric_is_not_found(api: ApiClient) -> None:
    for path in ("/metrics/happiness", "/metrics/happiness/control-chart"):
        answer = api.get(path)
        assert answer.status_code == 404
        assert "nps" in answer.json()["detail"]


def test_the_query_count_does_not_grow_with_the_responses(
    api: ApiClient, org: Org, clock: Clock
) -> None:
    def queries(path: str, **params: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api.get(path, **params).status_code == 200
        return len(captured)

    requests: list[tuple[str, dict[str, str]]] = [
        ("/metrics/nps", {}),
        ("/metrics/nps", {"by": "week", "touchpoint": "help-desk"}),
        ("/metrics/csat/control-chart", {"by": "day"}),
        ("/metrics/time_to_resolve", {"by": "team"}),
    ]
    clock.to(utc(2026, 11, 2, 10, 0))
    give_feedback(org.helpdesk, score=9, comment="")
    before = [queries(path, **params) for path, params in requests]
    for day in range(2, 20):
        clock.to(utc(2026, 11, day, 10, 0))
        for score in range(11):
            give_feedback(org.helpdesk, score=score, comment="")
            give_feedback(org.invoicing, score_type="csat", score=1 + score % 5, comment="")
    after = [queries(path, **params) for path, params in requests]
    assert after == before
    assert only(api.get("/metrics/nps"))["n"] == 1 + 18 * 11


def test_the_answer_has_the_documented_shape(api: ApiClient, org: Org, clock: Clock) -> None:
    for i in range(3):
        clock.to(utc(2026, 11, 2 + i, 10, 0))
        give_feedback(org.helpdesk, score=9 - i, comment="")
    clock.to(utc(2026, 11, 20, 16, 0))
    for by in (None, "week", "touchpoint"):
        answer = api.get("/metrics/nps", **({"by": by} if by else {}))
        assert answer.status_code == 200 and answer["Content-Type"] == "application/json"
        body = answer.json()
        parsed = MetricOut.model_validate(body)
        assert parsed.model_dump(by_alias=True, mode="json") == body
