"""Everything vocloop holds about one customer, as JSON (GDPR art. 15): the one shape.

The shape (EXPORT_VERSION 1; times are ISO 8601 in UTC, "…Z"; a field is null when
unknown, a list empty when there is none):

- `format` ("vocloop customer export"), `version`, `exported_at`;
- `customer`: id, external_id, name, email, industry, size, region, created_at,
  erased_at;
- `feedback`: each piece, oldest first: reference, kind, channel, touchpoint
  {slug, name}, survey, score_type, score, comment (as stored: personal data masked),
  comment_as_written (the unmasked original, while one is kept; full export only),
  occurred_at, received_at, customer_verified, case (its reference), tracking_url
  (null once their data is erased), source_id (its id where it was imported from),
  reading {sentiment, themes}, erased_at (when the comment was emptied: erased with
  their data, or removed after its retention, vocloop.retention);
- `cases`: each case, oldest first: reference, status, severity, team, touchpoint,
  opened_at, acknowledged_at, resolved_at, closed_at, customer_satisfied, and its
  `timeline`: the entries the customer sees on the tracking page {at, title, body,
  from_customer};
- `messages`: the case messages to and from the customer, oldest first {case, at,
  direction ("from_customer" or "to_customer"), kind, body, body_as_written (full
  export only, while kept)};
- `emails`: the emails vocloop sent or is to send to the customer's addresses {kind,
  to, subject, status, created_at, sent_at};
- `consents`: `unsubscribed` {email, at} and `updates` (addresses following a piece
  of feedback's case: {feedback, email, requested_at, confirmed_at, stopped_at});
- `identity_claims`: feedback given in the customer's name with an address typed into
  a public form, which nobody confirmed {feedback, at};
- `erasures`: when their data was erased {at} (who did is on record, not here).

With a staff member's scope, only the feedback and cases they may see, without the
unmasked originals, the emails or the consents: the staff page (customers.views).
"""

from __future__ import annotations

from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Q
from django.utils import timezone

from vocloop.accounts.scope import CaseScope, feedback_visible
from vocloop.cases.models import Case, CaseEvent
from vocloop.cases.representation import moment_json
from vocloop.cases.timeline import public_timeline
from vocloop.customers.erasure.reach import reach_of
from vocloop.customers.models import Customer, Erasure
from vocloop.insights.models import OriginalComment
from vocloop.listening.links import tracking_url
from vocloop.listening.models import Feedback
from vocloop.notifications.models import OutboxMessage, Unsubscribe, UpdatesSubscription

EXPORT_FORMAT = "vocloop customer export"
EXPORT_VERSION = 1

# The timeline entries that are messages, and which way they went.
MESSAGES: dict[str, str] = {
    CaseEvent.Kind.CUSTOMER_MESSAGE: "from_customer",
    CaseEvent.Kind.SATISFACTION: "from_customer",
    CaseEvent.Kind.PUBLIC_REPLY: "to_customer",
    CaseEvent.Kind.RESOLVED: "to_customer",
}


def customer_export(customer: Customer, *, scope: CaseScope | None = None) -> dict[str, Any]:
    """The customer's data in the shape above; everything unless a staff `scope` is given."""
    full = scope is None
    reach = reach_of(customer)
    feedback = reach.feedback
    cases = reach.cases
    if scope is not None:
        feedback = feedback.filter(feedback_visible(scope))
        cases = cases.filter(scope.within())
    feedback = feedback.select_related("touchpoint", "survey", "case", "text").prefetch_related(
        "themes__theme"
    )
    originals = (
        dict(
            OriginalComment.objects.filter(feedback__in=feedback).values_list("feedback_id", "text")
        )
        if full
        else {}
    )
    cases = cases.select_related("team", "touchpoint").order_by("opened_at", "pk")
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": moment_json(timezone.now()),
        "customer": _customer(customer),
        "feedback": [
            _feedback(f, originals.get(f.pk), tracked=customer.erased_at is None)
            for f in feedback.order_by("received_at")
        ],
        "cases": [_case(c) for c in cases],
        "messages": _messages(cases, full=full),
        "emails": _emails(reach.emails) if full else [],
        "consents": (
            _consents(reach.emails, feedback) if full else {"unsubscribed": [], "updates": []}
        ),
        "identity_claims": [
            {"feedback": f.reference, "at": moment_json(f.received_at)}
            for f in feedback.filter(customer_verified=False).order_by("received_at")
        ],
        "erasures": [
            {"at": moment_json(at)}
            for at in Erasure.objects.filter(customer_number=customer.pk)
            .order_by("erased_at")
            .values_list("erased_at", flat=True)
        ],
    }


