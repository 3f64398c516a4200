"""The improvement API's POSTs take an Idempotency-Key: a retry gets the first answer and
writes nothing twice; the same key with another body is refused; a refused request keeps
no key."""

from __future__ import annotations

import pytest

from tests.api_client import ApiClient
from tests.conftest import Org
from tests.test_api_improvement import an_action, an_objective, today  # noqa: F401
from vocloop.improvement.models import Action, ActionTask, ImprovementEvent, Objective

pytestmark = pytest.mark.usefixtures("today")


def once(key: str) -> dict[str, str]:
    return {"Idempotency-Key": key}


def test_a_retried_objective_is_set_once_and_answered_as_the_first_time(
    api: ApiClient, org: Org
) -> None:
    body = an_objective(org)
    first = api.post("/objectives", body, headers=once("objective-1"))
    again = api.post("/objectives", body, headers=once("objective-1"))
    assert first.status_code == again.status_code == 201, first.json()
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Objective.objects.count() == 1
    assert ImprovementEvent.objects.filter(kind="created").count() == 1


def test_a_retried_action_and_its_events_are_written_once(api: ApiClient, org: Org) -> None:
    raised = api.post("/actions", an_action(org), headers=once("action-1"))
    assert api.post("/actions", an_action(org), headers=once("action-1")).json() == raised.json()
    assert Action.objects.count() == 1
    path = f"/actions/{raised.json()['id']}/events"
    task = {"kind": "task", "title": "Brief the invoicing team"}
    added = api.post(path, task, headers=once("task-1"))
    replayed = api.post(path, task, headers=once("task-1"))
    assert added.status_code == replayed.status_code == 201
    assert replayed.json() == added.json() and replayed["Idempotent-Replayed"] == "true"
    assert ActionTask.objects.count() == 1
    # Without a key, each request is its own.
    api.post(path, task)
    assert ActionTask.objects.count() == 2


def test_a_key_used_for_another_request_is_refused(api: ApiClient, org: Org) -> None:
    assert api.post("/objectives", an_objective(org), headers=once("k")).status_code == 201
    other = api.post("/objectives", an_objective(org, title="Another"), headers=once("k"))
    assert other.status_code == 422 and "already used for a different request" in str(other.json())
    # The same body at another address is another request too.
    elsewhere = api.post("/actions", an_objective(org), headers=once("k"))
    assert elsewhere.status_code == 422
    assert Objective.objects.count() == 1 and not Action.objects.exists()


def test_a_refused_request_keeps_no_key_and_its_correction_goes_through(
    api: ApiClient, org: Org
) -> None:
    refused = api.post("/actions", an_action(org, metric="happiness"), headers=once("a-2"))
    assert refused.status_code == 422
    corrected = api.post("/actions", an_action(org), headers=once("a-2"))
    assert corrected.status_code == 201 and "Idempotent-Replayed" not in corrected
    assert Action.objects.count() == 1
