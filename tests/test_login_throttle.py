"""Failed logins are limited per client and account without locking anyone out, and logged.

Real logins through the staff login page, each client a REMOTE_ADDR of its own; the
counts in the run's database as in production.
"""

from __future__ import annotations

import logging

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD
from vocloop.accounts import throttle
from vocloop.demo.organisation import DEMO_PASSWORD

pytestmark = pytest.mark.django_db

WRONG = "not the password at all"
PAUSED = "Too many failed log-ins: logging in is paused for you."


def log_in(client: Client, username: str, password: str, *, address: str, path: str = ""):
    return client.post(
        path or reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


def logged_in(client: Client) -> bool:
    return SESSION_KEY in client.session


def fail(times: int, username: str, *, address: str, path: str = "") -> None:
    for _ in range(times):
        answer = log_in(Client(), username, WRONG, address=address, path=path)
        assert answer.status_code == 200 and PAUSED not in answer.content.decode()


def test_five_wrong_passwords_pause_that_client_on_that_account_even_with_the_right_one(org):
    fail(throttle.PAIR_LIMIT, "sam_agent", address="203.0.113.5")
    client = Client()
    answer = log_in(client, "sam_agent", PASSWORD, address="203.0.113.5")
    assert answer.status_code == 429
    assert 1 <= int(answer["Retry-After"]) <= throttle.WINDOW_SECONDS
    assert PAUSED in answer.content.decode() and "15 minutes" in answer.content.decode()
    assert not logged_in(client)


def test_an_unknown_account_is_paused_alike(org):
    fail(throttle.PAIR_LIMIT, "nobody_here", address="203.0.113.5")
    fail(throttle.PAIR_LIMIT, "sam_agent", address="203.0.113.6")
    unknown = log_in(Client(), "nobody_here", PASSWORD, address="203.0.113.5")
    known = log_in(Client(), "sam_agent", PASSWORD, address="203.0.113.6")
    assert unknown.status_code == known.status_code == 429
    assert PAUSED in unknown.content.decode() and PAUSED in known.content.decode()


def test_the_owner_logs_in_from_elsewhere_while_an_attacker_is_paused(org):
    fail(throttle.PAIR_LIMIT, "sam_agent", address="203.0.113.5")
    client = Client()
    assert log_in(client, "sam_agent", PASSWORD, address="198.51.100.20").status_code == 302
    assert logged_in(client)


def test_many_addresses_guessing_one_account_guard_it_without_locking_its_owner_out(org):
    guessers = [f"203.0.113.{n}" for n in range(1, throttle.ACCOUNT_GUARDED_AFTER + 1)]
    for address in guessers:
        fail(1, "sam_agent", address=address)
    # A guesser that failed already gets no second guess, even the right one ...
    assert log_in(Client(), "sam_agent", PASSWORD, address=guessers[0]).status_code == 429
    # ... while a client with no failure logs in with the right password.
    owner = Client()
    assert log_in(owner, "sam_agent", PASSWORD, address="198.51.100.20").status_code == 302
    assert logged_in(owner)
    # A new address gets one guess at the guarded account, no more.
    fail(1, "sam_agent", address="192.0.2.77")
    assert log_in(Client(), "sam_agent", WRONG, address="192.0.2.77").status_code == 429


def test_a_client_trying_many_accounts_is_paused_on_every_account(org):
    for n in range(throttle.CLIENT_LIMIT):
        fail(1, f"guess_{n}", address="203.0.113.9")
    answer = log_in(Client(), "maria_manager", PASSWORD, address="203.0.113.9")
    assert answer.status_code == 429 and PAUSED in answer.content.decode()


def test_the_right_password_clears_that_clients_failures_on_the_account(org):
    fail(throttle.PAIR_LIMIT - 1, "sam_agent", address="203.0.113.5")
    assert log_in(Client(), "sam_agent", PASSWORD, address="203.0.113.5").status_code == 302
    fail(throttle.PAIR_LIMIT - 1, "sam_agent", address="203.0.113.5")
    assert log_in(Client(), "sam_agent", PASSWORD, address="203.0.113.5").status_code == 302


def test_every_failure_and_lockout_is_logged_without_the_password(org, caplog):
    caplog.set_level(logging.WARNING, logger="vocloop")
    fail(throttle.PAIR_LIMIT, "sam_agent", address="203.0.113.5")
    log_in(Client(), "sam_agent", PASSWORD, address="203.0.113.5")
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("vocloop.accounts")]
    failures = [line for line in lines if line.startswith("Login failed for 'sam_agent'")]
    assert len(failures) == throttle.PAIR_LIMIT
    assert all("from 203.0.113.5" in line for line in failures)
    assert any(line.startswith("Login locked for 'sam_agent' from 203.0.113.5") for line in lines)
    assert any(line.startswith("Login refused for 'sam_agent' from 203.0.113.5") for line in lines)
    assert not [r for r in caplog.records if WRONG in r.getMessage() or PASSWORD in r.getMessage()]


def test_a_right_password_is_not_logged_as_a_failure(org, caplog):
    caplog.set_level(logging.WARNING, logger="vocloop")
    assert log_in(Client(), "sam_agent", PASSWORD, address="203.0.113.5").status_code == 302
    assert not [r for r in caplog.records if r.getMessage().startswith("Login")]


def test_passwords_have_at_least_twelve_characters():
    with pytest.raises(ValidationError, match="at least 12 characters"):
        validate_password("Tr0ub4dor&3")  # eleven
    validate_password("Tr0ub4dor&3x")  # twelve
    validate_password(DEMO_PASSWORD)
    validate_password(PASSWORD)


def test_without_its_counts_a_login_is_refused_as_busy_not_let_through(org, settings):
    settings.CACHE_REDIS_URL = "redis://127.0.0.1:1/0"  # a Redis that does not answer
    client = Client()
    answer = log_in(client, "sam_agent", PASSWORD, address="203.0.113.5")
    assert answer.status_code == 503
    assert "You could not be logged in just now because the system is busy" in (
        answer.content.decode()
    )
    assert not logged_in(client)
