"""Objectives and actions through the JSON API: their figures, PDCA, reach and refusals."""

from __future__ import annotations

import datetime as dt
import json
import random
from typing import Any

import pytest

from tests.api_client import BASE, ApiClient
from tests.clock import Clock, utc
from tests.conftest import Org
from tests.helpers import give_feedback
from tests.improvement_data import plant_complaints, rollups_from_rows
from tests.openapi import answer_schema, openapi_document, openapi_errors
from tests.test_api_token_reach import acting_for
from tests.test_improvement_rapid import (
    emails,
    help_desk_cases,
    invoicing_case,
    link,
    replies_on,
    resolve,
)
from vocloop.cases.models import Case, RootCause, Status
from vocloop.improvement.check import action_check
from vocloop.improvement.models import Action, Objective
from vocloop.improvement.status import objective_status
from vocloop.listening.models import Feedback
from vocloop.notifications.models import OutboxMessage
from vocloop.statistics.effect import EFFECTIVE
from vocloop.statistics.intervals import wilson_interval

CHANGE = dt.date(2026, 9, 7)  # a Monday
BEFORE = CHANGE - dt.timedelta(weeks=8)
TODAY = dt.date(2026, 11, 30)


def patch(api: ApiClient, path: str, body: Any) -> Any:
    return api.client.patch(
        BASE + path, data=json.dumps(body), content_type="application/json", headers=api.headers
    )


@pytest.fixture
def today(clock: Clock) -> dt.date:
    clock.to(utc(TODAY.year, TODAY.month, TODAY.day, 10, 0))
    return TODAY


@pytest.fixture
def planted(org: Org) -> None:
    """Invoicing's complaints fall from 30 % to 12 % after the change; the help desk's stay."""
    rng = random.Random(1)
    for touchpoint, per_day, share_before, share_after in (
        (org.invoicing, 12, 0.30, 0.12),
        (org.helpdesk, 40, 0.25, 0.25),
    ):
        plant_complaints(
            touchpoint,
            first=BEFORE,
            days=56,
            per_day=per_day,
            complaint_share=share_before,
            rng=rng,
        )
        plant_complaints(
            touchpoint, first=CHANGE, days=70, per_day=per_day, complaint_share=share_after, rng=rng
        )
    rollups_from_rows()


def an_action(org: Org, **extra: Any) -> dict[str, Any]:
    return {
        "title": "Check invoices before they go out",
        "metric": "complaint_rate",
        "touchpoint": org.invoicing.slug,
        "problem": "A third of invoicing feedback is a complaint.",
        "whys": ["Invoices carry wrong amounts.", "Nobody checks them."],
        "cause_category": "method",
        "change": "A second pair of eyes on every invoice over 1,000.",
        "expected_effect": -0.10,
        "team": org.billing.slug,
        "owner": org.billing_agent.username,
        "due_on": "2026-12-31",
        **extra,
    }


def an_objective(org: Org, **extra: Any) -> dict[str, Any]:
    return {
        "title": "Fewer invoicing complaints",
        "metric": "complaint_rate",
        "touchpoint": org.invoicing.slug,
        "target": 0.15,
        "direction": "lower",
        "due_on": "2027-03-31",
        "baseline": {"from": BEFORE.isoformat(), "to": (CHANGE - dt.timedelta(1)).isoformat()},
        "team": org.billing.slug,
        "owner": org.billing_agent.username,
        **extra,
    }


def counted(touchpoint: object, window: dict[str, str]) -> tuple[int, int]:
    rows = Feedback.objects.filter(
        touchpoint=touchpoint,
        occurred_at__date__gte=window["from"],
        occurred_at__date__lte=window["to"],
    )
    return rows.filter(kind=Feedback.Kind.COMPLAINT).count(), rows.count()


