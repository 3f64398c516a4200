"""One shape for a case: the API answers it, webhooks carry it, OpenAPI describes it."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from tests.api_client import ApiClient
from tests.clock import Clock, utc
from tests.conftest import Org
from tests.helpers import give_feedback
from tests.notification_receivers import webhook_receiver
from tests.openapi import answer_schema, component, openapi_document, openapi_errors
from vocloop.cases.models import Case, RootCause
from vocloop.cases.services import case_assign, case_note, case_reply, case_resolve
from vocloop.cases.timeline import Actor
from vocloop.cases.wording import BODY_SHOWN_TO_CUSTOMER
from vocloop.customers.models import Customer
from vocloop.notifications.delivery import deliver_due
from vocloop.notifications.models import WebhookSubscription
from vocloop.text.masking import PHONE

CASE_EVENTS = ["case.opened", "case.updated", "case.resolved", "case.reopened", "case.escalated"]


def subscribe(url: str) -> None:
    WebhookSubscription.objects.create(name="crm", url=url, secret="whsec-test", events=CASE_EVENTS)


def delivered(receiver: Any) -> list[dict[str, Any]]:
    """The payloads as the receiver read them, in the order of the changes."""
    payloads = [json.loads(r.body) for r in receiver.requests]
    return sorted(payloads, key=lambda p: int(p["id"].removeprefix("case-event-")))


def worked_on(org: Org) -> Case:
    """A case with every field filled in: a known customer, an assignee, a reply, resolved."""
    customer = Customer.objects.create(
        external_id="C-42", name="Grace Hopper", email="grace@example.com"
    )
    case = give_feedback(org.helpdesk, customer=customer, score=2).case
    assert case is not None
    staff = Actor.staff(org.support_agent)
    case_assign(case=case, assignee=org.support_agent, actor=staff)
    case_note(case=case, body="Customer is a reseller.", actor=staff)
    case_reply(case=case, body="We are sorry: a refund is on its way.", actor=staff)
    case_resolve(
        case=case,
        resolution="Refunded.",
        root_cause=RootCause.objects.get(slug="process"),
        actor=staff,
    )
    return case


def without_history(answer: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in answer.items() if k not in ("feedback", "events")}


def test_a_webhooks_case_is_the_apis_case_without_the_customers_contact_details(
    api: ApiClient, org: Org
) -> None:
    with webhook_receiver() as receiver:
        subscribe(receiver.url)
        case = worked_on(org)
        deliver_due()
    webhook_case = delivered(receiver)[-1]["data"]["case"]
    api_case = without_history(api.get(f"/cases/{case.reference}").json())
    assert api_case["customer"] == {
        "external_id": "C-42",
        "name": "Grace Hopper",
        "email": "grace@example.com",
    }
    assert webhook_case == {
        **api_case,
        "customer": {"external_id": "C-42", "name": None, "email": None},
    }
    # Nearly every field is filled in, so that little is equal merely by being empty.
    empty = {key for key, value in api_case.items() if value is None}
    assert empty == {"closed_at", "customer_satisfied"}  # not closed, not asked yet
    assert api_case["sla"]["resolved_within_sla"] is True
    listed = api.get("/cases").json()["items"]
    assert listed == [api_case]


def test_a_case_without_a_customer_is_the_same_to_the_api_and_to_webhooks(
    api: ApiClient, org: Org
) -> None:
    with webhook_receiver() as receiver:
        subscribe(receiver.url)
        case = give_feedback(org.helpdesk, score=1).case
        deliver_due()
    [opened, _assigned_team] = delivered(receiver)
    api_case = without_history(api.get(f"/cases/{case.reference}").json())
    assert api_case["customer"] is None
    assert opened["data"]["case"] == api_case


def test_a_webhooks_change_is_the_apis_timeline_entry_with_staff_only_text_left_out(
    api: ApiClient, org: Org
) -> None:
    with webhook_receiver() as receiver:
        subscribe(receiver.url)
        case = worked_on(org)
        deliver_due()
    changes = [payload["data"]["change"] for payload in delivered(receiver)]
    entries = api.get(f"/cases/{case.reference}").json()["events"]
    assert [e["kind"] for e in entries] == [c["kind"] for c in changes]
    shown = []
    for change, entry in zip(changes, entries, strict=True):
        if entry["public"] and entry["kind"] in BODY_SHOWN_TO_CUSTOMER:
            shown.append(entry["kind"])
            assert change == entry
        else:
            assert change == {**entry, "body": None}
    assert shown == ["public_reply", "resolved"]
    by_kind = {e["kind"]: e for e in entries}
    assert by_kind["internal_note"]["body"] == "Customer is a reseller."
    assert (by_kind["public_reply"]["summary"], by_kind["public_reply"]["body"]) == (
        "Reply from the Support team",
        "We are sorry: a refund is on its way.",
    )


def test_a_time_reads_alike_in_the_api_and_in_webhooks_at_any_microsecond(
    api: ApiClient, org: Org, clock: Clock
) -> None:
    # Under a millisecond past the second, and exactly on it: the API parses the time
    # back into its schema, so a ".000" kept on one side and not the other would differ.
    with webhook_receiver() as receiver:
        subscribe(receiver.url)
        clock.to(utc(2026, 11, 20, 16, 0, 5, 345))
        case = give_feedback(org.helpdesk, score=1).case
        assert case is not None
        clock.to(utc(2026, 11, 20, 16, 30, 0, 0))
        case_note(case=case, body="Called back.", actor=Actor.staff(org.support_agent))
        deliver_due(now=dt.datetime.now(dt.UTC))  # the outbox is due by the database's clock
    changes = [payload["data"]["change"] for payload in delivered(receiver)]
    entries = api.get(f"/cases/{case.reference}").json()["events"]
    times = [entry["created_at"] for entry in entries]
    assert times == [change["created_at"] for change in changes]
    assert times == ["2026-11-20T16:00:05Z", "2026-11-20T16:00:05Z", "2026-11-20T16:30:00Z"]


def test_the_openapi_document_describes_the_apis_and_the_webhooks_cases(
    api: ApiClient, org: Org
) -> None:
    document = openapi_document()
    with webhook_receiver() as receiver:
        subscribe(receiver.url)
        case = worked_on(org)
        give_feedback(org.invoicing, score_type="csat", score=1)  # no customer
        deliver_due()
    answers = [
        ("/api/v1/cases", "get", 200, api.get("/cases")),
        ("/api/v1/cases", "get", 200, api.get("/cases", status="open")),
        ("/api/v1/cases/{reference}", "get", 200, api.get(f"/cases/{case.reference}")),
        (
            "/api/v1/cases/{reference}/events",
            "post",
            201,
            api.post(f"/cases/{case.reference}/events", {"kind": "internal_note", "body": "x"}),
        ),
    ]
    for path, method, status, response in answers:
        assert response.status_code == status
        schema = answer_schema(document, path, method, status)
        assert openapi_errors(document, schema, response.json()) == []
    for payload in delivered(receiver):
        assert openapi_errors(document, component("CaseOut"), payload["data"]["case"]) == []
        assert openapi_errors(document, component("CaseEventOut"), payload["data"]["change"]) == []


def test_the_check_itself_catches_a_field_the_document_does_not_name(
    api: ApiClient, org: Org
) -> None:
    document = openapi_document()
    case = give_feedback(org.helpdesk, score=1).case
    answer = without_history(api.get(f"/cases/{case.reference}").json())
    assert openapi_errors(document, component("CaseOut"), {**answer, "colour": "red"}) == [
        "$.colour: not in the document"
    ]
    assert openapi_errors(document, component("CaseOut"), {**answer, "opened_at": "noon"}) == [
        "$.opened_at: 'noon' is not an ISO 8601 time"
    ]


def test_the_api_shows_the_masked_comment_never_the_original(api: ApiClient, org: Org) -> None:
    case = give_feedback(org.helpdesk, score=1, comment="Call me on +44 7700 900123.").case
    answer = api.get(f"/cases/{case.reference}")
    assert answer.json()["feedback"][0]["comment"] == f"Call me on {PHONE}."
    assert b"900123" not in answer.content
