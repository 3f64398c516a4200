"""Which notifications each change causes: the one table that decides.

Called from inside the services' transactions (record_event, feedback_receive): the
outbox rows commit with the change or not at all.

Customer emails about a case go to a verified customer (Case.customer_verified) and
to the addresses confirmed for one of its pieces of feedback (updates.py): an email
typed into a public form is a claim, so that address gets the receipt for what it
just submitted (with its tracking link, which follows the case, and a link to
confirm the address; within the address's allowance, listening.ratelimit), with no
text of the sender's but the reference and a plain short name (lib/names.py), and no
case updates until it is confirmed. Nothing is emailed to the customer about what
the customer did.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model

from vocloop.accounts import roles
from vocloop.accounts.people import display_name
from vocloop.cases.models import CaseEvent
from vocloop.cases.representation import case_event_json, case_json, moment_json, staff_case_url
from vocloop.lib.names import plain_name
from vocloop.listening.links import tracking_url
from vocloop.listening.models import Feedback
from vocloop.listening.ratelimit import (
    ADDRESS_SENDS,
    ADDRESS_WINDOW_SECONDS,
    address_send_allowed,
)
from vocloop.notifications.emails import email_enqueue
from vocloop.notifications.memo import remembered
from vocloop.notifications.updates import (
    case_update_recipients,
    link_context,
    updates_subscription_pending,
)
from vocloop.notifications.webhooks import webhook_enqueue

logger = logging.getLogger(__name__)

Kind = CaseEvent.Kind
ESCALATED = "escalated"  # added by the escalation work; recipients in data["notified"]


@dataclass(frozen=True)
class Rule:
    webhook: str
    customer_email: str | None = None
    staff_email: str | None = None


UPDATED = Rule("case.updated")
RULES: dict[str, Rule] = {
    Kind.OPENED: Rule("case.opened"),
    # Part of the opening: the receipt already names the team.
    Kind.ASSIGNED_TEAM: UPDATED,
    Kind.FEEDBACK_ATTACHED: Rule("case.updated", staff_email="staff_customer_message"),
    Kind.ASSIGNED: Rule("case.updated", staff_email="staff_assigned"),
    Kind.ACKNOWLEDGED: UPDATED,
    Kind.PUBLIC_REPLY: Rule("case.updated", customer_email="customer_reply"),
    Kind.INTERNAL_NOTE: UPDATED,
    Kind.CUSTOMER_MESSAGE: Rule("case.updated", staff_email="staff_customer_message"),
    Kind.SEVERITY_CHANGED: UPDATED,
    Kind.STATUS_CHANGED: UPDATED,
    Kind.RESOLVED: Rule("case.resolved", customer_email="customer_resolved"),
    Kind.REOPENED: Rule(
        "case.reopened",
        customer_email="customer_reopened",
        staff_email="staff_customer_reopened",
    ),
    Kind.CLOSED: UPDATED,
    Kind.SATISFACTION: UPDATED,
    ESCALATED: Rule("case.escalated", staff_email="staff_escalated"),
}


# Entries that notify nobody: a reveal is for the case's own record (who saw what,
# when); a webhook would tell integrations the case changed when nothing did.
UNNOTIFIED = frozenset({Kind.ORIGINAL_REVEALED})


def announced(event: CaseEvent) -> bool:
    """Whether an entry is told to anyone: by email, webhook or chat.

    An escalation of a breach that fell due long ago (cases.escalation, data["late"])
    is on the record only: a worker started on old data would otherwise post
    hundreds of months-old escalations to the teams' chat.
    """
    if event.kind in UNNOTIFIED:
        return False
    return not (event.kind == ESCALATED and event.data.get("late"))


def _active_with_email(users: Any) -> list[Any]:
    return [u for u in users if u is not None and u.is_active and u.email]


def _assignee(event: CaseEvent) -> list[Any]:
    return _active_with_email([event.case.assignee])


def _assignee_else_lead(event: CaseEvent) -> list[Any]:
    """The assignee while they still work in the case's team; otherwise its lead."""
    case = event.case
    assignee = case.assignee
    if assignee is not None and case.team_id in roles.team_ids_of(assignee):
        return _active_with_email([assignee])
    return _active_with_email([case.team.lead])


def _reopened_by_the_customer(event: CaseEvent) -> list[Any]:
    """A customer's "not satisfied" is news to the team; a colleague's reopening is not."""
    if event.actor_kind != CaseEvent.Actor.CUSTOMER:
        return []
    return _assignee_else_lead(event)


def _notified(event: CaseEvent) -> list[Any]:
    ids = tuple(i for i in event.data.get("notified", []) if isinstance(i, int))
    return remembered(
        ("notified", ids),
        lambda: _active_with_email(get_user_model().objects.filter(pk__in=ids).order_by("pk")),
    )


