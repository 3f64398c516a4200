"""The server's log never holds a working tracking link: its token reads [token]."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import Org
from tests.helpers import give_feedback
from vocloop.server.logs import SecretPathsRedacted, redacted

pytestmark = pytest.mark.django_db


@pytest.fixture
def server_log() -> Iterator[io.StringIO]:
    """What the console handler vocloop's settings configure writes, as it writes it."""
    (handler,) = [
        h
        for h in logging.getLogger().handlers
        if isinstance(h, logging.StreamHandler)
        and any(isinstance(f, SecretPathsRedacted) for f in h.filters)
    ]
    written = io.StringIO()
    before = handler.setStream(written)
    try:
        yield written
    finally:
        handler.setStream(before)


@pytest.fixture
def token(org: Org) -> str:
    return give_feedback(org.helpdesk, score=2).tracking_token


def test_refused_requests_on_a_tracking_link_log_no_token(
    client: Client, token: str, server_log: io.StringIO, settings
) -> None:
    settings.PUBLIC_RATE_LIMIT = 1
    message = reverse("public:track_message", args=[token])
    assert client.post(message, {"message-body": ""}).status_code == 400
    assert client.post(message, {"message-body": "Hello?"}).status_code == 429

    log = server_log.getvalue()
    assert token not in log
    assert "Bad Request: /t/[token]/message/" in log
    assert "Too Many Requests: /t/[token]/message/" in log


def test_a_csrf_refusal_logs_neither_the_path_nor_the_referer_with_a_token(
    token: str, server_log: io.StringIO
) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("public:track_message", args=[token]),
        {"message-body": "Hello"},
        secure=True,
        headers={"Referer": f"https://elsewhere.example/t/{token}/"},
    )
    assert response.status_code == 403
    log = server_log.getvalue()
    assert token not in log
    assert "https://elsewhere.example/t/[token]/ does not match" in log
    assert ": /t/[token]/message/" in log


def test_an_unknown_tracking_link_is_logged_redacted_too(
    client: Client, server_log: io.StringIO
) -> None:
    assert client.get("/t/not-a-real-token-but-close/").status_code == 404
    assert "Not Found: /t/[token]/" in server_log.getvalue()
    assert "not-a-real-token" not in server_log.getvalue()


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            '"GET /t/abc123/updates/stop/ HTTP/1.1" 403',
            '"GET /t/[token]/updates/stop/ HTTP/1.1" 403',
        ),
        ("Forbidden: /unsubscribe/abc:def/", "Forbidden: /unsubscribe/[token]/"),
        ("POST /updates/abc:1x:sig/: busy", "POST /updates/[token]/: busy"),
        (
            "referer=https://h.example:8000/t/abc?x=1",
            "referer=https://h.example:8000/t/[token]?x=1",
        ),
        ("Not Found: /staff/t/abc/", "Not Found: /staff/t/abc/"),
        ("GET /feedback/ 200", "GET /feedback/ 200"),
    ],
)
def test_only_the_secret_part_of_a_link_is_redacted(line: str, expected: str) -> None:
    assert redacted(line) == expected
