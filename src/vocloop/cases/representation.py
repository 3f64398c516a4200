"""A case and an entry of its timeline as JSON: the one shape the API answers and webhooks carry.

The API documents the shape (api/schemas.py: CaseOut, CaseEventOut, in the OpenAPI
document at /api/v1/openapi.json); a webhook embeds the same objects as
`data.case` and `data.change`. Values are ready for JSON: times are ISO 8601 in UTC
(to the millisecond, "…Z"), choices are their stored names, related rows are slugs or usernames.

Texts are the stored ones, masked on arrival (text.masking): the originals kept for
the case's own people (cases/originals.py) never leave through here. `private` says
whether the reader may see what is for staff only: the customer's name and email
and the text of entries the customer does not read (an internal note, the reason
given for an escalation). An API token is given to an integration by an
administrator, so the API's answers are private; a webhook may be posted to a chat
channel read more widely than the case, so it is not. The shape does not change:
what a reader may not see is null.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse

from vocloop.cases.models import Case, CaseEvent
from vocloop.cases.wording import BODY_SHOWN_TO_CUSTOMER
from vocloop.listening.models import Feedback

_ENCODER = DjangoJSONEncoder()


def moment_json(moment: dt.datetime | None) -> str | None:
    """A time as the API has always written it: ISO 8601 in UTC to the millisecond, with "Z".

    The API's answers are written by Django's JSON encoder (django-ninja's renderer):
    the same encoder here, so that a time reads alike in both.
    """
    if moment is None:
        return None
    # Cut to the millisecond first: the encoder drops a fraction only when the
    # microseconds are 0, so 18:01:18.000345 would read ".000Z" here but "Z" once the
    # API has parsed the string back into its schema's datetime and written it again.
    whole_milliseconds = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
    return str(_ENCODER.default(whole_milliseconds.astimezone(dt.UTC)))


def staff_case_url(reference: str) -> str:
    """The case's page for staff, as an absolute URL."""
    return settings.BASE_URL + reverse("cases:detail", args=[reference])


def case_json(case: Case, *, private: bool) -> dict[str, Any]:
    """The case, without its feedback and timeline.

    Reads the case's team, touch point, assignee, customer, root cause and SLA
    policy: load them with the case (select_related) when reading many.
    """
    customer = case.customer
    policy = case.sla_policy
    return {
        "reference": case.reference,
        "url": staff_case_url(case.reference),
        "status": case.status,
        "severity": case.severity,
        "team": {"slug": case.team.slug, "name": case.team.name},
        "touchpoint": {"slug": case.touchpoint.slug, "name": case.touchpoint.name},
        "assignee": case.assignee.get_username() if case.assignee else None,
        "customer": (
            {
                "external_id": customer.external_id,
                "name": customer.name if private else None,
                "email": customer.email if private else None,
            }
            if customer
            else None
        ),
        "opened_at": moment_json(case.opened_at),
        "acknowledged_at": moment_json(case.acknowledged_at),
        "resolved_at": moment_json(case.resolved_at),
        "closed_at": moment_json(case.closed_at),
        "updated_at": moment_json(case.updated_at),
        "sla": {
            "policy": policy.name if policy else None,
            "acknowledge_by": moment_json(case.acknowledge_by),
            "resolve_by": moment_json(case.resolve_by),
            "acknowledged_within_sla": case.acknowledged_within_sla,
            "resolved_within_sla": case.resolved_within_sla,
        },
        "resolution": case.resolution,
        "root_cause": case.root_cause.slug if case.root_cause else None,
        "customer_satisfied": case.customer_satisfied,
        "reopen_count": case.reopen_count,
    }


def case_event_json(event: CaseEvent, *, private: bool) -> dict[str, Any]:
    """One entry of a case's timeline.

    `summary` is what the customer reads for the entry (its kind, for an entry the
    customer does not see); `body` the text written with it, which a reader who is
    not private gets only where the customer reads it too (wording.BODY_SHOWN_TO_CUSTOMER).
    """
    shown = private or (event.public and event.kind in BODY_SHOWN_TO_CUSTOMER)
    return {
        "kind": event.kind,
        "public": event.public,
        "actor": event.actor_label,
        "summary": event.public_text or event.get_kind_display(),
        "body": event.body if shown else None,
        "created_at": moment_json(event.created_at),
    }


def _reading(feedback: Feedback) -> dict[str, Any]:
    """How vocloop read the comment: nothing yet until the worker has read it."""
    text = getattr(feedback, "text", None) if feedback.comment else None
    if text is None:
        return {"sentiment": None, "sentiment_score": None, "themes": []}
    return {
        "sentiment": text.sentiment,
        "sentiment_score": text.sentiment_score,
        "themes": sorted(link.theme.slug for link in feedback.themes.all()),
    }


def case_feedback_json(feedback: Feedback) -> dict[str, Any]:
    """A piece of the case's feedback with how vocloop read its (masked) comment."""
    return {
        "reference": feedback.reference,
        "score_type": feedback.score_type,
        "score": feedback.score,
        "comment": feedback.comment,
        "channel": feedback.channel,
        "occurred_at": moment_json(feedback.occurred_at),
        **_reading(feedback),
    }


def case_detail_json(case: Case) -> dict[str, Any]:
    """The case with its feedback and whole timeline, for staff (the API's case read).

    For a case read by selectors.case_history, which loads all of it in a few queries.
    """
    return {
        **case_json(case, private=True),
        "feedback": [case_feedback_json(f) for f in case.feedback.all()],
        "events": [case_event_json(e, private=True) for e in case.events.all()],
    }
