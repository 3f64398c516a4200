"""The JSON API: tokens, POST /feedback with retries, and what bad input gets."""

from __future__ import annotations

import json
import threading
from typing import Any
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connection, connections
from django.test import Client
from django.urls import resolve

from tests.api_client import (
    BASE,
    ApiClient,
    poor_score,
    queries_besides_the_rate_count,
    token_secret,
)
from vocloop.accounts.models import ApiToken
from vocloop.accounts.services import api_token_revoke
from vocloop.cases.models import Case, CaseEvent
from vocloop.customers.models import Customer
from vocloop.listening.models import Feedback, IdempotencyRecord

# Authentication


def test_a_request_without_a_token_is_refused_saying_the_header_is_missing(org):
    response = ApiClient(None).get("/cases")
    assert response.status_code == 401
    assert "Authorization header is missing" in response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_header_without_the_bearer_scheme_is_refused(org):
    response = Client().get(f"{BASE}/cases", headers={"Authorization": "Token abc"})
    assert response.status_code == 401
    assert "Bearer <token>" in response.json()["detail"]


def test_an_unknown_token_is_refused(org):
    response = ApiClient("vl_not-a-real-token").get("/cases")
    assert response.status_code == 401
    assert response.json() == {"detail": "The API token is not valid."}


def test_a_revoked_token_is_refused_saying_so(org):
    secret = token_secret("old-crm")
    api_token_revoke(name="old-crm")
    response = ApiClient(secret).get("/cases")
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_using_a_token_records_when_at_most_once_a_minute(api):
    assert api.get("/teams").status_code == 200
    first_use = ApiToken.objects.get(name="crm").last_used_at
    assert first_use is not None
    # Token lookup and the list itself: no second write within the minute.
    assert len(queries_besides_the_rate_count(lambda: api.get("/teams"))) == 2
    assert ApiToken.objects.get(name="crm").last_used_at == first_use


# POST /feedback


def test_a_poor_score_opens_a_case_and_the_answer_gives_its_tracking_page(api, org):
    response = api.post("/feedback", poor_score(org))
    assert response.status_code == 201, response.content
    body = response.json()
    feedback = Feedback.objects.get()
    assert body == {
        "id": feedback.pk,
        "reference": feedback.reference,
        "case": {"reference": feedback.case.reference, "status": "new"},
        "tracking_url": f"{settings.BASE_URL}/t/{feedback.tracking_token}/",
    }
    assert resolve(urlsplit(body["tracking_url"]).path).view_name == "public:track"
    assert feedback.kind == Feedback.Kind.SURVEY
    assert feedback.channel == "api"
    assert feedback.customer.external_id == "C-42"
    assert feedback.customer.email == "grace@example.com"


def test_a_good_score_is_stored_without_a_case(api, org):
    response = api.post("/feedback", poor_score(org, score=10, channel="email"))
    assert response.status_code == 201
    assert response.json()["case"] is None
    assert Feedback.objects.get().channel == "email"
    assert not Case.objects.exists()


def test_a_comment_without_score_or_customer_is_anonymous_feedback(api, org):
    body = {"touchpoint": org.invoicing.slug, "comment": "The invoice layout is confusing."}
    response = api.post("/feedback", body)
    assert response.status_code == 201
    feedback = Feedback.objects.get()
    assert (feedback.kind, feedback.customer, feedback.case) == (Feedback.Kind.FEEDBACK, None, None)


def test_an_explicit_complaint_opens_a_case_whatever_the_score(api, org):
    response = api.post("/feedback", poor_score(org, score=10, complaint=True))
    assert response.status_code == 201
    assert response.json()["case"]["status"] == "new"
    assert Feedback.objects.get().kind == Feedback.Kind.COMPLAINT


def test_the_time_the_customer_gave_feedback_is_kept(api, org):
    api.post("/feedback", poor_score(org, occurred_at="2025-03-01T09:30:00+01:00"))
    assert Feedback.objects.get().occurred_at.isoformat() == "2025-03-01T08:30:00+00:00"


