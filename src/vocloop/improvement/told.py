"""Telling the customers: when an action is standardised, each customer whose case it
addresses hears what changed because of what they said.

One email per address and action, through the outbox, to those who get the case's
updates (notifications.updates.case_update_recipients: the known customer unless
they stopped them, and every address confirmed from one of the case's tracking
links); a claimed, unconfirmed address hears nothing. Each link records when its
customer was told, so that telling again tells nobody twice.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from vocloop.improvement.models import Action
from vocloop.improvement.published import published, standardised_on
from vocloop.lib.moments import day_written
from vocloop.listening.links import tracking_url
from vocloop.notifications.emails import email_enqueue
from vocloop.notifications.updates import case_update_recipients

KIND = "customer_action_standardised"


@transaction.atomic
def action_customers_tell(*, action: Action) -> int:
    """Email the customers of the action's linked cases not told yet; how many emails."""
    if action.outcome != Action.Outcome.STANDARDISED:
        return 0
    shown = published(action)
    when = day_written(standardised_on(action))
    public_url = settings.BASE_URL + reverse("public:you_said_we_did")
    now = timezone.now()
    sent: set[str] = set()
    links = (
        action.case_links.filter(customer_told_at__isnull=True)
        .select_related("case__customer")
        .select_for_update(of=("self",))
        .order_by("case__opened_at", "case_id")
    )
    for link in links:
        recipients = case_update_recipients(link.case)
        if not recipients:
            continue  # nobody to tell: the link is left as not told
        for recipient in recipients:
            address = recipient.email.strip().lower()
            if address in sent:
                continue  # one email per customer, however many of their cases it addresses
            sent.add(address)
            email_enqueue(
                kind=KIND,
                to=recipient.email,
                cause=f"action-{action.pk}-standardised",
                context={
                    "customer_name": recipient.name,
                    "reference": recipient.feedback.reference,
                    "tracking_url": tracking_url(recipient.feedback),
                    "problem": shown.problem,
                    "change": shown.change,
                    "result": shown.result,
                    "standardised_on": when,
                    "public_url": public_url if action.public else "",
                },
            )
        link.customer_told_at = now
        link.save(update_fields=["customer_told_at"])
    return len(sent)
