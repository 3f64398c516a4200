"""Checking a JSON value against the API's own OpenAPI document, as a generated client would.

The subset of JSON Schema that django-ninja writes: $ref, anyOf/allOf, type, enum,
format date-time, properties with required, items. A property the document does not
name is an error too: the document must describe everything the API says.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.test import Client

TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
}


def openapi_document() -> dict[str, Any]:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return dict(response.json())


def component(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def answer_schema(document: dict[str, Any], path: str, method: str, status: int) -> dict[str, Any]:
    operation = document["paths"][path][method]
    return dict(operation["responses"][str(status)]["content"]["application/json"]["schema"])


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        target: Any = document
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
    return schema


def _type_errors(schema: dict[str, Any], value: Any, where: str) -> list[str]:
    expected = schema["type"]
    if expected == "null":
        return [] if value is None else [f"{where}: {value!r} is not null"]
    if isinstance(value, bool) and expected in ("integer", "number"):
        return [f"{where}: {value!r} is not {expected}"]
    if not isinstance(value, TYPES[expected]):
        return [f"{where}: {value!r} is not {expected}"]
    if expected == "string" and schema.get("format") == "date-time":
        try:
            moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return [f"{where}: {value!r} is not an ISO 8601 time"]
        if moment.tzinfo is None:
            return [f"{where}: {value!r} has no offset"]
    return []


def openapi_errors(
    document: dict[str, Any], schema: dict[str, Any], value: Any, where: str = "$"
) -> list[str]:
    """What in `value` the schema (from the document) does not allow; empty when all is well."""
    schema = _resolve(document, schema)
    if "anyOf" in schema:
        options = [openapi_errors(document, s, value, where) for s in schema["anyOf"]]
        if any(not errors for errors in options):
            return []
        return [f"{where}: matches none of anyOf"] + [e for errors in options for e in errors]
    errors = [e for s in schema.get("allOf", []) for e in openapi_errors(document, s, value, where)]
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{where}: {value!r} not in {schema['enum']}")
    if "type" in schema:
        errors += _type_errors(schema, value, where)
        if errors:
            return errors
    if isinstance(value, dict) and "properties" in schema:
        properties = schema["properties"]
        errors += [f"{where}.{k}: missing" for k in schema.get("required", []) if k not in value]
        errors += [f"{where}.{k}: not in the document" for k in value if k not in properties]
        for key, item in value.items():
            if key in properties:
                errors += openapi_errors(document, properties[key], item, f"{where}.{key}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            errors += openapi_errors(document, schema["items"], item, f"{where}[{i}]")
    return errors