def test_an_action_is_raised_and_read_with_the_check_of_its_metric(api, org, planted, today):
    created = api.post("/actions", an_action(org, effective_from=CHANGE.isoformat()))
    assert created.status_code == 201, created.json()
    body = created.json()
    assert api.get(f"/actions/{body['id']}").json() == body
    assert (body["team"], body["owner"], body["touchpoint"]) == (
        "billing",
        "bill_agent",
        "invoicing",
    )
    check = body["check"]
    kept = action_check(Action.objects.get(pk=body["id"]), today=today)
    assert (check["verdict"], check["final"], check["sentence"]) == (
        kept.verdict,
        kept.final,
        kept.sentence,
    )
    assert check["verdict"] == EFFECTIVE and check["final"]
    assert check["needed_n"] == kept.needed_n and check["responses"] == kept.responses
    assert kept.effect is not None and kept.before is not None
    assert check["difference"] == pytest.approx(
        {
            "value": kept.effect.difference,
            "ci_low": kept.effect.ci_low,
            "ci_high": kept.effect.ci_high,
            "p_value": kept.effect.p_value,
            "scope_change": kept.effect.scope_change,
            "rest_change": kept.effect.rest_change,
        }
    )
    # The figures also equal counting the raw rows of the windows the check names.
    windows = check["windows"]
    assert windows["before"] == {"from": BEFORE.isoformat(), "to": "2026-09-06"}
    k_sb, n_sb = counted(org.invoicing, windows["before"])
    k_sa, n_sa = counted(org.invoicing, windows["after"])
    k_rb, n_rb = counted(org.helpdesk, windows["before"])
    k_ra, n_ra = counted(org.helpdesk, windows["after"])
    assert check["before"]["n"] == n_sb and check["before"]["value"] == pytest.approx(k_sb / n_sb)
    low, high = wilson_interval(k_sb, n_sb)
    assert (check["before"]["ci_low"], check["before"]["ci_high"]) == pytest.approx((low, high))
    assert check["after"]["n"] == n_sa == check["responses"]
    assert check["control"]["after"]["n"] == n_ra
    assert check["control"]["before"]["value"] == pytest.approx(k_rb / n_rb)
    expected = (k_sa / n_sa - k_sb / n_sb) - (k_ra / n_ra - k_rb / n_rb)
    assert check["difference"]["value"] == pytest.approx(expected)
    document = openapi_document()
    schema = answer_schema(document, "/api/v1/actions/{action_id}", "get", 200)
    assert openapi_errors(document, schema, body) == []


def test_a_check_not_yet_started_has_nulls_where_nothing_is_computed(api, org, today):
    body = api.post("/actions", an_action(org)).json()
    check = body["check"]
    assert check["verdict"] == "not started" and not check["final"]
    assert check["before"] is check["difference"] is check["needed_n"] is None
    assert check["control"] == {"before": None, "after": None}
    assert body["phase"] == "plan" and body["timeline"][0]["kind"] == "raised"


def test_an_action_is_changed_with_patch_and_the_change_is_on_its_timeline(api, org, today):
    pk = api.post("/actions", an_action(org)).json()["id"]
    window = {"from": "2026-07-01", "to": "2026-08-31"}
    answer = patch(api, f"/actions/{pk}", {"before": window, "stage": "invoicing"})
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert body["before"] == window and body["stage"] == "invoicing"
    assert body["timeline"][-1]["summary"] == "Changed stage, before from, before to"
    assert body["timeline"][-1]["actor"] == "API: crm"
    cleared = patch(api, f"/actions/{pk}", {"before": None, "stage": None}).json()
    assert cleared["before"] is None and cleared["stage"] is None


def test_an_action_goes_through_pdca_to_close_by_events(api, org, planted, today):
    pk = api.post("/actions", an_action(org)).json()["id"]
    events = f"/actions/{pk}/events"
    assert api.post(events, {"kind": "advance"}).json()["phase"] == "do"
    task = api.post(events, {"kind": "task", "title": "Train the team", "owner": "bill_agent"})
    assert task.status_code == 201
    task_id = task.json()["tasks"][0]["id"]
    done = api.post(events, {"kind": "task_done", "task": task_id}).json()
    assert done["tasks"][0]["done_at"] is not None
    refused = api.post(events, {"kind": "advance"})  # the action is not ready: a conflict
    assert refused.status_code == 409 and "took effect" in refused.json()["detail"]
    patch(api, f"/actions/{pk}", {"effective_from": CHANGE.isoformat()})
    assert api.post(events, {"kind": "advance"}).json()["phase"] == "check"
    acted = api.post(events, {"kind": "advance"}).json()
    assert (acted["phase"], acted["verdict"]) == ("act", EFFECTIVE)
    closed = api.post(events, {"kind": "close"}).json()
    assert (closed["phase"], closed["outcome"]) == ("closed", "standardised")
    kinds = [e["kind"] for e in closed["timeline"]]
    assert kinds == [
        "raised",
        "phase",
        "task",
        "task_done",
        "changed",
        "phase",
        "verdict",
        "phase",
        "closed",
    ]
    follow = api.post(events, {"kind": "follow_up"})
    assert follow.status_code == 201
    assert follow.json()["follows"] == pk and follow.json()["phase"] == "plan"


