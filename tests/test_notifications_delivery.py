"""The outbox: one message per cause and recipient, sent once, safe across workers and crashes."""

from __future__ import annotations

import collections
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection, connections, transaction

from tests.conftest import PASSWORD
from tests.helpers import give_feedback
from tests.notification_receivers import webhook_receiver
from tests.run_files import copy_migrated
from vocloop.cases.services import case_reply
from vocloop.cases.timeline import Actor
from vocloop.notifications.delivery import backoff, deliver_due
from vocloop.notifications.models import OutboxMessage
from vocloop.notifications.outbox import outbox_enqueue


def enqueue(key: str) -> OutboxMessage:
    return outbox_enqueue(
        channel="email",
        recipient="jo@example.com",
        kind="test",
        dedup_key=key,
        subject="Hello",
        body_text="Hello.",
    )


def test_enqueuing_the_same_cause_twice_keeps_one_message(db):
    first = enqueue("test:1:email:jo@example.com")
    with transaction.atomic():
        # The duplicate is absorbed by a savepoint: the caller's transaction goes on.
        again = enqueue("test:1:email:jo@example.com")
        enqueue("test:2:email:jo@example.com")
    assert again.pk == first.pk
    assert OutboxMessage.objects.count() == 2


def test_delivering_twice_sends_once(db):
    enqueue("test:1:email:jo@example.com")
    assert deliver_due() == 1
    assert deliver_due() == 0
    assert len(mail.outbox) == 1
    message = OutboxMessage.objects.get()
    assert (message.status, message.attempts) == ("sent", 1)
    assert message.sent_at is not None


def test_a_change_rolled_back_leaves_no_notification(org):
    case = give_feedback(org.helpdesk, customer=org.customer, score=2).case
    before = OutboxMessage.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        case_reply(case=case, body="Hello", actor=Actor.staff(org.support_agent))
        raise RuntimeError("the request failed after the reply")
    assert OutboxMessage.objects.count() == before


def test_backoff_doubles_from_a_minute_up_to_six_hours():
    assert [backoff(n).total_seconds() / 60 for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert backoff(30).total_seconds() == 6 * 3600


def test_the_deliver_command_sends_what_is_due_and_exits_with_once(db):
    for n in range(3):
        enqueue(f"test:{n}:email:jo@example.com")
    out = __import__("io").StringIO()
    call_command("notifications", "deliver", "--once", "--batch", "2", stdout=out)
    assert "Sent 3 notifications." in out.getvalue()
    assert len(mail.outbox) == 3


def test_a_quality_manager_sees_failures_and_retries_them(org, client):
    failed = enqueue("test:1:email:jo@example.com")
    OutboxMessage.objects.filter(pk=failed.pk).update(
        status="failed", attempts=8, last_error="SMTPRecipientsRefused: mailbox full"
    )
    client.login(username=org.manager.username, password=PASSWORD)
    listing = client.get("/admin/notifications/outboxmessage/?status__exact=failed")
    assert listing.status_code == 200
    assert "mailbox full" in listing.content.decode()
    response = client.post(
        "/admin/notifications/outboxmessage/",
        {"action": "retry", "_selected_action": [failed.pk]},
    )
    assert response.status_code == 302
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == ("pending", 0)
    assert deliver_due() == 1


def test_staff_who_are_not_quality_managers_cannot_see_the_outbox(org, client):
    client.login(username=org.support_lead.username, password=PASSWORD)
    assert client.get("/admin/notifications/outboxmessage/").status_code in (302, 403)


@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_never_send_a_message_twice():
    if connection.vendor != "postgresql":
        pytest.skip("SKIP LOCKED is exercised on PostgreSQL; SQLite serialises every claim")
    with webhook_receiver(delay=0.01) as receiver:
        from vocloop.notifications.models import WebhookSubscription

        hook = WebhookSubscription.objects.create(
            name="h", url=receiver.url, secret="s", events=["case.updated"]
        )
        for n in range(60):
            outbox_enqueue(
                channel="webhook",
                recipient=str(hook.pk),
                kind="case.updated",
                dedup_key=f"test:{n}:webhook:{hook.pk}",
                payload={"id": n},
            )

        def work() -> None:
            try:
                while deliver_due(batch=5):
                    pass
            finally:
                connections.close_all()

        workers = [threading.Thread(target=work) for _ in range(4)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
    ids = [r.headers["X-Vocloop-Delivery"] for r in receiver.requests]
    assert len(ids) == len(set(ids)) == 60
    assert OutboxMessage.objects.filter(status="sent").count() == 60


ENQUEUE = """
from vocloop.notifications.models import WebhookSubscription
from vocloop.notifications.outbox import outbox_enqueue
hook = WebhookSubscription.objects.create(name="h", url={url!r}, secret="s", events=[])
for n in range(30):
    outbox_enqueue(channel="webhook", recipient=str(hook.pk), kind="case.updated",
                   dedup_key=f"crash:{{n}}:webhook:{{hook.pk}}", payload={{"id": n}})
"""


def _sent(database: Path) -> int:
    with sqlite3.connect(database) as db:
        query = "select count(*) from notifications_outboxmessage where status = 'sent'"
        return int(db.execute(query).fetchone()[0])


@pytest.mark.timeout(600)  # real processes: a minute or more on a busy machine
def test_a_worker_killed_mid_batch_loses_nothing_and_repeats_at_most_its_one_send(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "VOCLOOP_DATABASE_URL"}
    env |= {
        "VOCLOOP_DATA_DIR": str(tmp_path),
        "VOCLOOP_NOTIFICATIONS_LEASE": "2",
        "VOCLOOP_WEBHOOK_ALLOWED_HOSTS": "127.0.0.1",  # the receiver's
    }
    vocloop = [sys.executable, "-m", "vocloop"]
    copy_migrated(tmp_path)
    with webhook_receiver(delay=0.2) as receiver:
        script = textwrap.dedent(ENQUEUE.format(url=receiver.url))
        subprocess.run([*vocloop, "shell", "-c", script], env=env, check=True)
        deliver = [*vocloop, "notifications", "deliver", "--interval", "0.2"]
        worker = subprocess.Popen(deliver, env=env, stdout=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 60
            while len(receiver.requests) < 6 and time.monotonic() < deadline:
                time.sleep(0.02)
            worker.send_signal(signal.SIGKILL)  # in the middle of its batch of 30
            worker.wait()
            assert len(receiver.requests) < 30
            worker = subprocess.Popen(deliver, env=env, stdout=subprocess.DEVNULL)
            database = tmp_path / "vocloop.sqlite3"
            while _sent(database) < 30 and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            worker.kill()
            worker.wait()
    assert _sent(database) == 30
    counts = collections.Counter(r.headers["X-Vocloop-Delivery"] for r in receiver.requests)
    assert len(counts) == 30  # every message arrived
    # Only the call in flight at the kill may arrive again, carrying the same delivery id.
    assert sum(counts.values()) - len(counts) <= 1
    assert all(n <= 2 for n in counts.values())
