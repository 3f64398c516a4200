"""Webhooks go to public receivers: an internal address is refused when a subscription is
saved and again when it is sent, unless VOCLOOP_WEBHOOK_ALLOWED_HOSTS lists it; what a
receiver answers is never kept."""

from __future__ import annotations

import importlib
import socket
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.apps import apps

from tests.conftest import PASSWORD
from tests.helpers import give_feedback
from tests.notification_receivers import tls_certificates, webhook_receiver
from vocloop.lib.addresses import allow_list_parse, host_resolve
from vocloop.notifications.delivery import deliver_due
from vocloop.notifications.models import OutboxMessage, WebhookSubscription

ADD = "/admin/notifications/webhooksubscription/add/"
INTERNAL = "vocloop does not call internal addresses"


def form(url: str) -> dict[str, str]:
    return {
        "name": "crm",
        "url": url,
        "secret": "s3cret",
        "events": '["feedback.received"]',
        "format": "json",
        "active": "on",
    }


def subscribe(url: str) -> WebhookSubscription:
    """A subscription as one saved before the check existed: straight into the database."""
    return WebhookSubscription.objects.create(
        name="crm", url=url, secret="s3cret", events=["feedback.received"]
    )


def failure(org: Any) -> str:
    give_feedback(org.helpdesk, score=9)
    deliver_due()
    message = OutboxMessage.objects.get(channel="webhook")
    assert message.status != "sent"
    return message.last_error


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("http://127.0.0.1:8080/hook", "127.0.0.1 is a loopback address"),
        ("http://localhost:8000/hook", "localhost is an internal name"),
        ("http://10.0.0.5/hook", "10.0.0.5 is a private address"),
        ("https://192.168.1.20/hook", "192.168.1.20 is a private address"),
        ("http://[::1]/hook", "::1 is a loopback address"),
        ("http://[fd12::5]/hook", "fd12::5 is a unique-local address"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a cloud metadata"),
        ("http://[fd00:ec2::254]/", "fd00:ec2::254 is a cloud metadata"),
        ("http://metadata.google.internal/computeMetadata/v1/", "metadata.google.internal is"),
    ],
)
def test_an_internal_address_is_refused_when_saved(org, client, url, said):
    client.login(username=org.manager.username, password=PASSWORD)
    response = client.post(ADD, form(url))
    assert response.status_code == 200
    assert said in response.content.decode()
    assert not WebhookSubscription.objects.exists()


def test_the_refusal_says_how_to_allow_an_internal_receiver(org, client):
    client.login(username=org.manager.username, password=PASSWORD)
    page = client.post(ADD, form("http://10.0.0.5/hook")).content.decode()
    assert INTERNAL in page
    assert "VOCLOOP_WEBHOOK_ALLOWED_HOSTS" in page