def test_cases_are_linked_by_reference_within_reach(org, today):
    own = give_feedback(org.helpdesk, score=1).case
    theirs = give_feedback(org.invoicing, score_type="csat", score=1).case
    assert own is not None and theirs is not None and theirs.team == org.billing
    support = acting_for(org.support_agent)
    pk = support.post("/actions", an_action(org, team="support")).json()["id"]
    events = f"/actions/{pk}/events"
    beyond = support.post(events, {"kind": "link_cases", "cases": [theirs.reference]})
    assert beyond.status_code == 422 and theirs.reference in beyond.json()["detail"]
    linked = support.post(events, {"kind": "link_cases", "cases": [own.reference]})
    assert linked.status_code == 201 and linked.json()["cases"] == [own.reference]


def test_closing_without_an_effective_verdict_needs_a_reason(api, org, today):
    pk = api.post("/actions", an_action(org)).json()["id"]
    events = f"/actions/{pk}/events"
    refused = api.post(events, {"kind": "close"})
    assert refused.status_code == 422 and "why it closes" in refused.json()["detail"]
    reason = "The supplier withdrew the product line."
    closed = api.post(events, {"kind": "close", "reason": reason}).json()
    assert (closed["outcome"], closed["close_reason"]) == ("closed_with_reason", reason)
    unknown = api.post(events, {"kind": "task_done", "task": -(2**70)})
    assert unknown.status_code == 422 and "no task" in unknown.json()["detail"]
    nul = api.post(events, {"kind": "link_cases", "cases": ["VL-\u0000"]})
    assert nul.status_code == 422 and "cases" in nul.json()["errors"]
    again = patch(api, f"/actions/{pk}", {"title": "Another"})
    assert again.status_code == 409 and "closed" in again.json()["detail"]


def test_what_the_actions_state_refuses_is_a_409_and_bad_input_a_422(api, org, today):
    case = give_feedback(org.invoicing, score_type="csat", score=1).case
    assert case is not None
    pk = api.post("/actions", an_action(org)).json()["id"]
    events = f"/actions/{pk}/events"

    def refused(event: dict[str, Any], status: int, words: str) -> None:
        answer = api.post(events, event)
        assert answer.status_code == status, answer.json()
        assert words in answer.json()["detail"]

    refused({"kind": "follow_up"}, 409, "still open")
    refused({"kind": "close", "reason": "Too short."}, 422, "why it closes")
    reason = "The supplier withdrew the product line."
    assert api.post(events, {"kind": "close", "reason": reason}).status_code == 201
    refused({"kind": "advance"}, 409, "The action is closed")
    refused({"kind": "close", "reason": reason}, 409, "closed already")
    refused({"kind": "task", "title": "One more thing"}, 409, "The action is closed")
    refused({"kind": "task", "title": " "}, 422, "needs a title")
    refused({"kind": "link_cases", "cases": [case.reference]}, 409, "The action is closed")
    refused({"kind": "link_cases", "cases": ["VL-NONE"]}, 422, "There is no case")
    closed = api.get(f"/actions/{pk}").json()
    assert closed["tasks"] == [] and closed["cases"] == []
    assert [e["kind"] for e in closed["timeline"]] == ["raised", "closed"]
    follow = api.post(events, {"kind": "follow_up"})
    assert follow.status_code == 201 and follow.json()["cases_reached"] is None

    document = openapi_document()
    for method, path in (("post", "/events"), ("patch", "")):
        operation = document["paths"][f"/api/v1/actions/{{action_id}}{path}"][method]
        assert {"409", "422"} <= set(operation["responses"])
    creating = document["paths"]["/api/v1/actions"]["post"]["responses"]
    assert "409" not in creating


