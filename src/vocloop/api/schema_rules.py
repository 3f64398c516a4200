"""What the OpenAPI document says beyond each field's type: what each kind of event
needs, and the text a field refuses, so that a client generated from it, or a request
built from it, is one the server accepts.

The handlers enforce these rules (with a sentence naming the field); the schemas carry
them as JSON Schema through `json_schema_extra`. tests/test_api_schema_rules.py sends
a request made from each branch below and expects it taken.
"""

from __future__ import annotations

from typing import Any

# Text with something in it: the handlers refuse an empty or blank one.
TEXT: dict[str, Any] = {"type": "string", "minLength": 1, "pattern": r"\S"}
SLUG: dict[str, Any] = {"type": "string", "minLength": 1}


def when(field: str, values: list[Any], **needs: dict[str, Any]) -> dict[str, Any]:
    """A oneOf branch: when `field` is one of `values`, the fields in `needs` are required."""
    value = {"const": values[0]} if len(values) == 1 else {"enum": values}
    return {
        "title": f"{field} {' or '.join(map(str, values))}",
        "properties": {field: value, **needs},
        "required": [field, *needs],
    }


def kinds(*branches: dict[str, Any]) -> dict[str, Any]:
    """json_schema_extra for an input whose `kind` decides what else it needs."""
    return {"oneOf": list(branches)}


CASE_EVENT_KINDS = kinds(
    when("kind", ["public_reply"], body=TEXT),
    when("kind", ["internal_note"], body=TEXT),
    {
        **when("kind", ["status_change"], status={"type": "string"}),
        "oneOf": [
            when("status", ["acknowledged", "waiting_on_customer"]),
            when("status", ["resolved"], resolution=TEXT, root_cause=SLUG),
            when("status", ["reopened", "open"], body=TEXT),
        ],
    },
    when("kind", ["assignment"]),
    when("kind", ["severity_change"], severity={"type": "string"}),
)

ACTION_EVENT_KINDS = kinds(
    when("kind", ["advance"]),
    # The reason is needed unless the check found the change effective: the action's
    # state, which no schema knows; when given, it is twenty characters or more.
    {
        **when("kind", ["close"]),
        "properties": {
            "kind": {"const": "close"},
            "reason": {"anyOf": [{"type": "null"}, {"type": "string", "minLength": 20}]},
        },
    },
    when("kind", ["task"], title=TEXT),
    when("kind", ["task_done"], task={"type": "integer"}),
    when("kind", ["link_cases"], cases={"type": "array", "items": SLUG}),
    when("kind", ["follow_up"]),
    when("kind", ["reply_all"], body=TEXT),
    when("kind", ["resolve_all"], resolution=TEXT, root_cause=SLUG),
)


def score_rules(ranges: dict[str, tuple[int, int]]) -> dict[str, Any]:
    """Feedback: a score with its type and in its range, or a comment without one."""
    scored = [
        when("score_type", [name], score={"type": "integer", "minimum": low, "maximum": high})
        for name, (low, high) in ranges.items()
    ]
    unscored = {
        "title": "a comment without a score",
        "properties": {"score_type": {"type": "null"}, "score": {"type": "null"}, "comment": TEXT},
        "required": ["comment"],
    }
    return {"oneOf": [*scored, unscored]}
