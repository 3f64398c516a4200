"""A lone UTF-16 surrogate is not text: every way in refuses it with a 4xx, never a 500."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from tests.api_client import BASE, poor_score
from tests.conftest import PASSWORD
from tests.helpers import give_feedback
from tests.openapi import openapi_document
from tests.public_pages import survey_url
from vocloop.api.improvement_schemas import ListFilters
from vocloop.api.metrics import GroupedFilters
from vocloop.api.schemas import CaseFilters
from vocloop.cases.models import CaseEvent
from vocloop.listening.models import Feedback, IdempotencyRecord

LONE = "\ud800"  # JSON "\ud800": the first half of a pair, alone
SURROGATE = "surrogate"


# --- The API --------------------------------------------------------------------------------


def test_feedback_with_a_lone_surrogate_is_refused_with_a_reason(api, org):
    response = api.post(
        "/feedback", poor_score(org, comment=f"broken {LONE}"), headers={"Idempotency-Key": "k-1"}
    )
    assert response.status_code == 422, response.content
    assert SURROGATE in response.json()["errors"]["comment"]
    assert not Feedback.objects.exists()
    assert not IdempotencyRecord.objects.exists()


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _string_fields(
    document: dict[str, Any], schema: dict[str, Any], path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Each field that takes text (its path), with a lone surrogate in the shape it takes."""
    schema = _resolve(document, schema)
    for option in [_resolve(document, s) for s in schema.get("anyOf", [schema])]:
        if option.get("type") == "object" and "properties" in option:
            for name, prop in option["properties"].items():
                yield from _string_fields(document, prop, (*path, name))
            return
        if option.get("type") == "string" or "enum" in option:
            yield path, LONE
            return
        if option.get("type") == "array":
            yield path, [LONE]
            return


def _body(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    for name in reversed(path):
        value = {name: value}
    return dict(value)


def _json_operations() -> list[tuple[str, str, dict[str, Any]]]:
    found = []
    for url, methods in openapi_document()["paths"].items():
        for method, operation in methods.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                found.append((method, url, content["application/json"]["schema"]))
    return found


def test_every_operation_with_a_json_body_is_checked_here(org):
    # The API has these; a new one is covered by the test below without listing it.
    assert len(_json_operations()) >= 5


def test_every_string_field_of_every_json_body_refuses_a_lone_surrogate(api, org):
    document = openapi_document()
    case = give_feedback(org.helpdesk, score=1).case
    assert case is not None
    checked = 0
    for method, url, schema in _json_operations():
        target = re.sub(r"\{reference\}", case.reference, url)
        target = re.sub(r"\{[a-z_]+\}", "1", target).removeprefix(BASE)
        for path, value in _string_fields(document, schema):
            field, body = ".".join(path), _body(path, value)
            response = api.client.generic(
                method.upper(),
                BASE + target,
                json.dumps(body),
                content_type="application/json",
                headers=api.headers,
            )
            where = f"{method.upper()} {url} {field}"
            assert response.status_code == 422, (where, response.content)
            assert SURROGATE in response.json()["errors"].get(field, ""), (where, response.json())
            checked += 1
    assert checked > 50


def test_an_unknown_field_named_with_a_lone_surrogate_is_a_422(api, org):
    response = api.post("/feedback", {**poor_score(org), LONE: "x"})
    assert response.status_code == 422


@pytest.mark.parametrize("schema", [CaseFilters, GroupedFilters, ListFilters])
def test_the_query_filters_refuse_a_lone_surrogate(schema):
    with pytest.raises(ValueError, match=SURROGATE):
        schema.model_validate({"team": LONE})


def test_undecodable_bytes_in_a_query_are_not_a_server_error(api, org):
    for url, methods in openapi_document()["paths"].items():
        operation = methods.get("get")
        if operation is None or "{" in url:
            continue
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "query":
                query = f"{parameter['name']}=%ED%A0%80"
                response = api.client.get(f"{url}?{query}", headers=api.headers)
                assert response.status_code < 500, (url, query)


# --- Forms ----------------------------------------------------------------------------------


def _multipart(fields: dict[str, bytes]) -> bytes:
    parts = [
        b'--BB\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' % (name.encode(), value)
        for name, value in fields.items()
    ]
    return b"".join(parts) + b"--BB--\r\n"


# A codec that spells a surrogate: Django decodes a multipart form with the charset
# the client names.
SPELT = "multipart/form-data; boundary=BB; charset=raw-unicode-escape"


def test_a_public_form_with_undecodable_bytes_stores_replacement_characters(client, org):
    response = client.post(
        survey_url(org.nps_survey),
        "score=2&comment=broken%ED%A0%80",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 302
    assert Feedback.objects.get().comment.startswith("broken\ufffd")


def test_a_public_form_spelling_a_lone_surrogate_is_refused_with_400(client, org):
    body = _multipart({"score": b"2", "comment": b"broken \\ud800"})
    response = client.generic("POST", survey_url(org.nps_survey), body, content_type=SPELT)
    assert response.status_code == 400
    assert SURROGATE in response.content.decode()
    assert not Feedback.objects.exists()


def test_a_staff_form_spelling_a_lone_surrogate_is_refused_with_400(org):
    case = give_feedback(org.helpdesk, score=2).case
    assert case is not None
    agent = Client()
    agent.login(username=org.support_agent.username, password=PASSWORD)
    body = _multipart({"note-body": b"a note \\ud800"})
    response = agent.generic(
        "POST", f"/staff/cases/{case.reference}/note/", body, content_type=SPELT
    )
    assert response.status_code == 400
    assert not CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.INTERNAL_NOTE).exists()