def test_a_listed_internal_receiver_is_saved_but_never_a_metadata_service(org, client, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = allow_list_parse("10.0.0.0/8, 169.254.0.0/16")
    client.login(username=org.manager.username, password=PASSWORD)
    assert client.post(ADD, form("http://10.0.0.5/hook")).status_code == 302
    WebhookSubscription.objects.all().delete()
    page = client.post(ADD, form("http://169.254.169.254/")).content.decode()
    assert "which vocloop never calls" in page
    assert not WebhookSubscription.objects.exists()


def test_a_public_receiver_is_saved(org, client):
    client.login(username=org.manager.username, password=PASSWORD)
    assert client.post(ADD, form("https://93.184.215.14/hook")).status_code == 302


def test_a_name_for_loopback_is_refused_when_sent_and_nothing_reaches_it(org):
    with webhook_receiver(allowed="") as receiver:
        port = receiver.url.split(":")[2].split("/")[0]
        subscribe(f"http://localhost:{port}/hook")
        error = failure(org)
    assert receiver.requests == []
    assert INTERNAL in error and "localhost" in error


def test_a_host_resolving_to_loopback_is_refused_when_sent(org):
    # The machine's own name: /etc/hosts gives it a loopback or private address.
    name = socket.gethostname()
    try:
        addresses = host_resolve(name, 80)
    except OSError:
        pytest.skip(f"{name} does not resolve here")
    if any(address.is_global for address in addresses):
        pytest.skip(f"{name} resolves to a public address here")
    with webhook_receiver(allowed="") as receiver:
        port = receiver.url.split(":")[2].split("/")[0]
        subscribe(f"http://{name}:{port}/hook")
        error = failure(org)
    assert receiver.requests == []
    assert f"{name.lower()} resolves to" in error


def test_a_listed_name_is_called_at_its_checked_address_with_its_own_host_header(org):
    with webhook_receiver(allowed="localhost") as receiver:
        port = receiver.url.split(":")[2].split("/")[0]
        subscribe(f"http://localhost:{port}/hook?team=support")
        give_feedback(org.helpdesk, score=9)
        assert deliver_due() == 1
    [request] = receiver.requests
    assert request.headers["Host"] == f"localhost:{port}"


def test_https_goes_to_the_checked_address_verifying_the_certificate_for_the_name(
    org, tmp_path, monkeypatch
):
    ca, tls = tls_certificates(tmp_path, "localhost")
    monkeypatch.setenv("SSL_CERT_FILE", str(ca))  # the test CA, trusted as a public one is
    with webhook_receiver(allowed="localhost", tls=tls) as receiver:
        subscribe(receiver.url)
        give_feedback(org.helpdesk, score=9)
        assert deliver_due() == 1
    assert receiver.server_names == ["localhost"]
    [request] = receiver.requests
    assert request.headers["Host"] == receiver.url.split("/")[2]


def test_https_to_a_certificate_for_another_name_is_refused(org, tmp_path, monkeypatch):
    ca, tls = tls_certificates(tmp_path, "receiver.example")
    monkeypatch.setenv("SSL_CERT_FILE", str(ca))
    with webhook_receiver(allowed="localhost", tls=tls) as receiver:
        subscribe(receiver.url)
        error = failure(org)
    assert receiver.requests == []
    assert "could not be reached" in error and "certificate" in error


def test_a_metadata_address_is_refused_when_sent_whatever_the_allow_list(org, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = allow_list_parse("169.254.0.0/16, 0.0.0.0/0")
    subscribe("http://169.254.169.254/latest/meta-data/")
    assert "which vocloop never calls" in failure(org)


def test_a_redirect_to_an_internal_address_is_not_followed(org):
    with webhook_receiver() as inside, webhook_receiver(then=307) as receiver:
        receiver.headers["Location"] = inside.url
        subscribe(receiver.url)
        error = failure(org)
    assert len(receiver.requests) == 1
    assert inside.requests == []
    assert error == "WebhookFailed: The receiver answered HTTP 307, a redirect, not followed."


SECRET_ANSWER = b"root:x:0:0:root:/root:/bin/bash internal-secret-4711"


def test_what_a_receiver_answers_is_never_kept_nor_shown(org, client):
    with webhook_receiver(then=500, answer=SECRET_ANSWER) as receiver:
        subscribe(receiver.url)
        error = failure(org)
    assert error == "WebhookFailed: The receiver answered HTTP 500."
    client.login(username=org.manager.username, password=PASSWORD)
    message = OutboxMessage.objects.get(channel="webhook")
    for page in (
        "/admin/notifications/outboxmessage/",
        f"/admin/notifications/outboxmessage/{message.pk}/change/",
    ):
        content = client.get(page).content
        assert b"internal-secret-4711" not in content
        assert b"HTTP 500" in content


@contextmanager
def banner_server(banner: bytes) -> Iterator[int]:
    """A service that is no HTTP receiver: it reads what comes, answers its banner, hangs up."""

    class Greet(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            self.request.settimeout(0.3)
            try:
                while self.request.recv(65536):
                    pass
            except TimeoutError:
                pass
            self.request.sendall(banner)

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Greet)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


def test_what_a_service_that_is_no_http_receiver_says_is_not_kept(org, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = allow_list_parse("127.0.0.1")
    with banner_server(b"220 mail.corp ESMTP Postfix 3.4.13 secret-banner\r\n") as port:
        subscribe(f"http://127.0.0.1:{port}/")
        error = failure(org)
    assert "secret-banner" not in error
    assert error == "WebhookFailed: The receiver did not answer in HTTP."


MIGRATION = "vocloop.notifications.migrations.0011_webhook_failures_without_answers"


def failed_webhook(dedup_key: str, last_error: str) -> OutboxMessage:
    return OutboxMessage.objects.create(
        channel="webhook",
        recipient="1",
        kind="feedback.received",
        dedup_key=dedup_key,
        status="failed",
        last_error=last_error,
    )


def test_the_migration_removes_the_answers_kept_before(org):
    before = failed_webhook(
        "old", "WebhookFailed: HTTP 502 from http://10.0.0.5/x: internal-secret-4711"
    )
    unreachable = failed_webhook("older", "WebhookFailed: http://10.0.0.5/x unreachable: timed out")
    importlib.import_module(MIGRATION).forget_answers(apps, None)
    before.refresh_from_db()
    unreachable.refresh_from_db()
    assert before.last_error == "WebhookFailed: The receiver answered HTTP 502."
    assert unreachable.last_error == "WebhookFailed: http://10.0.0.5/x unreachable: timed out"
