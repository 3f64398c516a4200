"""Webhooks for objectives and actions: each change of either reaches the subscriptions that
asked for its event, once, with the objective or action as the API answers it."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from tests.api_client import ApiClient
from tests.clock import Clock
from tests.conftest import PASSWORD, Org
from tests.notification_receivers import webhook_receiver
from tests.openapi import component, openapi_document, openapi_errors
from tests.test_improvement_check import CHANGE, plant, raise_action
from tests.test_improvement_pages import set_objective
from vocloop.cases.timeline import Actor
from vocloop.improvement.announce import IMPROVEMENT_WEBHOOK_EVENTS, improvement_event_announce
from vocloop.improvement.models import Action, ImprovementEvent
from vocloop.improvement.services import (
    ImprovementError,
    action_advance,
    action_close,
    action_task_add,
    action_task_done,
    action_update,
    objective_review,
    objective_update,
)
from vocloop.notifications.delivery import deliver_due
from vocloop.notifications.models import WEBHOOK_EVENTS, OutboxMessage, WebhookSubscription
from vocloop.statistics.effect import EFFECTIVE

SECRET = "whsec-improvement"
ALL = list(IMPROVEMENT_WEBHOOK_EVENTS)


def subscribe(url: str, events: list[str], name: str = "quality") -> WebhookSubscription:
    return WebhookSubscription.objects.create(name=name, url=url, secret=SECRET, events=events)


def delivered(receiver: Any) -> list[dict[str, Any]]:
    """The payloads as the receiver read them, in the order of the changes."""
    payloads = [json.loads(r.body) for r in receiver.requests]
    return sorted(payloads, key=lambda p: int(p["id"].removeprefix("improvement-event-")))


def deliver() -> int:
    """Send what is due: the outbox is due by the real clock, not the tests' frozen one."""
    return deliver_due(now=dt.datetime.now(dt.UTC))


def whole_loop(org: Org) -> Action:
    """An objective set, changed and reviewed; an action raised, changed, taken through
    Plan–Do–Check (whose verdict is kept) to Act and standardised."""
    objective = set_objective(org)
    manager = Actor.staff(org.manager)
    objective_update(objective=objective, actor=manager, target=0.18)
    objective_review(
        objective=objective,
        actor=manager,
        decision="keep",
        note="Raise the action on invoice wording.",
        today=dt.date(2026, 11, 20),
    )
    action = raise_action(org, objective=objective)
    owner = Actor.staff(org.billing_agent)
    task = action_task_add(action=action, actor=owner, title="Brief the invoicing team")
    action_advance(action=action, actor=owner)  # Plan → Do
    action_task_done(task=task, actor=owner)
    action_update(action=action, actor=owner, effective_from=CHANGE)
    action_advance(action=action, actor=owner)  # Do → Check
    action_advance(action=action, actor=owner)  # the verdict kept, Check → Act
    assert action.verdict == EFFECTIVE
    action_close(action=action, actor=owner)
    return action


def test_every_change_of_an_objective_or_action_reaches_the_subscriber_once(
    org: Org, clock: Clock
) -> None:
    plant(org, scope_after=0.12, rest_after=0.25)
    with webhook_receiver() as receiver:
        subscribe(receiver.url, ALL)
        action = whole_loop(org)
        sent = deliver()
        assert deliver() == 0  # nothing twice
    payloads = delivered(receiver)
    assert sent == len(payloads) == ImprovementEvent.objects.count() == 12
    assert [p["event"] for p in payloads] == [
        "objective.created",
        "objective.updated",
        "objective.reviewed",
        "action.raised",
        "action.updated",  # a task added
        "action.phase_changed",  # to Do
        "action.updated",  # the task done
        "action.updated",  # the date the change took effect
        "action.phase_changed",  # to Check
        "action.checked",
        "action.phase_changed",  # to Act
        "action.closed",
    ]
    assert len({p["id"] for p in payloads}) == len(payloads)
    headers = {r.headers["X-Vocloop-Event"] for r in receiver.requests}
    assert headers == set(IMPROVEMENT_WEBHOOK_EVENTS)
    entries = list(ImprovementEvent.objects.order_by("pk"))
    for payload, entry in zip(payloads, entries, strict=True):
        assert payload["id"] == f"improvement-event-{entry.pk}"
        assert payload["data"]["change"]["summary"] == entry.summary
        assert payload["data"]["change"]["actor"] == entry.actor_label
    checked = next(p for p in payloads if p["event"] == "action.checked")
    assert checked["data"]["action"]["verdict"] == EFFECTIVE
    assert checked["data"]["action"]["phase"] == "check"
    closed = payloads[-1]["data"]["action"]
    assert (closed["id"], closed["phase"], closed["outcome"]) == (
        action.pk,
        "closed",
        "standardised",
    )
    updated = payloads[1]["data"]
    assert updated["objective"]["target"] == 0.18
    assert updated["change"] == {
        "kind": "changed",
        "summary": "Changed target",
        "actor": "Maria Manager",
        "created_at": payloads[1]["occurred_at"],
    }


