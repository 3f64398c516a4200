"""A staff session ends after VOCLOOP_SESSION_IDLE_MINUTES without a request; each request
pushes the end back, writing the session at most once a minute."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.conftest import PASSWORD
from vocloop.server.middleware import RENEWED_AT

pytestmark = pytest.mark.django_db


def logged_in_client() -> Client:
    client = Client()
    answer = client.post(reverse("login"), {"username": "sam_agent", "password": PASSWORD})
    assert answer.status_code == 302
    return client


def session_row(client: Client) -> Session:
    return Session.objects.get(pk=client.session.session_key)


def test_the_idle_timeout_is_an_hour_by_default():
    assert settings.SESSION_IDLE_MINUTES == 60
    assert settings.SESSION_COOKIE_AGE == 3600


def test_a_session_ends_an_idle_period_after_the_last_request(org):
    client = logged_in_client()
    left = session_row(client).expire_date - timezone.now()
    assert dt.timedelta(minutes=59) < left <= dt.timedelta(minutes=60)


def test_a_session_idle_past_its_end_is_logged_out(org):
    client = logged_in_client()
    Session.objects.filter(pk=client.session.session_key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    answer = client.get(reverse("cases:inbox"))
    assert answer.status_code == 302 and reverse("login") in answer["Location"]


def test_a_request_pushes_the_end_back(org):
    client = logged_in_client()
    session = client.session
    session[RENEWED_AT] = int(timezone.now().timestamp()) - 120  # renewed two minutes ago
    session.save()
    Session.objects.filter(pk=session.session_key).update(
        expire_date=timezone.now() + dt.timedelta(minutes=5)
    )
    assert client.get(reverse("cases:inbox")).status_code == 200
    left = session_row(client).expire_date - timezone.now()
    assert left > dt.timedelta(minutes=59)


def test_requests_within_a_minute_write_the_session_once_at_most(org):
    client = logged_in_client()  # renewed as it logged in
    with CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            assert client.get(reverse("cases:inbox")).status_code == 200
    writes = [q["sql"] for q in queries if "django_session" in q["sql"] and "UPDATE" in q["sql"]]
    assert writes == []


def test_the_first_page_after_logging_in_does_not_write_the_session_again(org):
    client = Client()
    client.force_login(org.support_agent)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("cases:inbox")).status_code == 200
    assert not [q for q in queries if "django_session" in q["sql"] and "UPDATE" in q["sql"]]
