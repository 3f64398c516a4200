"""API tokens end: an expiry refused with when it was; a rate limit per token, answered 429 with
Retry-After; and the time of last use, kept to the minute and shown where tokens are."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from tests.api_client import ApiClient, token_secret
from tests.staff_pages import logged_in
from tests.test_limits_shared import REDIS_URL
from vocloop.accounts.models import ApiToken
from vocloop.accounts.services import ApiTokenRefused, api_token_create
from vocloop.limits.counters import RedisCounts

# Expiry


def test_an_expired_token_is_refused_saying_when_it_expired(org):
    api = ApiClient(token_secret("crm", expires_at=timezone.now() + dt.timedelta(days=30)))
    assert api.get("/teams").status_code == 200
    ended = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)
    ApiToken.objects.filter(name="crm").update(expires_at=ended)
    refused = api.get("/teams")
    assert refused.status_code == 401
    assert refused.json()["detail"] == (
        "The API token “crm” expired at 2026-03-01T09:30:00Z; ask an administrator for a new one."
    )


def test_a_token_cannot_be_made_already_expired(db):
    with pytest.raises(ApiTokenRefused, match="has passed already"):
        api_token_create(
            name="crm", scopes=["cases:read"], expires_at=timezone.now() - dt.timedelta(seconds=1)
        )


def run(*args: str) -> str:
    out = StringIO()
    call_command("apitoken", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def create(*options: str) -> ApiToken:
    run("create", "--name", "crm", "--scope", "cases:read", *options)
    return ApiToken.objects.get(name="crm")


def test_the_command_sets_an_expiry_in_days(db):
    before = timezone.now()
    token = create("--expires-in-days", "30")
    assert token.expires_at is not None
    assert dt.timedelta(days=30) <= token.expires_at - before < dt.timedelta(days=30, minutes=1)


def test_the_command_sets_the_last_day_a_token_works(db, settings):
    settings.TIME_ZONE = "Europe/Berlin"
    token = create("--expires", "2999-03-31")
    assert token.expires_at == dt.datetime(2999, 3, 31, 22, 0, tzinfo=dt.UTC)  # midnight, CEST


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (("--expires", "2020-01-01"), "has passed already"),
        (("--expires", "31/03/2027"), "is not a day written as YYYY-MM-DD"),
        (("--expires-in-days", "0"), "at least 1"),
        (("--expires-in-days", "3", "--expires", "2999-01-01"), "not allowed with"),
    ],
)
def test_the_command_refuses_an_expiry_it_cannot_use(db, options, message):
    with pytest.raises(CommandError, match=message):
        create(*options)
    assert not ApiToken.objects.exists()


def test_a_quality_manager_sets_and_moves_an_expiry_in_the_settings_area(org):
    client = logged_in(org.manager)
    form = {
        "name": "crm",
        "scopes": ["cases:read"],
        "expires_at_0": "2999-12-31",
        "expires_at_1": "23:00",
    }
    assert client.post("/admin/accounts/apitoken/add/", form).status_code == 302
    token = ApiToken.objects.get(name="crm")
    assert token.expires_at == dt.datetime(2999, 12, 31, 23, 0, tzinfo=dt.UTC)
    past = {**form, "name": "shop", "expires_at_0": "2001-01-01"}
    refused = client.post("/admin/accounts/apitoken/add/", past)
    assert refused.status_code == 200 and "Choose a moment to come" in refused.content.decode()
    # An existing token's expiry may be brought forward, to now: that ends it.
    change = f"/admin/accounts/apitoken/{token.pk}/change/"
    client.post(change, {**form, "expires_at_0": "2001-01-01"})
    token.refresh_from_db()
    assert token.expires_at == dt.datetime(2001, 1, 1, 23, 0, tzinfo=dt.UTC)


# The rate limit


def test_a_token_over_its_rate_limit_is_answered_429_with_retry_after(org, settings):
    settings.API_RATE_LIMIT = 3
    api, other = ApiClient(token_secret("crm")), ApiClient(token_secret("shop"))
    for _ in range(3):
        assert api.get("/teams").status_code == 200
    refused = api.get("/teams")
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused.json()["detail"].startswith(
        "The API token “crm” has made its 3 requests for this minute (VOCLOOP_API_RATE_LIMIT): "
        "try again in"
    )
    # Writes count too, and are refused before anything is stored.
    assert api.post("/feedback", {"touchpoint": org.helpdesk.slug}).status_code == 429
    # Another token has an allowance of its own.
    assert other.get("/teams").status_code == 200


def test_the_rate_limit_counts_in_redis_when_it_is_configured(org, settings):
    counts = RedisCounts(REDIS_URL)
    try:
        counts.client.ping()
    except counts.errors as error:
        pytest.fail(f"Redis is needed at {REDIS_URL}: {error}")
    settings.CACHE_REDIS_URL = REDIS_URL
    settings.API_RATE_LIMIT = 2
    api = ApiClient(token_secret("crm"))
    key = f"api:token:{ApiToken.objects.get().token_hash[:32]}"
    try:
        assert [api.get("/teams").status_code for _ in range(3)] == [200, 200, 429]
        assert counts.read(key).count == 3
    finally:
        counts.forget(key)


def test_the_api_answers_while_redis_is_away_rather_than_failing(org, settings):
    settings.CACHE_REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    settings.API_RATE_LIMIT = 1
    api = ApiClient(token_secret("crm"))
    assert [api.get("/teams").status_code for _ in range(2)] == [200, 200]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("lots", "VOCLOOP_API_RATE_LIMIT='lots' is not a whole number of requests"),
        ("0", "VOCLOOP_API_RATE_LIMIT=0 must be at least 1 request"),
    ],
)
def test_a_bad_rate_limit_stops_vocloop_naming_it(tmp_path, value, message):
    env = {
        "VOCLOOP_DATA_DIR": str(tmp_path),
        "VOCLOOP_API_RATE_LIMIT": value,
        "PATH": "/usr/bin",
        "PYTHONPATH": os.environ.get("PYTHONPATH", ""),  # this checkout's vocloop
    }
    done = subprocess.run(
        [sys.executable, "-m", "vocloop", "check"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr


# Last use


def test_the_last_use_is_kept_to_the_minute_and_shown_in_the_list_and_settings(org):
    api = ApiClient(token_secret("crm"))
    api.get("/teams")
    first = ApiToken.objects.get().last_used_at
    assert first is not None
    api.get("/teams")
    assert ApiToken.objects.get().last_used_at == first  # within the minute: not written
    earlier = first - dt.timedelta(minutes=2)
    ApiToken.objects.update(last_used_at=earlier)
    api.get("/teams")
    assert ApiToken.objects.get().last_used_at > first  # a minute on: written again
    ApiToken.objects.update(last_used_at=dt.datetime(2026, 3, 2, 14, 5, tzinfo=dt.UTC))
    assert "2026-03-02 14:05" in run("list")
    listing = logged_in(org.manager).get("/admin/accounts/apitoken/").content.decode()
    assert "March 2, 2026, 2:05" in listing
