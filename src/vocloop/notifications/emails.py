"""Rendering emails from their templates (the editable EmailTemplate, else the default files)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template import TemplateSyntaxError, engines

from vocloop.notifications.memo import remembered
from vocloop.notifications.models import EmailTemplate, Unsubscribe
from vocloop.notifications.outbox import Channel, outbox_enqueue
from vocloop.notifications.unsubscribe import unsubscribe_url

logger = logging.getLogger(__name__)

DEFAULTS_DIR = Path(__file__).resolve().parent / "templates" / "notifications" / "email"

KINDS = {
    "customer_receipt": "To the customer: we received your feedback ({{ kind }}: complaint, "
    "feedback or survey; to an address typed into a public form, {{ confirm_url }} confirms "
    "it for the case's updates)",
    "customer_confirm_updates": "To an address asked for on a tracking page: confirm it to get "
    "the case's updates",
    "customer_reply": "To the customer: a reply on their case",
    "customer_resolved": "To the customer: case resolved, are you satisfied?",
    "customer_reopened": "To the customer: case reopened",
    "staff_assigned": "To staff: a case was assigned to you",
    "staff_customer_message": "To the assignee (else the team lead): the customer wrote again",
    "staff_customer_reopened": "To the assignee (else the team lead): the customer is not "
    "satisfied and reopened the case",
    "staff_escalated": "To the people notified of an escalation",
    "staff_digest": "To staff, daily: their cases due or breached, their objectives at risk or "
    "due for review, their improvement actions overdue or checked",
    "staff_action_checked": "To an improvement action's owner: its check has concluded",
    "customer_action_standardised": "To each customer of a case linked to an improvement "
    "action, once, when it is standardised: what changed because of what they said",
}


def default_sources(kind: str) -> tuple[str, str, str]:
    """Subject, plain text and HTML as shipped with vocloop (also what the migration seeds)."""
    return (
        (DEFAULTS_DIR / f"{kind}.subject.txt").read_text().strip(),
        (DEFAULTS_DIR / f"{kind}.txt").read_text(),
        (DEFAULTS_DIR / f"{kind}.html").read_text(),
    )


def compile_sources(subject: str, body_text: str, body_html: str) -> list[Any]:
    """The three templates compiled; TemplateSyntaxError when one does not parse."""
    engine = engines["django"]
    plain = "{% autoescape off %}{}{% endautoescape %}"
    return [
        engine.from_string(plain.replace("{}", subject)),
        engine.from_string(plain.replace("{}", body_text)),
        engine.from_string(body_html),  # autoescaped: customer text cannot inject markup
    ]


def render_email(kind: str, context: dict[str, Any]) -> tuple[str, str, str]:
    context = {"organisation_name": settings.ORGANISATION_NAME, **context}
    compiled = remembered(("email template", kind), lambda: _compiled(kind))
    try:
        subject, text, html = (t.render(context) for t in compiled)
    except Exception:
        # An edited template can parse and still fail when rendered (an include that
        # does not exist, say). That must not stop the case change that sends the
        # email, nor every sweep after it: the default wording goes out instead.
        logger.exception("Email template %s failed to render; using the default", kind)
        defaults = compile_sources(*default_sources(kind))
        subject, text, html = (t.render(context) for t in defaults)
    return " ".join(subject.split())[:300], text.strip() + "\n", html


def _compiled(kind: str) -> list[Any]:
    stored = EmailTemplate.objects.filter(kind=kind).first()
    compiled = None
    if stored is not None:
        try:
            compiled = compile_sources(stored.subject, stored.body_text, stored.body_html)
        except TemplateSyntaxError:
            # The settings area refuses such a template; one that slipped in must not
            # stop the case change that sends the email.
            logger.exception("Email template %s does not parse; using the default", kind)
    if compiled is None:
        compiled = compile_sources(*default_sources(kind))
    return compiled


def email_dedup_key(cause: str, to: str) -> str:
    """The outbox key of the email for this cause to this address: one each, however often
    it is queued."""
    return f"{cause}:email:{to.strip().lower()}"


def email_enqueue(
    *,
    kind: str,
    to: str,
    cause: str,
    context: dict[str, Any],
    survey: bool = False,
) -> None:
    """Queue the email of this kind to one address; the dedup key is the cause and the address.

    survey=True marks an invitation to answer a survey: it is not sent to an address
    that unsubscribed, and carries one-click List-Unsubscribe headers. Nothing about
    a customer's own case is a survey.
    """
    to = to.strip()
    if not to:
        return
    headers: dict[str, str] = {}
    if survey:
        if Unsubscribe.objects.filter(email__iexact=to).exists():
            return
        link = unsubscribe_url(to)
        context = {**context, "unsubscribe_url": link}
        headers = {
            "List-Unsubscribe": f"<{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    subject, text, html = render_email(kind, context)
    outbox_enqueue(
        channel=Channel.EMAIL,
        recipient=to,
        kind=kind,
        dedup_key=email_dedup_key(cause, to),
        subject=subject,
        body_text=text,
        body_html=html,
        headers=headers,
    )
