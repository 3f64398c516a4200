"""The JSON API: cases and their events, touch points, teams and the OpenAPI document."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from django.test import Client

from tests.api_client import BASE, ApiClient, open_case, queries_besides_the_rate_count
from tests.helpers import give_feedback
from vocloop.cases.models import Case, Severity, Status

# GET /cases and /cases/{reference}


def test_cases_are_listed_most_severe_first_then_newest(api, org):
    older = open_case(org)
    newer = give_feedback(org.invoicing, score_type="csat", score=1).case
    critical = give_feedback(org.invoicing, score_type="csat", score=2).case
    Case.objects.filter(pk=critical.pk).update(severity=Severity.CRITICAL, severity_rank=4)
    body = api.get("/cases").json()
    assert body["count"] == 3
    assert [c["reference"] for c in body["items"]] == [
        critical.reference,
        newer.reference,
        older.reference,
    ]
    item = body["items"][2]
    assert item["team"] == {"slug": "support", "name": "Support"}
    assert item["touchpoint"] == {"slug": "help-desk", "name": "Help desk"}
    assert item["customer"] == {
        "external_id": None,
        "name": "Ada Customer",
        "email": "ada@example.com",
    }
    assert item["status"] == "new"
    assert item["assignee"] is None


def test_cases_can_be_filtered_by_status_team_and_touchpoint(api, org):
    helpdesk_case = open_case(org)
    invoicing_case = give_feedback(org.invoicing, score_type="csat", score=1).case
    Case.objects.filter(pk=invoicing_case.pk).update(status=Status.RESOLVED)

    def references(**params: Any) -> list[str]:
        return [c["reference"] for c in api.get("/cases", **params).json()["items"]]

    assert references(team="support") == [helpdesk_case.reference]
    assert references(touchpoint="invoicing") == [invoicing_case.reference]
    assert references(status="resolved") == [invoicing_case.reference]
    assert references(status="open") == [helpdesk_case.reference]
    assert references(status="new", team="billing") == []


def test_cases_are_paged_with_limit_and_offset(api, org):
    for score in (0, 1, 2):
        give_feedback(org.helpdesk, score=score)  # anonymous: each opens its own case
    everything = [c["reference"] for c in api.get("/cases").json()["items"]]
    page = api.get("/cases", limit=2, offset=1).json()
    assert page["count"] == 3
    assert [c["reference"] for c in page["items"]] == everything[1:3]


def test_listing_cases_takes_the_same_queries_however_many_there_are(api, org):
    for score in range(6):
        give_feedback(org.helpdesk, score=score)
    api.get("/teams")  # the token's first use is recorded: a write not measured here
    # token look-up, count, page (the related rows come in the same query), and the read
    # recorded in the audit.
    queries = queries_besides_the_rate_count(lambda: api.get("/cases"))
    assert len(queries) == 4 and "audit_read" in queries[-1]
    assert len(api.get("/cases").json()["items"]) == 6


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "pending"}, "status"),
        ({"team": "sales"}, "team"),
        ({"touchpoint": "shop"}, "touchpoint"),
        ({"limit": 201}, "limit"),
        ({"limit": 0}, "limit"),
        ({"offset": -1}, "offset"),
        ({"limit": "many"}, "limit"),
        ({"offset": 10**20}, "offset"),
        ({"team": "a\x00b"}, "team"),
    ],
)
def test_bad_case_filters_are_refused_naming_the_parameter(api, org, params, field):
    response = api.get("/cases", **params)
    assert response.status_code == 422
    assert field in response.json()["errors"]


def test_a_case_reads_with_its_feedback_and_timeline(api, org):
    case = open_case(org, comment="Nobody called back.")
    body = api.get(f"/cases/{case.reference}").json()
    assert body["reference"] == case.reference
    assert body["severity"] == "normal"
    assert (body["resolution"], body["root_cause"], body["customer_satisfied"]) == ("", None, None)
    assert body["feedback"] == [
        {
            "reference": case.reference,
            "score_type": "nps",
            "score": 3,
            "comment": "Nobody called back.",
            "channel": "web",
            "occurred_at": body["feedback"][0]["occurred_at"],
            "sentiment": None,  # not read yet: the worker reads it after the commit
            "sentiment_score": None,
            "themes": [],
        }
    ]
    assert [(e["kind"], e["public"], e["actor"]) for e in body["events"]] == [
        ("opened", True, "vocloop"),
        ("assigned_team", True, "vocloop"),
    ]


def test_a_read_comment_comes_with_its_sentiment_and_themes(api, org):
    from vocloop.conductor.reading import read_arrived
    from vocloop.insights.models import Dimension, Theme, Want

    Theme.objects.create(
        name="Call backs",
        slug="call-backs",
        dimension=Dimension.SERVICE,
        want=Want.CARING_PERSON,
        phrases="called back",
    )
    case = open_case(org, comment="Nobody called back, it is terrible.")
    read_arrived(feedback=case.feedback.get())
    read = api.get(f"/cases/{case.reference}").json()["feedback"][0]
    assert (read["sentiment"], read["themes"]) == ("negative", ["call-backs"])
    assert -1 <= read["sentiment_score"] < 0


def test_an_unknown_case_is_a_404_in_json(api, org):
    response = api.get("/cases/VL-2020-999999")
    assert response.status_code == 404
    assert response.json() == {"detail": "There is no case “VL-2020-999999”."}


# POST /cases/{reference}/events


def act(api: ApiClient, case: Case, **event: Any) -> Any:
    return api.post(f"/cases/{case.reference}/events", event)


def test_a_public_reply_acknowledges_a_new_case_and_shows_on_its_timeline(api, org):
    case = open_case(org)
    response = act(api, case, kind="public_reply", body="We are on it.")
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "acknowledged"
    assert body["acknowledged_at"] is not None
    reply = body["events"][-1]
    assert reply["kind"] == "public_reply"
    assert reply["public"] is True
    assert reply["body"] == "We are on it."
    assert reply["actor"] == "API: crm"


def test_an_internal_note_stays_private(api, org):
    case = open_case(org)
    body = act(api, case, kind="internal_note", body="Customer is a reseller.").json()
    assert body["status"] == "new"
    assert (body["events"][-1]["kind"], body["events"][-1]["public"]) == ("internal_note", False)


def test_a_case_is_acknowledged_put_on_hold_resolved_and_reopened_through_the_api(api, org):
    case = open_case(org)
    assert act(api, case, kind="status_change", status="acknowledged").json()["status"] == (
        "acknowledged"
    )
    waiting = act(api, case, kind="status_change", status="waiting_on_customer").json()
    assert waiting["status"] == "waiting_on_customer"
    resolved = act(
        api,
        case,
        kind="status_change",
        status="resolved",
        resolution="Called back and refunded.",
        root_cause="process",
    ).json()
    assert (resolved["status"], resolved["root_cause"]) == ("resolved", "process")
    assert resolved["resolution"] == "Called back and refunded."
    reopened = act(api, case, kind="status_change", status="reopened", body="Refund missing.")
    assert reopened.json()["status"] == "acknowledged"
    assert reopened.json()["events"][-1]["body"] == "Refund missing."


def test_open_is_another_word_for_reopened(api, org):
    case = open_case(org)
    act(api, case, kind="status_change", status="resolved", resolution="Done.", root_cause="other")
    response = act(api, case, kind="status_change", status="open", body="Not done.")
    assert response.json()["status"] == "acknowledged"


@pytest.mark.parametrize(
    ("event", "words"),
    [
        ({"kind": "status_change", "status": "acknowledged"}, "cannot be acknowledged"),
        ({"kind": "status_change", "status": "reopened", "body": "Why?"}, "cannot be reopened"),
    ],
)
def test_a_change_the_case_state_does_not_allow_is_refused_with_409(api, org, event, words):
    case = open_case(org)
    act(api, case, kind="status_change", status="acknowledged")
    response = act(api, case, **event)
    assert response.status_code == 409
    assert words in response.json()["detail"]


def test_a_closed_case_cannot_be_resolved(api, org):
    case = open_case(org)
    Case.objects.filter(pk=case.pk).update(status=Status.CLOSED)
    response = act(
        api, case, kind="status_change", status="resolved", resolution="x", root_cause="other"
    )
    assert response.status_code == 409
    assert "closed" in response.json()["detail"]


def test_a_case_is_assigned_by_username_or_email_and_unassigned(api, org):
    case = open_case(org)
    assert act(api, case, kind="assignment", assignee="sam_agent").json()["assignee"] == (
        "sam_agent"
    )
    by_email = act(api, case, kind="assignment", assignee="SUE_agent@staff.example").json()
    assert by_email["assignee"] == "sue_agent"
    assert act(api, case, kind="assignment", assignee=None).json()["assignee"] is None
    act(api, case, kind="assignment", assignee="sam_agent")
    assert act(api, case, kind="assignment", assignee="").json()["assignee"] is None


def test_assigning_someone_outside_the_team_is_refused(api, org):
    case = open_case(org)
    response = act(api, case, kind="assignment", assignee="bill_agent")
    assert response.status_code == 409
    assert "not an active member of the Support team" in response.json()["detail"]


def test_the_severity_of_a_case_is_changed(api, org):
    case = open_case(org)
    body = act(api, case, kind="severity_change", severity="high").json()
    assert body["severity"] == "high"
    assert body["events"][-1]["kind"] == "severity_changed"


@pytest.mark.parametrize(
    ("event", "field"),
    [
        ({"kind": "public_reply"}, "body"),
        ({"kind": "public_reply", "body": "   "}, "body"),
        ({"kind": "internal_note"}, "body"),
        ({"kind": "status_change"}, "status"),
        ({"kind": "status_change", "status": "closed"}, "status"),
        ({"kind": "status_change", "status": "resolved", "root_cause": "other"}, "resolution"),
        ({"kind": "status_change", "status": "resolved", "resolution": "Done."}, "root_cause"),
        (
            {
                "kind": "status_change",
                "status": "resolved",
                "resolution": "x",
                "root_cause": "luck",
            },
            "root_cause",
        ),
        ({"kind": "status_change", "status": "reopened"}, "body"),
        ({"kind": "assignment", "assignee": "nobody"}, "assignee"),
        ({"kind": "severity_change"}, "severity"),
        ({"kind": "severity_change", "severity": "urgent"}, "severity"),
        ({"kind": "escalation"}, "kind"),
        ({"body": "no kind"}, "kind"),
        ({"kind": "internal_note", "body": 5}, "body"),
        ({"kind": "internal_note", "body": "\x00"}, "body"),
    ],
)
def test_an_event_without_what_its_kind_needs_is_refused_naming_the_field(api, org, event, field):
    case = open_case(org)
    response = act(api, case, **event)
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"]
    assert Case.objects.get(pk=case.pk).events.count() == 2


def test_a_reference_no_case_could_have_is_a_404(api, org):
    assert api.get("/cases/VL%00").status_code == 404


def test_an_event_for_an_unknown_case_is_a_404(api, org):
    response = api.post("/cases/VL-2020-999999/events", {"kind": "internal_note", "body": "x"})
    assert response.status_code == 404


# Directory


def test_touchpoints_are_listed_with_their_owning_team(api, org):
    org.invoicing.active = False
    org.invoicing.save()
    assert api.get("/touchpoints").json() == [
        {
            "slug": "help-desk",
            "name": "Help desk",
            "stage": "support",
            "owning_team": "support",
            "active": True,
        },
        {
            "slug": "invoicing",
            "name": "Invoicing",
            "stage": "invoicing",
            "owning_team": "billing",
            "active": False,
        },
    ]


def test_teams_are_listed_with_parent_lead_and_member_count(api, org):
    teams = {t["slug"]: t for t in api.get("/teams").json()}
    assert teams["support"] == {
        "slug": "support",
        "name": "Support",
        "parent": "operations",
        "lead": "lee_lead",
        "member_count": 2,
    }
    assert teams["operations"]["parent"] is None
    assert teams["operations"]["lead"] is None


# The API as a whole


def test_the_openapi_document_is_served_without_a_token_and_lists_every_path(db):
    response = Client().get(f"{BASE}/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert set(schema["paths"]) == {
        "/api/v1/feedback",
        "/api/v1/cases",
        "/api/v1/cases/{reference}",
        "/api/v1/cases/{reference}/events",
        "/api/v1/touchpoints",
        "/api/v1/teams",
        "/api/v1/metrics/{metric}",
        "/api/v1/metrics/{metric}/control-chart",
        "/api/v1/objectives",
        "/api/v1/objectives/{objective_id}",
        "/api/v1/actions",
        "/api/v1/actions/{action_id}",
        "/api/v1/actions/{action_id}/events",
        "/api/v1/customers/{customer_id}/export",
        "/api/v1/customers/{customer_id}/erase",
    }
    assert '"errors"' in schema["info"]["description"]
    assert schema["components"]["securitySchemes"]["ApiTokenAuth"]["scheme"] == "bearer"
    parameters = schema["paths"]["/api/v1/feedback"]["post"]["parameters"]
    assert [p["name"] for p in parameters] == ["Idempotency-Key"]
    operation_ids = {op["operationId"] for path in schema["paths"].values() for op in path.values()}
    assert operation_ids == {
        "feedback_create",
        "cases_list",
        "case_read",
        "case_event_create",
        "touchpoints_list",
        "teams_list",
        "metric_read",
        "metric_control_chart",
        "objectives_list",
        "objective_create",
        "objective_read",
        "objective_update",
        "actions_list",
        "action_create",
        "action_read",
        "action_update",
        "action_event_create",
        "customer_export",
        "customer_erase",
    }


def test_an_unknown_endpoint_is_a_404_in_json(db):
    response = Client().get(f"{BASE}/complaints")
    assert response.status_code == 404
    assert response.json() == {"detail": "There is no API endpoint /api/v1/complaints."}


def test_an_unexpected_error_is_logged_and_answered_without_a_traceback(api, org, caplog):
    with mock.patch("vocloop.api.directory.teams_listed", side_effect=RuntimeError("boom")):
        response = api.get("/teams")
    assert response.status_code == 500
    assert response.json() == {"detail": "Internal server error. The error has been logged."}
    assert "boom" in caplog.text


def test_a_retried_reply_with_its_key_is_shown_to_the_customer_once(api, org):
    case = open_case(org)
    key = {"Idempotency-Key": "helpdesk-reply-1"}
    event = {"kind": "public_reply", "body": "We are on it."}
    first = api.post(f"/cases/{case.reference}/events", event, headers=key)
    again = api.post(f"/cases/{case.reference}/events", event, headers=key)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert case.events.filter(kind="public_reply").count() == 1
    other = api.post(f"/cases/{case.reference}/events", {**event, "body": "Hi"}, headers=key)
    assert other.status_code == 422


def test_a_refused_event_does_not_use_up_its_key(api, org):
    case = open_case(org)
    key = {"Idempotency-Key": "note-1"}
    refused = api.post(f"/cases/{case.reference}/events", {"kind": "internal_note"}, headers=key)
    assert refused.status_code == 422
    body = {"kind": "internal_note", "body": "Checked the logs."}
    assert api.post(f"/cases/{case.reference}/events", body, headers=key).status_code == 201


def test_a_case_reads_with_its_sla_deadlines(api, org):
    case = open_case(org)
    sla = api.get(f"/cases/{case.reference}").json()["sla"]
    assert sla["policy"] == "Normal (default)"
    assert sla["acknowledge_by"] and sla["resolve_by"]
    assert sla["acknowledged_within_sla"] is None
