"""A client for the JSON API as integrations use it, and the data most API tests send."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.conftest import Org
from tests.helpers import give_feedback
from vocloop.accounts.models import ApiScope
from vocloop.accounts.services import api_token_create
from vocloop.cases.models import Case

BASE = "/api/v1"
EVERY_SCOPE = list(ApiScope.values)


def token_secret(name: str = "crm", *, scopes: list[str] = EVERY_SCOPE, **options: Any) -> str:
    """A new token's secret: with every scope unless told, for a test about something else."""
    return api_token_create(name=name, scopes=scopes, **options)[1]


class ApiClient:
    """A test client that sends a bearer token and JSON, and no CSRF token, as integrations do."""

    def __init__(self, secret: str | None):
        self.client = Client(enforce_csrf_checks=True)
        self.headers = {"Authorization": f"Bearer {secret}"} if secret else {}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(BASE + path, params, headers=self.headers)

    def post(self, path: str, body: Any, headers: dict[str, str] | None = None) -> Any:
        data = body if isinstance(body, (str, bytes)) else json.dumps(body)
        return self.client.post(
            BASE + path,
            data=data,
            content_type="application/json",
            headers={**self.headers, **(headers or {})},
        )


def queries_besides_the_rate_count(call: Any) -> list[str]:
    """The SQL a request runs, less its count against the token's rate limit (one statement,
    and on SQLite the brief wait for the lock set and reset around it)."""
    with CaptureQueriesContext(connection) as captured:
        call()
    return [
        q["sql"]
        for q in captured.captured_queries
        if "limits_ratecount" not in q["sql"] and not q["sql"].startswith("PRAGMA busy_timeout")
    ]


@pytest.fixture
def api(org: Org) -> ApiClient:
    return ApiClient(token_secret("crm"))


def poor_score(org: Org, **extra: Any) -> dict[str, Any]:
    return {
        "touchpoint": org.helpdesk.slug,
        "customer": {"external_id": "C-42", "name": "Grace Hopper", "email": "grace@example.com"},
        "score_type": "nps",
        "score": 2,
        "comment": "Nobody answered my ticket for a week.",
        **extra,
    }


def open_case(org: Org, **extra: Any) -> Case:
    feedback = give_feedback(org.helpdesk, customer=org.customer, **extra)
    assert feedback.case is not None
    return feedback.case