def test_one_reply_and_one_resolution_reach_the_open_linked_cases_in_reach(org, today):
    first, second, done = help_desk_cases(org, 3)
    resolve(done, org)
    billing_case = invoicing_case(org)  # linked, but beyond the support agent's token
    support = acting_for(org.support_agent)
    pk = support.post("/actions", an_action(org, team="support")).json()["id"]
    action = Action.objects.get(pk=pk)
    link(action, [first, second, done, billing_case], org)
    events = f"/actions/{pk}/events"
    body = "The callback line was down this week; it works again and we call you today."

    sent = support.post(events, {"kind": "reply_all", "body": body})
    assert sent.status_code == 201, sent.json()
    assert sent.json()["cases_reached"] == 2
    document = openapi_document()
    schema = answer_schema(document, "/api/v1/actions/{action_id}/events", "post", 201)
    assert openapi_errors(document, schema, sent.json()) == []
    again = support.post(events, {"kind": "reply_all", "body": f" {body} "})
    assert again.status_code == 201 and again.json()["cases_reached"] == 0
    assert [replies_on(c) for c in (first, second, done, billing_case)] == [[body], [body], [], []]
    assert emails("customer_reply") == {first.customer.email: 1, second.customer.email: 1}
    assert [e["kind"] for e in again.json()["timeline"]].count("reply_all") == 1

    answer = support.post(
        events, {"kind": "resolve_all", "resolution": "The line is fixed.", "root_cause": "product"}
    )
    assert answer.status_code == 201 and answer.json()["cases_reached"] == 2
    product = RootCause.objects.get(slug="product")
    for case in (first, second, done, billing_case):
        case.refresh_from_db()
    assert [(c.status, c.root_cause) for c in (first, second)] == [(Status.RESOLVED, product)] * 2
    assert done.resolution == "Called back." and billing_case.is_open
    nothing = support.post(
        events, {"kind": "resolve_all", "resolution": "Again.", "root_cause": "product"}
    )
    assert nothing.status_code == 409 and "nothing to resolve" in nothing.json()["detail"]
    nobody = support.post(events, {"kind": "reply_all", "body": "Still there?"})
    assert nobody.status_code == 409 and "nobody to reply to" in nobody.json()["detail"]


@pytest.mark.parametrize(
    ("event", "field", "words"),
    [
        ({"kind": "reply_all"}, "body", "needs a body"),
        ({"kind": "reply_all", "body": "  "}, "body", "needs a body"),
        ({"kind": "reply_all", "body": "Dear […], sorry."}, None, "a gap marked […]"),
        ({"kind": "reply_all", "body": 42}, "body", "string"),
        ({"kind": "resolve_all", "root_cause": "product"}, "resolution", "needs a resolution"),
        ({"kind": "resolve_all", "resolution": "Fixed."}, "root_cause", "root_cause slug"),
        (
            {"kind": "resolve_all", "resolution": "Fixed.", "root_cause": "gremlins"},
            "root_cause",
            "no root cause “gremlins”",
        ),
    ],
)
def test_a_bad_reply_or_resolution_for_all_is_a_422_and_reaches_nobody(
    api, org, today, event, field, words
):
    cases = help_desk_cases(org, 2)
    pk = api.post("/actions", an_action(org, team="support")).json()["id"]
    link(Action.objects.get(pk=pk), cases, org)
    answer = api.post(f"/actions/{pk}/events", event)
    assert answer.status_code == 422, answer.json()
    assert words in answer.json()["detail"]
    if field is not None:
        assert field in answer.json()["errors"]
    assert not any(replies_on(c) for c in cases)
    assert Status.RESOLVED not in {c.status for c in Case.objects.all()}


def test_an_action_beyond_the_tokens_reach_replies_to_nobody(org, today):
    cases = help_desk_cases(org, 2)
    support = acting_for(org.support_agent)
    pk = support.post("/actions", an_action(org, team="support")).json()["id"]
    link(Action.objects.get(pk=pk), cases, org)
    billing = acting_for(org.billing_agent, "bill's scripts")
    events = f"/actions/{pk}/events"
    for event in (
        {"kind": "reply_all", "body": "We are on it."},
        {"kind": "resolve_all", "resolution": "Fixed.", "root_cause": "product"},
    ):
        answer = billing.post(events, event)
        assert answer.status_code == 404 and answer.json() == {
            "detail": f"There is no action {pk}."
        }
    assert not any(replies_on(c) for c in cases)
    assert all(c.is_open for c in Case.objects.all())
    assert not OutboxMessage.objects.filter(kind="customer_reply").exists()