def test_a_known_customer_is_recognised_by_email(api, org):
    body = poor_score(org, customer={"email": "ADA@example.com"})
    assert api.post("/feedback", body).status_code == 201
    assert Feedback.objects.get().customer == org.customer
    assert Customer.objects.count() == 1


def test_further_feedback_from_a_customer_joins_their_open_case(api, org):
    first = api.post("/feedback", poor_score(org)).json()
    second = api.post("/feedback", poor_score(org, score=1, comment="Still waiting.")).json()
    assert second["case"]["reference"] == first["case"]["reference"]
    assert second["reference"] != first["reference"]
    assert Case.objects.count() == 1
    assert Case.objects.get().feedback.count() == 2


TOO_LONG = "x" * (settings.COMMENT_MAX_LENGTH + 1)


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"score": 11}, "score", "from 0 to 10"),
        ({"score": -1}, "score", "from 0 to 10"),
        ({"score_type": "csat", "score": 6}, "score", "from 1 to 5"),
        ({"score_type": None}, "score_type", "needs its score type"),
        ({"score_type": "stars"}, "score_type", "nps"),
        ({"score": "5"}, "score", "integer"),
        ({"score": 5.5}, "score", "integer"),
        ({"complaint": "yes"}, "complaint", "boolean"),
        ({"touchpoint": "shop"}, "touchpoint", "no touch point “shop”"),
        ({"touchpoint": None}, "touchpoint", "string"),
        ({"comment": TOO_LONG}, "comment", "the limit is 5,000"),
        ({"score": None, "score_type": None, "comment": " "}, "comment", "comment or give a score"),
        ({"channel": "c" * 51}, "channel", "1 to 50 characters"),
        ({"channel": ""}, "channel", "1 to 50 characters"),
        ({"occurred_at": "2025-03-01T09:30:00"}, "occurred_at", "offset"),
        ({"occurred_at": "yesterday"}, "occurred_at", "datetime"),
        ({"occurred_at": 1700000000}, "occurred_at", "ISO 8601"),
        ({"occurred_at": "2999-01-01T00:00:00Z"}, "occurred_at", "future"),
        ({"occurred_at": "0001-01-01T00:00:00+01:00"}, "occurred_at", "before 1970"),
        ({"occurred_at": "1969-12-31T12:00:00Z"}, "occurred_at", "before 1970"),
        ({"customer": {"email": "not-an-email"}}, "customer.email", "valid email"),
        ({"customer": {"external_id": "x" * 201}}, "customer.external_id", "at most 200"),
        ({"customer": {"phone": "123"}}, "customer.phone", "not permitted"),
        ({"customer": "grace"}, "customer", "valid dictionary"),
        ({"comments": "typo"}, "comments", "not permitted"),
        ({"comment": "nul \x00 byte"}, "comment", "NUL character"),
        ({"customer": {"name": "A\x00"}}, "customer.name", "NUL character"),
    ],
)
def test_bad_feedback_is_refused_with_422_naming_the_field(api, org, change, field, words):
    response = api.post("/feedback", poor_score(org, **change))
    assert response.status_code == 422, response.content
    body = response.json()
    assert words.lower() in body["errors"][field].lower()
    assert isinstance(body["detail"], str)
    assert not Feedback.objects.exists()
    assert not Customer.objects.exclude(pk=org.customer.pk).exists()


def test_a_missing_touchpoint_is_named(api, org):
    body = poor_score(org)
    del body["touchpoint"]
    response = api.post("/feedback", body)
    assert response.status_code == 422
    assert response.json()["errors"] == {"touchpoint": "Field required"}


def test_an_inactive_touchpoint_takes_no_feedback(api, org):
    org.helpdesk.active = False
    org.helpdesk.save()
    response = api.post("/feedback", poor_score(org))
    assert response.status_code == 422
    assert "not taking feedback" in response.json()["errors"]["touchpoint"]


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ('{"touchpoint": "help-desk",', "not valid JSON"),
        (b'{"comment": "\xff"}', "not valid UTF-8"),
    ],
)
def test_a_body_that_is_not_json_is_refused_with_400(api, org, raw, words):
    response = api.post("/feedback", raw)
    assert response.status_code == 400
    assert words in response.json()["detail"]