def test_a_payload_carries_the_objective_and_action_as_the_api_answers_them(
    org: Org, clock: Clock, api: ApiClient
) -> None:
    with webhook_receiver() as receiver:
        subscribe(receiver.url, ALL)
        objective = set_objective(org, target=0.2, scope_team=org.billing)
        action = raise_action(org, objective=objective, whys=["Invoices are typed by hand."])
        deliver()
    created, raised = delivered(receiver)
    detail = api.get(f"/objectives/{objective.pk}").json()
    assert created["data"]["objective"] == {
        k: v for k, v in detail.items() if k not in ("status", "timeline")
    }
    listed_objectives = api.get("/objectives").json()["items"]
    listed_actions = api.get("/actions").json()["items"]
    assert created["data"]["objective"] == listed_objectives[0]
    assert raised["data"]["action"] == listed_actions[0]
    assert raised["data"]["action"]["whys"] == ["Invoices are typed by hand."]
    assert created["data"]["objective"]["scope_team"] == "billing"  # the team measured
    assert raised["data"]["action"]["scope_team"] is None
    assert created["occurred_at"] == created["data"]["change"]["created_at"]
    # The timeline entry is an item of the API's timeline.
    timeline = api.get(f"/actions/{action.pk}").json()["timeline"]
    assert raised["data"]["change"] == timeline[0]
    document = openapi_document()
    assert openapi_errors(document, component("ObjectiveOut"), created["data"]["objective"]) == []
    assert openapi_errors(document, component("ActionOut"), raised["data"]["action"]) == []
    for payload in (created, raised):
        assert openapi_errors(document, component("TimelineOut"), payload["data"]["change"]) == []
    descriptions = document["components"]["schemas"]
    assert "data.objective" in descriptions["ObjectiveOut"]["description"]
    assert "data.action" in descriptions["ActionOut"]["description"]


def test_only_the_subscriptions_that_asked_for_an_event_are_called(org: Org, clock: Clock) -> None:
    with webhook_receiver() as closing, webhook_receiver() as planning:
        subscribe(closing.url, ["action.closed", "objective.updated"], name="closing")
        subscribe(planning.url, ["objective.created", "action.raised"], name="planning")
        subscribe("http://127.0.0.1:9/cases", ["case.opened", "case.updated"], name="cases")
        subscribe("http://127.0.0.1:9/off", ALL, name="off").delete()
        inactive = subscribe("http://127.0.0.1:9/inactive", ALL, name="inactive")
        inactive.active = False
        inactive.save()
        set_objective(org)
        action = raise_action(org)
        action_close(
            action=action,
            actor=Actor.staff(org.billing_agent),
            reason="Invoicing moves to the new system next month instead.",
        )
        deliver()
    assert [json.loads(r.body)["event"] for r in closing.requests] == ["action.closed"]
    assert sorted(json.loads(r.body)["event"] for r in planning.requests) == [
        "action.raised",
        "objective.created",
    ]
    queued = OutboxMessage.objects.filter(channel="webhook")
    assert sorted(queued.values_list("recipient", flat=True)) == sorted(
        [str(s.pk) for s in WebhookSubscription.objects.filter(name="planning")] * 2
        + [str(WebhookSubscription.objects.get(name="closing").pk)]
    )


def test_a_refused_change_queues_no_webhook(org: Org, clock: Clock) -> None:
    subscribe("http://127.0.0.1:9/hook", ALL)
    action = raise_action(org)
    before = OutboxMessage.objects.count()
    with pytest.raises(ImprovementError):
        action_close(action=action, actor=Actor.staff(org.billing_agent), reason="No.")
    assert OutboxMessage.objects.count() == before == 1  # the raising only


def test_an_entry_announced_again_is_queued_once_per_subscription(org: Org) -> None:
    first = subscribe("http://127.0.0.1:9/a", ALL, name="a")
    second = subscribe("http://127.0.0.1:9/b", ALL, name="b")
    raise_action(org)
    entry = ImprovementEvent.objects.get()
    improvement_event_announce(entry)  # a retried transaction, say
    keys = list(OutboxMessage.objects.values_list("dedup_key", flat=True))
    # Compared as a set: as text, "webhook:10" sorts before "webhook:9".
    assert len(keys) == 2 and set(keys) == {
        f"improvement-event-{entry.pk}:webhook:{first.pk}",
        f"improvement-event-{entry.pk}:webhook:{second.pk}",
    }


def test_the_chat_format_says_which_action_changed_and_how(org: Org, clock: Clock) -> None:
    with webhook_receiver() as receiver:
        WebhookSubscription.objects.create(
            name="chat", url=receiver.url, secret=SECRET, events=["action.raised"], format="chat"
        )
        action = raise_action(org)
        deliver()
    [body] = [json.loads(r.body) for r in receiver.requests]
    assert body["text"] == f"Action {action.pk} “{action.title}” (Billing): Raised by hand"


def test_the_settings_page_offers_and_takes_the_improvement_events(org: Org) -> None:
    assert set(IMPROVEMENT_WEBHOOK_EVENTS) <= set(WEBHOOK_EVENTS)
    client = Client()
    client.login(username=org.manager.username, password=PASSWORD)
    page = client.get("/admin/notifications/webhooksubscription/add/").content.decode()
    for event in IMPROVEMENT_WEBHOOK_EVENTS:
        assert event in page
    form = {
        "name": "quality",
        "url": "https://quality.example.com/hooks",
        "secret": "s3cret",
        "events": '["action.checked", "objective.updated"]',
        "format": "json",
        "active": "on",
    }
    assert client.post("/admin/notifications/webhooksubscription/add/", form).status_code == 302
    assert WebhookSubscription.objects.get(name="quality").events == [
        "action.checked",
        "objective.updated",
    ]


def test_the_day_of_a_change_reads_as_the_api_writes_it(org: Org, clock: Clock) -> None:
    with webhook_receiver() as receiver:
        subscribe(receiver.url, ["objective.created"])
        set_objective(org, due_on=dt.date(2027, 6, 30))
        deliver()
    [created] = delivered(receiver)
    assert created["data"]["objective"]["due_on"] == "2027-06-30"
    assert created["data"]["objective"]["baseline"] == {"from": "2026-07-13", "to": "2026-09-06"}