STAFF_RECIPIENTS: dict[str, Callable[[CaseEvent], list[Any]]] = {
    "staff_assigned": _assignee,
    "staff_customer_message": _assignee_else_lead,
    "staff_customer_reopened": _reopened_by_the_customer,
    "staff_escalated": _notified,
}


def notify_case_event(event: CaseEvent) -> None:
    """Queue the webhooks and emails an entry on a case's timeline causes."""
    if not announced(event):
        return
    rule = RULES.get(event.kind, UPDATED)
    case = event.case
    change = case_event_json(event, private=False)
    webhook_enqueue(
        event=rule.webhook,
        payload=lambda: {
            "event": rule.webhook,
            "id": f"case-event-{event.pk}",
            "occurred_at": moment_json(event.created_at),
            "data": {"case": case_json(case, private=False), "change": change},
        },
        chat_text=f"Case {case.reference} ({case.team.name}, {case.touchpoint.name}): "
        + change["summary"],
    )
    cause = f"case-event:{event.pk}"
    context = {
        "case": case,
        "event": event,
        "team": case.team.name,
        "reference": case.reference,
        "staff_url": staff_case_url(case.reference),
        "actor": event.actor_label,
    }
    if rule.staff_email:
        for user in STAFF_RECIPIENTS[rule.staff_email](event):
            if user.pk == event.actor_id:
                continue  # nobody needs telling what they just did
            email_enqueue(
                kind=rule.staff_email,
                to=user.email,
                cause=cause,
                context={**context, "recipient_name": display_name(user)},
            )
    if rule.customer_email and event.actor_kind != CaseEvent.Actor.CUSTOMER:
        for recipient in case_update_recipients(case):
            email_enqueue(
                kind=rule.customer_email,
                to=recipient.email,
                cause=cause,
                context={
                    **context,
                    "customer_name": recipient.name,
                    "tracking_url": tracking_url(recipient.feedback),
                },
            )


def notify_feedback_received(feedback: Feedback) -> None:
    """Queue the feedback.received webhooks and the customer's receipt."""
    case = feedback.case
    webhook_enqueue(
        event="feedback.received",
        payload=lambda: {
            "event": "feedback.received",
            "id": f"feedback-{feedback.pk}",
            "occurred_at": moment_json(feedback.received_at),
            "data": {
                "feedback": {
                    "reference": feedback.reference,
                    "kind": feedback.kind,
                    "channel": feedback.channel,
                    "score_type": feedback.score_type,
                    "score": feedback.score,
                    "comment": feedback.comment,
                    "touchpoint": {
                        "slug": feedback.touchpoint.slug,
                        "name": feedback.touchpoint.name,
                    },
                    "case": case.reference if case else None,
                }
            },
        },
        chat_text=f"Feedback {feedback.reference} at {feedback.touchpoint.name}"
        + (f" (score {feedback.score})" if feedback.score is not None else "")
        + (f", case {case.reference}" if case else ""),
    )
    customer = feedback.customer
    if customer is None or not customer.email:
        return
    # Sent even when the address is only claimed: it tells that address no more than
    # what was just submitted in its name, and asks its owner to confirm the address
    # before it hears anything more.
    confirming: dict[str, Any] = {}
    if not feedback.customer_verified:
        # Anyone can type any address into the public forms, from as many clients as
        # they hold: a receipt with its confirmation link counts against the address's
        # allowance as a link asked for on a tracking page does.
        if not address_send_allowed(customer.email):
            logger.info(
                "Feedback %s taken in, its receipt not emailed: the address typed with it "
                "has had %d emails from the public pages within %d minutes. The customer "
                "saw the reference and tracking link on the page.",
                feedback.reference,
                ADDRESS_SENDS,
                ADDRESS_WINDOW_SECONDS // 60,
            )
            return
        pending = updates_subscription_pending(feedback=feedback, email=customer.email)
        if pending is not None:
            confirming = link_context(pending)
    context: dict[str, Any] = {
        # The receipt acknowledges a complaint as one (ISO 10002), not as "feedback".
        "kind": feedback.kind,
        "reference": feedback.reference,
        "tracking_url": tracking_url(feedback),
        "team": case.team.name if case else "",
        **confirming,
    }
    if feedback.customer_verified:
        context |= {"feedback": feedback, "case": case, "customer_name": customer.name}
    else:
        # Whoever typed the address wrote the rest too: the address's owner, who has
        # confirmed nothing, gets none of it, whatever an edited template asks for:
        # no comment, no case, a name only when it is a plain short one.
        context |= {"case": case is not None, "customer_name": plain_name(customer.name)}
    email_enqueue(
        kind="customer_receipt", to=customer.email, cause=f"feedback:{feedback.pk}", context=context
    )
