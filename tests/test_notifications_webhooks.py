"""Webhooks through a real HTTP receiver: signed, retried with backoff, given up on, chat-ready."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

from django.utils import timezone

from tests.conftest import PASSWORD
from tests.helpers import give_feedback
from tests.notification_receivers import webhook_receiver
from vocloop.cases.models import RootCause
from vocloop.cases.services import case_note, case_reply, case_resolve
from vocloop.cases.timeline import Actor, record_event
from vocloop.lib.addresses import allow_list_parse
from vocloop.notifications.delivery import deliver_due
from vocloop.notifications.models import OutboxMessage, WebhookSubscription

SECRET = "whsec-test-0123456789"
README = Path(__file__).resolve().parent.parent / "README.md"


def readme_verify() -> Any:
    """The verification snippet exactly as README.md documents it."""
    snippet = re.search(r"```python\n(.*?def verify.*?)```", README.read_text(), re.S)
    assert snippet is not None
    namespace: dict[str, Any] = {}
    exec(snippet.group(1), namespace)
    return namespace["verify"]


def subscribe(url: str, events: list[str], **extra: Any) -> WebhookSubscription:
    return WebhookSubscription.objects.create(
        name=extra.pop("name", "crm"), url=url, secret=SECRET, events=events, **extra
    )


def test_a_signed_payload_reaches_the_receiver_and_verifies(org):
    with webhook_receiver() as receiver:
        subscribe(receiver.url, ["feedback.received", "case.opened"])
        feedback = give_feedback(org.helpdesk, score=2)
        assert deliver_due() == 2
    verify = readme_verify()
    by_event = {r.headers["X-Vocloop-Event"]: r for r in receiver.requests}
    assert set(by_event) == {"feedback.received", "case.opened"}
    for request in receiver.requests:
        assert verify(SECRET, request.headers["X-Vocloop-Signature"], request.body)
        assert not verify("another secret", request.headers["X-Vocloop-Signature"], request.body)
        assert not verify(SECRET, request.headers["X-Vocloop-Signature"], request.body + b" ")
    received = json.loads(by_event["feedback.received"].body)
    assert received["event"] == "feedback.received"
    assert received["data"]["feedback"]["reference"] == feedback.reference
    assert received["data"]["feedback"]["case"] == feedback.reference
    opened = json.loads(by_event["case.opened"].body)
    assert opened["data"]["case"]["team"] == {"slug": "support", "name": "Support"}
    assert opened["data"]["case"]["touchpoint"]["slug"] == "help-desk"
    assert "text" not in opened  # the plain JSON format


def test_an_old_signature_is_refused_by_the_documented_check():
    verify = readme_verify()
    import hashlib
    import hmac

    old = int(timezone.now().timestamp()) - 3600
    mac = hmac.new(SECRET.encode(), f"{old}.".encode() + b"{}", hashlib.sha256).hexdigest()
    assert not verify(SECRET, f"t={old},v1={mac}", b"{}")


def test_a_receiver_failing_twice_gets_the_message_on_the_third_attempt(org):
    with webhook_receiver(script=[500, 500]) as receiver:
        subscribe(receiver.url, ["feedback.received"])
        give_feedback(org.helpdesk, score=9)
        start = timezone.now()
        assert deliver_due(now=start) == 0
        message = OutboxMessage.objects.get(channel="webhook")
        assert (message.status, message.attempts) == ("pending", 1)
        assert "HTTP 500" in message.last_error
        assert message.next_attempt_at == start + dt.timedelta(minutes=1)
        assert deliver_due(now=start + dt.timedelta(seconds=30)) == 0  # backing off
        assert len(receiver.requests) == 1
        assert deliver_due(now=start + dt.timedelta(minutes=1)) == 0
        message.refresh_from_db()
        assert message.next_attempt_at == start + dt.timedelta(minutes=3)
        assert deliver_due(now=start + dt.timedelta(minutes=3)) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == ("sent", 3, "")
    assert len(receiver.requests) == 3
    assert len({r.headers["X-Vocloop-Delivery"] for r in receiver.requests}) == 1


def test_a_receiver_that_always_fails_is_given_up_after_the_limit(org, settings):
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 3
    with webhook_receiver(then=503) as receiver:
        subscribe(receiver.url, ["feedback.received"])
        give_feedback(org.helpdesk, score=9)
        now = timezone.now()
        for _ in range(5):
            deliver_due(now=now)
            now += dt.timedelta(hours=7)
    message = OutboxMessage.objects.get(channel="webhook")
    assert (message.status, message.attempts) == ("failed", 3)
    assert "HTTP 503" in message.last_error
    assert len(receiver.requests) == 3


def test_an_unreachable_address_fails_with_its_reason(org, settings):
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 1
    settings.WEBHOOK_ALLOWED_HOSTS = allow_list_parse("127.0.0.1")
    subscribe("http://127.0.0.1:9/nothing-listens", ["feedback.received"])
    give_feedback(org.helpdesk, score=9)
    deliver_due()
    message = OutboxMessage.objects.get(channel="webhook")
    assert message.status == "failed"
    assert "could not be reached" in message.last_error


def test_the_chat_format_adds_a_text_line(org):
    with webhook_receiver() as receiver:
        subscribe(receiver.url, ["case.resolved"], format="chat")
        case = give_feedback(org.helpdesk, score=2).case
        case_resolve(
            case=case,
            resolution="Refunded.",
            root_cause=RootCause.objects.get(slug="product"),
            actor=Actor.staff(org.support_agent),
        )
        deliver_due()
    [request] = receiver.requests
    payload = json.loads(request.body)
    assert payload["event"] == "case.resolved"
    assert payload["text"].startswith(f"Case {case.reference} (Support, Help desk):")
    assert payload["data"]["change"]["body"] == "Refunded."


def test_internal_text_stays_out_of_webhooks(org):
    with webhook_receiver() as receiver:
        subscribe(receiver.url, ["case.updated", "case.escalated"])
        case = give_feedback(org.helpdesk, score=2).case
        staff = Actor.staff(org.support_agent)
        case_note(case=case, body="Customer is a known troll.", actor=staff)
        case_reply(case=case, body="Sorry about that.", actor=staff)
        record_event(
            case, staff, "escalated", body="Too slow.", data={"notified": [org.support_lead.pk]}
        )
        deliver_due()
    changes = {
        json.loads(r.body)["data"]["change"]["kind"]: json.loads(r.body)["data"]["change"]
        for r in receiver.requests
    }
    assert changes["internal_note"]["body"] is None
    assert changes["escalated"]["body"] is None
    assert changes["public_reply"]["body"] == "Sorry about that."
    assert all(b"troll" not in r.body for r in receiver.requests)
    assert all(b"/t/" not in r.body for r in receiver.requests)  # no tracking link


def test_only_active_subscriptions_to_the_event_are_called(org):
    subscribe("http://127.0.0.1:9/a", ["case.resolved"], name="resolutions")
    subscribe("http://127.0.0.1:9/b", ["feedback.received"], name="off", active=False)
    give_feedback(org.helpdesk, score=2)
    assert not OutboxMessage.objects.filter(channel="webhook").exists()


def test_a_quality_manager_subscribes_only_to_known_events(org, client):
    client.login(username=org.manager.username, password=PASSWORD)
    form = {
        "name": "chat",
        "url": "https://chat.example.com/hooks/1",
        "secret": "s3cret",
        "events": '["case.opened", "case.exploded"]',
        "format": "chat",
        "active": "on",
    }
    response = client.post("/admin/notifications/webhooksubscription/add/", form)
    assert response.status_code == 200
    assert "Give a list of events from" in response.content.decode()
    form["events"] = '["case.opened", "case.escalated"]'
    response = client.post("/admin/notifications/webhooksubscription/add/", form)
    assert response.status_code == 302
    assert WebhookSubscription.objects.get(name="chat").events == ["case.opened", "case.escalated"]