def _customer(customer: Customer) -> dict[str, Any]:
    return {
        "id": customer.pk,
        "external_id": customer.external_id,
        "name": customer.name,
        "email": customer.email,
        "industry": customer.industry,
        "size": customer.size,
        "region": customer.region,
        "created_at": moment_json(customer.created_at),
        "erased_at": moment_json(customer.erased_at),
    }


def _feedback(feedback: Feedback, original: str | None, *, tracked: bool) -> dict[str, Any]:
    text = getattr(feedback, "text", None) if feedback.comment else None
    shown: dict[str, Any] = {
        "reference": feedback.reference,
        "kind": feedback.kind,
        "channel": feedback.channel,
        "touchpoint": {"slug": feedback.touchpoint.slug, "name": feedback.touchpoint.name},
        "survey": feedback.survey.name if feedback.survey else None,
        "score_type": feedback.score_type,
        "score": feedback.score,
        "comment": feedback.comment,
    }
    if original is not None:
        shown["comment_as_written"] = original
    return shown | {
        "occurred_at": moment_json(feedback.occurred_at),
        "received_at": moment_json(feedback.received_at),
        "customer_verified": feedback.customer_verified,
        "case": feedback.case.reference if feedback.case else None,
        "tracking_url": tracking_url(feedback) if tracked else None,
        "source_id": feedback.source_id,
        "reading": {
            "sentiment": text.sentiment if text else None,
            "themes": sorted(link.theme.name for link in feedback.themes.all()),
        },
        "erased_at": moment_json(feedback.erased_at),
    }


def _case(case: Case) -> dict[str, Any]:
    return {
        "reference": case.reference,
        "status": case.status,
        "severity": case.severity,
        "team": case.team.name,
        "touchpoint": {"slug": case.touchpoint.slug, "name": case.touchpoint.name},
        "opened_at": moment_json(case.opened_at),
        "acknowledged_at": moment_json(case.acknowledged_at),
        "resolved_at": moment_json(case.resolved_at),
        "closed_at": moment_json(case.closed_at),
        "customer_satisfied": case.customer_satisfied,
        "timeline": [
            {
                "at": moment_json(entry.at),
                "title": entry.title,
                "body": entry.body,
                "from_customer": entry.from_customer,
            }
            for entry in public_timeline(case)
        ],
    }


def _messages(cases: Any, *, full: bool) -> list[dict[str, Any]]:
    events = (
        CaseEvent.objects.filter(case__in=cases, public=True, kind__in=list(MESSAGES))
        .exclude(body="")
        .select_related(*(["case", "original"] if full else ["case"]))
        .order_by("created_at", "pk")
    )
    found = []
    for event in events:
        message = {
            "case": event.case.reference,
            "at": moment_json(event.created_at),
            "direction": MESSAGES[event.kind],
            "kind": event.kind,
            "body": event.body,
        }
        original = getattr(event, "original", None) if full else None
        if original is not None:
            message["body_as_written"] = original.text
        found.append(message)
    return found


def _emails(addresses: frozenset[str]) -> list[dict[str, Any]]:
    if not addresses:
        return []
    to_them = reduce(or_, (Q(recipient__iexact=a) for a in addresses))
    emails = OutboxMessage.objects.filter(to_them, channel=OutboxMessage.Channel.EMAIL)
    return [
        {
            "kind": m.kind,
            "to": m.recipient,
            "subject": m.subject,
            "status": m.status,
            "created_at": moment_json(m.created_at),
            "sent_at": moment_json(m.sent_at),
        }
        for m in emails.order_by("created_at", "pk")
    ]


def _consents(addresses: frozenset[str], feedback: Any) -> dict[str, Any]:
    unsubscribed = (
        Unsubscribe.objects.filter(reduce(or_, (Q(email__iexact=a) for a in addresses)))
        if addresses
        else Unsubscribe.objects.none()
    )
    updates = UpdatesSubscription.objects.filter(feedback__in=feedback).select_related("feedback")
    return {
        "unsubscribed": [{"email": u.email, "at": moment_json(u.created_at)} for u in unsubscribed],
        "updates": [
            {
                "feedback": s.feedback.reference,
                "email": s.email,
                "requested_at": moment_json(s.requested_at),
                "confirmed_at": moment_json(s.confirmed_at),
                "stopped_at": moment_json(s.stopped_at),
            }
            for s in updates.order_by("requested_at", "pk")
        ],
    }
