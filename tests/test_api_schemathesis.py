"""Every operation of the OpenAPI document, driven by schemathesis: whatever a client sends,
valid or not, the answer is never a server error, its status is one the document names,
and its content type and body are what the document says.

Bounded and reproducible: a fixed seed, derandomised, a few dozen requests an operation,
no shrinking. The requests reach a seeded organisation — a customer with a case in each
team, an objective, an action, a theme — through dictionaries of real slugs and names
(drawn often, not always) and path parameters that name the seeded records (the customer
by id and by external id) more often than not, so that the writes get past "there is no
such team" to the code behind them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from tests.api_client import ApiClient
from tests.conftest import Org
from tests.helpers import give_feedback
from tests.test_api_improvement import an_action, an_objective
from vocloop.metrics.selectors import METRICS

# Drawn in place of a generated value this often: now and then the generated one goes
# through, to reach "there is no such …" as well.
OFTEN = 0.8
SEEDED_PEOPLE = ["sam_agent", "sue_agent", "lee_lead", "bill_agent", "maria_manager"]

CONFIG = schemathesis.Config.from_dict(
    {
        # The same requests on every run: a failure seen once is seen again.
        "seed": 20260115,
        "generation": {
            "max-examples": 25,
            "deterministic": True,
            "no-shrink": True,
            "database": "none",
        },
        "checks": {
            # "Valid by the schema, so accepted": a slug or a username the schema cannot
            # list (there is no such team) is rightly refused with 422.
            "positive_data_acceptance": {"enabled": False},
        },
        "dictionaries": {
            "touchpoints": {"values": ["help-desk", "invoicing"]},
            "teams": {"values": ["support", "billing", "operations"]},
            "people": {"values": SEEDED_PEOPLE},
            "metrics": {"values": sorted(METRICS)},
            "themes": {"values": ["billing"]},
            "root_causes": {"values": ["process", "product", "people"]},
        },
        "parameters": {
            f"{where}.{name}": {"dictionary": dictionary, "probability": OFTEN}
            for where, name, dictionary in [
                ("body", "touchpoint", "touchpoints"),
                ("query", "touchpoint", "touchpoints"),
                ("body", "team", "teams"),
                ("body", "scope_team", "teams"),
                ("query", "team", "teams"),
                ("body", "owner", "people"),
                ("body", "assignee", "people"),
                ("path", "metric", "metrics"),
                ("body", "metric", "metrics"),
                ("body", "theme", "themes"),
                ("query", "theme", "themes"),
                ("body", "root_cause", "root_causes"),
            ]
        },
    }
)
schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json", get_wsgi_application(), config=CONFIG
)

# The seeded records of the running test, by path parameter (filled by `authorization`).
SEEDED: dict[str, list[Any]] = {}


@schema.hook
def flatmap_path_parameters(
    context: schemathesis.HookContext, path_parameters: dict[str, Any]
) -> st.SearchStrategy[dict[str, Any]]:
    """A generated path, or (more often) the same path naming a seeded record."""
    options = [path_parameters]
    for name, value in (path_parameters or {}).items():
        # Only values of the documented type: a value generated to be invalid stays so.
        expected = type(SEEDED[name][0]) if name in SEEDED else None
        if expected and isinstance(value, expected) and not isinstance(value, bool):
            options += [{**path_parameters, name: seeded} for seeded in SEEDED[name]]
    return st.sampled_from(options)


@schema.hook
def filter_query(context: schemathesis.HookContext, query: dict[str, Any] | None) -> bool:
    """Only the query parameters the document names, each a single value. The API ignores
    others and reads one value of a parameter sent twice, as the web does, and an object
    drawn for a parameter goes out as an empty value, which is valid: such a request,
    drawn as invalid, would otherwise count as a refusal missed."""
    assert context.operation is not None
    declared = {parameter.name for parameter in context.operation.query}
    return all(
        name in declared and not isinstance(value, list | dict)
        for name, value in (query or {}).items()
    )


@pytest.fixture
def connection_kept() -> Iterator[None]:
    """Django closes the database connection after each request; its test client keeps it,
    and with it the test's transaction. Schemathesis calls the WSGI application itself:
    it is kept here too, as the test client keeps it."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def authorization(org: Org, api: ApiClient, billing: Any) -> Iterator[dict[str, str]]:
    """The headers of an integration's token, which may do everything; the organisation
    seeded with a customer's case in each team, an objective, an action serving it, the
    theme Billing."""
    cases = [
        give_feedback(touchpoint, customer=org.customer, score=2, comment=comment).case
        for touchpoint, comment in [
            (org.helpdesk, "Nobody answered my ticket for a week."),
            (org.invoicing, "The invoice charged twice."),
        ]
    ]
    objective = api.post("/objectives", an_objective(org))
    assert objective.status_code == 201, objective.json()
    action = api.post("/actions", an_action(org, objective=objective.json()["id"]))
    assert action.status_code == 201, action.json()
    org.customer.external_id = "crm-ada"
    org.customer.save()
    SEEDED.update(
        customer_id=[str(org.customer.pk), org.customer.external_id],
        reference=[case.reference for case in cases if case is not None],
        objective_id=[objective.json()["id"]],
        action_id=[action.json()["id"]],
    )
    yield api.headers
    SEEDED.clear()


@schema.parametrize()
# One organisation for all of an operation's requests: what one request writes (a case
# resolved, an action advanced) is what the next one finds, as for a real client.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_no_request_gets_a_server_error_or_an_answer_the_document_does_not_describe(
    case: schemathesis.Case, authorization: dict[str, str], connection_kept: None
) -> None:
    case.call_and_validate(headers=authorization)