def test_a_token_acting_for_a_person_reaches_only_their_teams_actions(org, today):
    support = acting_for(org.support_agent, "sam's scripts")
    billing = acting_for(org.billing_agent, "bill's scripts")
    pk = support.post("/actions", an_action(org, team="support")).json()["id"]
    assert billing.get(f"/actions/{pk}").status_code == 404
    assert patch(billing, f"/actions/{pk}", {"title": "Mine now"}).status_code == 404
    assert billing.post(f"/actions/{pk}/events", {"kind": "advance"}).status_code == 404
    assert billing.get("/actions").json() == {"count": 0, "items": []}
    assert [a["id"] for a in support.get("/actions").json()["items"]] == [pk]
    assert Action.objects.get(pk=pk).title == "Check invoices before they go out"
    # Writing for a team beyond the person's reach is refused, creating or moving.
    refused = billing.post("/actions", an_action(org, team="support"))
    assert refused.status_code == 403 and refused.json()["errors"] == {"team": "Not yours."}
    moved = patch(support, f"/actions/{pk}", {"team": "billing"})
    assert moved.status_code == 403


def test_an_integration_token_sees_every_team(api, org, today):
    acting_for(org.support_agent).post("/objectives", an_objective(org, team="support"))
    acting_for(org.billing_agent, "bill's scripts").post("/objectives", an_objective(org))
    listed = api.get("/objectives").json()
    assert listed["count"] == 2
    assert [o["team"] for o in api.get("/objectives", team="support").json()["items"]] == [
        "support"
    ]


def test_an_objective_reads_with_its_status_and_the_actions_planned_for_it(
    api, org, planted, today
):
    created = api.post("/objectives", an_objective(org))
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    action = api.post("/actions", an_action(org, objective=pk)).json()
    body = api.get(f"/objectives/{pk}").json()
    computed = objective_status(Objective.objects.get(pk=pk), today=today)
    status = body["status"]
    assert (status["status"], status["sentence"]) == (computed.status, computed.sentence)
    assert status["actions"] == [action["id"]]
    assert status["current"]["n"] == computed.projection.current.n
    assert status["probability"] == computed.projection.probability
    assert status["prediction"]["value"] == computed.projection.prediction
    assert status["baseline"]["n"] == 56 * 12 == computed.baseline.n
    changed = patch(api, f"/objectives/{pk}", {"target": 0.2})
    assert changed.status_code == 200 and changed.json()["target"] == 0.2
    assert changed.json()["timeline"][-1]["summary"] == "Changed target"
    document = openapi_document()
    schema = answer_schema(document, "/api/v1/objectives/{objective_id}", "get", 200)
    assert openapi_errors(document, schema, changed.json()) == []


def test_a_scope_team_measures_that_team_apart_from_the_owning_team(api, org, planted, today):
    """scope_team is the metrics API's team filter: billing's action measures the help desk."""
    sent = an_action(org, touchpoint=None, scope_team="support", effective_from=CHANGE.isoformat())
    created = api.post("/actions", sent)
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["team"], body["scope_team"], body["touchpoint"]) == ("billing", "support", None)
    windows = body["check"]["windows"]
    rows = Feedback.objects.filter(touchpoint__owning_team=org.support)
    before = rows.filter(
        occurred_at__date__gte=windows["before"]["from"],
        occurred_at__date__lte=windows["before"]["to"],
    )
    complaints = before.filter(kind=Feedback.Kind.COMPLAINT).count()
    assert body["check"]["before"]["n"] == before.count() == 56 * 40
    assert body["check"]["before"]["value"] == pytest.approx(complaints / before.count())
    assert body["check"]["control"]["before"]["n"] == 56 * 12  # billing's invoicing
    objective = api.post("/objectives", an_objective(org, touchpoint=None, scope_team="support"))
    assert objective.status_code == 201, objective.json()
    assert objective.json()["status"]["baseline"]["n"] == before.count()
    cleared = patch(api, f"/actions/{body['id']}", {"scope_team": None})
    assert cleared.status_code == 200 and cleared.json()["scope_team"] is None
    assert cleared.json()["timeline"][-1]["summary"] == "Changed scope team"
    refused = patch(api, f"/objectives/{objective.json()['id']}", {"scope_team": "nobody"})
    assert refused.status_code == 422 and "scope_team" in refused.json()["errors"]