@pytest.mark.parametrize("raw", ["", "[1, 2]", '"text"'])
def test_a_body_that_is_not_a_json_object_is_refused_with_422(api, org, raw):
    response = api.post("/feedback", raw)
    assert response.status_code == 422
    assert "detail" in response.json()


def test_a_body_larger_than_django_accepts_is_refused_with_413(api, org, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = api.post("/feedback", poor_score(org, comment="x" * 20_000))
    assert response.status_code == 413
    assert response.json() == {"detail": "The request body is too large."}


# Idempotency-Key


def test_a_retry_with_the_same_key_returns_the_first_answer_and_stores_nothing_new(api, org):
    key = {"Idempotency-Key": "crm-event-1"}
    first = api.post("/feedback", poor_score(org), headers=key)
    # Key order and spacing do not make it another request.
    again = api.post("/feedback", json.dumps(poor_score(org), indent=2, sort_keys=True), key)
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert again["Idempotent-Replayed"] == "true"
    assert Feedback.objects.count() == 1
    assert CaseEvent.objects.filter(kind=CaseEvent.Kind.FEEDBACK_ATTACHED).count() == 0


def test_the_same_key_with_a_different_body_is_refused(api, org):
    key = {"Idempotency-Key": "crm-event-1"}
    api.post("/feedback", poor_score(org), headers=key)
    response = api.post("/feedback", poor_score(org, score=3), headers=key)
    assert response.status_code == 422
    assert "already used for a different request" in response.json()["detail"]
    assert Feedback.objects.count() == 1


def test_keys_belong_to_their_token(api, org):
    other_secret = token_secret("shop")
    key = {"Idempotency-Key": "event-1"}
    api.post("/feedback", poor_score(org), headers=key)
    response = ApiClient(other_secret).post("/feedback", poor_score(org), headers=key)
    assert response.status_code == 201
    assert Feedback.objects.count() == 2


def test_a_refused_request_does_not_use_up_its_key(api, org):
    key = {"Idempotency-Key": "event-1"}
    assert api.post("/feedback", poor_score(org, score=99), headers=key).status_code == 422
    assert api.post("/feedback", poor_score(org), headers=key).status_code == 201
    assert IdempotencyRecord.objects.get().status_code == 201


def test_a_key_longer_than_200_characters_is_refused(api, org):
    response = api.post("/feedback", poor_score(org), headers={"Idempotency-Key": "k" * 201})
    assert response.status_code == 422
    assert "Idempotency-Key" in response.json()["errors"]


def test_a_request_that_loses_the_race_for_its_key_returns_the_winners_answer(api, org):
    key = {"Idempotency-Key": "event-1"}
    first = api.post("/feedback", poor_score(org), headers=key)
    # As if the first request committed between our look-up and our claim of the key.
    with mock.patch("vocloop.api.idempotency._earlier_record", return_value=None):
        second = api.post("/feedback", poor_score(org), headers=key)
    assert (second.status_code, second.json()) == (201, first.json())
    assert Feedback.objects.count() == 1


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite serialises writers before the key is read"
)
@pytest.mark.django_db(transaction=True)
def test_simultaneous_requests_with_one_key_store_one_feedback(request):
    org = request.getfixturevalue("org")
    secret = token_secret("crm")
    barrier = threading.Barrier(4)
    answers: list[tuple[int, Any]] = []

    def send() -> None:
        try:
            barrier.wait()
            response = ApiClient(secret).post(
                "/feedback", poor_score(org), headers={"Idempotency-Key": "same"}
            )
            answers.append((response.status_code, response.json()))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(answers) == 4
    assert all(answer == answers[0] for answer in answers)
    assert answers[0][0] == 201
    assert Feedback.objects.count() == 1