@pytest.mark.parametrize(
    ("extra", "words", "field"),
    [
        ({"metric": "happiness"}, "Unknown metric", None),
        ({"team": "nobody"}, "no team", "team"),
        ({"owner": "ghost"}, "no user", "owner"),
        ({"touchpoint": "nowhere"}, "no touch point", "touchpoint"),
        ({"scope_team": "nobody"}, "no team", "scope_team"),
        ({"segment": "giant"}, "Segment must be one of", "segment"),
        ({"objective": 999}, "no objective", "objective"),
        (
            {"before": {"from": "2026-09-01", "to": "2026-08-01"}},
            "ends before it starts",
            None,
        ),
        ({"metric": "time_to_resolve", "channel": "web"}, "cases have no channel", None),
        ({"whys": ["a", "b", "c", "d", "e", "f"]}, "Five whys at most", None),
        ({"due_on": "soon"}, "date", "due_on"),
        ({"comments": "x"}, "not permitted", "comments"),
        ({"objective": 2**70}, "no objective", "objective"),
        ({"effective_from": "0001-01-01"}, "between 1900", "effective_from"),
        ({"due_on": 1780000000}, "ISO 8601", "due_on"),  # not seconds since 1970
        ({"due_on": "1780000000"}, "ISO 8601", "due_on"),
        ({"after": {"from": "2026-12-01", "to": 1780000000}}, "ISO 8601", "after.to"),
        ({"expected_effect": float("nan")}, "finite", "expected_effect"),
        ({"kind": None}, "cannot be emptied", "kind"),
    ],
)
def test_a_bad_action_is_refused_with_the_reason(api, org, extra, words, field):
    answer = api.post("/actions", an_action(org, **extra))
    assert answer.status_code == 422, answer.json()
    body = answer.json()
    assert words.lower() in body["detail"].lower()
    if field is not None:
        assert field in body["errors"]
    assert not Action.objects.exists()


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ({"baseline": {"from": "2026-09-01", "to": "2026-08-01"}}, "ends before it starts"),
        ({"due_on": "2026-08-01"}, "after the baseline"),
        ({"target": 15}, "between 0 and 1"),
        ({"direction": "up"}, "direction"),
    ],
)
def test_a_bad_objective_is_refused_with_the_reason(api, org, extra, words):
    answer = api.post("/objectives", an_objective(org, **extra))
    assert answer.status_code == 422
    assert words in answer.json()["detail"]


@pytest.mark.parametrize("field", ["baseline", "due_on", "target"])
def test_an_objective_s_required_fields_cannot_be_emptied_by_a_change(api, org, field):
    pk = api.post("/objectives", an_objective(org)).json()["id"]
    answer = patch(api, f"/objectives/{pk}", {field: None})
    assert answer.status_code == 422, answer.json()
    assert "cannot be emptied" in answer.json()["errors"][field]
    assert Objective.objects.get(pk=pk).baseline_to == CHANGE - dt.timedelta(1)


def test_a_change_to_an_unknown_metric_is_refused_and_the_action_kept(api, org, today):
    pk = api.post("/actions", an_action(org)).json()["id"]
    answer = patch(api, f"/actions/{pk}", {"metric": "happiness"})
    assert answer.status_code == 422, answer.json()
    assert "Unknown metric 'happiness'" in answer.json()["detail"]
    assert Action.objects.get(pk=pk).metric == "complaint_rate"


def test_unknown_objectives_and_actions_are_404s(api, org):
    assert api.get("/objectives/4040").json() == {"detail": "There is no objective 4040."}
    assert api.get("/actions/4040").status_code == 404
    assert api.get(f"/actions/{2**70}").status_code == 404
    assert api.post(f"/actions/{-(2**70)}/events", {"kind": "advance"}).status_code == 404
    assert api.get("/actions", team="nobody").status_code == 422
    assert api.get("/objectives/first").status_code == 422
    document = openapi_document()["paths"]
    for path in ("/api/v1/objectives/{objective_id}", "/api/v1/actions/{action_id}"):
        assert "422" in document[path]["get"]["responses"]


def test_the_openapi_document_lists_and_describes_the_new_paths(db):
    document = openapi_document()
    assert {
        "/api/v1/objectives",
        "/api/v1/objectives/{objective_id}",
        "/api/v1/actions",
        "/api/v1/actions/{action_id}",
        "/api/v1/actions/{action_id}/events",
    } <= set(document["paths"])
    assert set(document["paths"]["/api/v1/actions/{action_id}"]) == {"get", "patch"}
    names = [
        "ActionIn",
        "ActionChange",
        "ActionEventIn",
        "ActionEventOut",
        "ActionDetailOut",
        "CheckOut",
        "DifferenceOut",
        "ObjectiveIn",
        "ObjectiveDetailOut",
        "ObjectiveStatusOut",
    ]
    schemas = document["components"]["schemas"]
    for name in names:
        undescribed = [
            field
            for field, spec in schemas[name]["properties"].items()
            if not spec.get("description")
        ]
        assert undescribed == [], name
