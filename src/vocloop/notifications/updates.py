"""Keeping customers informed by email at an address they proved: ask, confirm, stop.

An address typed into a public form or on a tracking page is only a claim: anyone
can type anyone's address. So the address gets a confirmation link (signed for this
purpose alone, good for one use and LINK_LIFETIME), and only once its owner follows
it does it hear of the case: the replies, the resolution with its "are you
satisfied?" question and a reopening, as a known customer does. It follows the case
of the feedback whose tracking link it came from and nothing else: the address joins
no other case and no customer record.

The confirmation itself is a POST from the page the link opens, never the GET: mail
scanners fetch the links in an email before anyone reads it.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from vocloop.cases.models import Case
from vocloop.listening.models import Feedback
from vocloop.notifications.emails import email_enqueue
from vocloop.notifications.models import UpdatesSubscription

SALT = "vocloop.notifications.updates-confirm"
LINK_LIFETIME = dt.timedelta(days=7)


class UpdatesLinkRefused(ValueError):
    """A confirmation link that confirms nothing; the message tells the customer why."""

    def __init__(self, message: str, *, status: int):
        super().__init__(message)
        self.status = status


# --- Links ----------------------------------------------------------------------------------


def confirm_token(subscription: UpdatesSubscription) -> str:
    issued = int(timezone.now().timestamp())
    payload = {"s": subscription.pk, "n": subscription.nonce, "t": issued}
    return signing.Signer(salt=SALT).sign_object(payload, compress=True)


def confirm_url(subscription: UpdatesSubscription) -> str:
    path = reverse("notifications:updates_confirm", args=[confirm_token(subscription)])
    return settings.BASE_URL + path


def link_context(subscription: UpdatesSubscription) -> dict[str, Any]:
    """What an email carrying a confirmation link needs to say about it."""
    return {"confirm_url": confirm_url(subscription), "confirm_days": LINK_LIFETIME.days}


def _payload(token: str) -> tuple[int, str, int]:
    refused = UpdatesLinkRefused(
        "This confirmation link is not one we sent. Please copy the whole link from the "
        "email, or ask for a new one on your tracking page.",
        status=404,
    )
    try:
        payload = signing.Signer(salt=SALT).unsign_object(token)
    except signing.BadSignature:
        raise refused from None
    if not isinstance(payload, dict):
        raise refused
    pk, nonce, issued = payload.get("s"), payload.get("n"), payload.get("t")
    if not (isinstance(pk, int) and isinstance(nonce, str) and nonce and isinstance(issued, int)):
        raise refused
    return pk, nonce, issued


def updates_link_subscription(token: str, *, for_update: bool = False) -> UpdatesSubscription:
    """The subscription a confirmation link confirms; UpdatesLinkRefused when it confirms nothing.

    A link already used for a subscription that stands is answered with that
    subscription (the page then says it is confirmed): a customer who clicks twice has
    done nothing wrong.
    """
    pk, nonce, issued = _payload(token)
    rows = UpdatesSubscription.objects.select_related("feedback")
    if for_update:
        rows = rows.select_for_update(of=("self",))
    subscription = rows.filter(pk=pk).first()
    if subscription is None:
        raise UpdatesLinkRefused(
            "This confirmation link is no longer valid: what it was for has been removed.",
            status=410,
        )
    if subscription.nonce == nonce:
        if timezone.now() - dt.datetime.fromtimestamp(issued, dt.UTC) > LINK_LIFETIME:
            raise UpdatesLinkRefused(
                f"This confirmation link has expired: it works for {LINK_LIFETIME.days} days. "
                "Ask for a new one on your tracking page.",
                status=410,
            )
        return subscription
    if subscription.active:
        return subscription
    raise UpdatesLinkRefused(
        "This confirmation link is no longer valid: a newer one was sent, or the emails were "
        "stopped. Ask for a new one on your tracking page.",
        status=410,
    )


# --- Asking, confirming, stopping -----------------------------------------------------------


def _subscription_for(feedback: Feedback, email: str) -> UpdatesSubscription:
    """The row of this address for this feedback, locked; created when there is none."""
    rows = UpdatesSubscription.objects.select_for_update()
    found = rows.filter(feedback=feedback, email__iexact=email).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return UpdatesSubscription.objects.create(feedback=feedback, email=email)
    except IntegrityError:  # asked twice at the same moment: the other request made it
        return rows.get(feedback=feedback, email__iexact=email)


@transaction.atomic
def updates_subscription_pending(*, feedback: Feedback, email: str) -> UpdatesSubscription | None:
    """A fresh confirmation link for this address and feedback; None when it gets the updates.

    Every new link withdraws the one before: call this only for a link that is sent.
    """
    subscription = _subscription_for(feedback, email.strip())
    if subscription.active:
        return None
    subscription.nonce = secrets.token_urlsafe(16)
    subscription.requested_at = timezone.now()
    subscription.save(update_fields=["nonce", "requested_at"])
    return subscription


@transaction.atomic
def updates_subscription_request(*, feedback: Feedback, email: str, send: bool = True) -> None:
    """Someone holding the feedback's tracking link asks for its updates at this address.

    The address is emailed a confirmation link, unless it already gets the updates
    or send is False (the address's allowance is spent): the caller answers alike in
    every case, so that the answer tells nothing about the address. When nothing is
    sent nothing changes: a new link would withdraw the ones the address holds and
    leave its owner none that works.
    """
    if not send:
        return
    subscription = updates_subscription_pending(feedback=feedback, email=email)
    if subscription is None:
        return
    email_enqueue(
        kind="customer_confirm_updates",
        to=subscription.email,
        cause=f"updates-confirm:{subscription.pk}:{subscription.nonce}",
        context={"reference": feedback.reference, **link_context(subscription)},
    )


@transaction.atomic
def updates_subscription_confirm(*, token: str) -> UpdatesSubscription:
    """The owner of the address followed its link and confirmed: the updates go to it from now."""
    subscription = updates_link_subscription(token, for_update=True)
    if subscription.active:
        return subscription
    subscription.confirmed_at = timezone.now()
    subscription.stopped_at = None
    subscription.nonce = ""
    subscription.save(update_fields=["confirmed_at", "stopped_at", "nonce"])
    return subscription


@transaction.atomic
def updates_stop(*, feedback: Feedback) -> None:
    """No more update emails about this feedback's case to the addresses that follow it from
    this tracking link, nor to the known customer's own address."""
    now = timezone.now()
    feedback.updates_subscriptions.update(stopped_at=now, nonce="")
    address = _known_customer_address(feedback.case)
    if address:
        subscription = _subscription_for(feedback, address)
        subscription.stopped_at = now
        subscription.save(update_fields=["stopped_at"])


# --- Reads ----------------------------------------------------------------------------------


def _known_customer_address(case: Case | None) -> str:
    """The address a case's known customer gets its updates at; "" when there is none."""
    if case is None or not case.customer_verified or case.customer is None:
        return ""
    return case.customer.email.strip()


@dataclass(frozen=True)
class UpdatesState:
    """What the tracking page says about update emails."""

    addresses: list[str]  # confirmed from this tracking link
    waiting: list[str]  # asked for, not confirmed yet
    known_customer: bool  # the known customer's own address gets them

    @property
    def emailed(self) -> bool:
        return bool(self.addresses) or self.known_customer


def _stopped_addresses(case: Case) -> set[str]:
    """Addresses that asked, from a tracking link of the case, for no more of its emails."""
    rows = UpdatesSubscription.objects.filter(feedback__case=case, stopped_at__isnull=False)
    return {email.lower() for email in rows.values_list("email", flat=True)}


def updates_state(feedback: Feedback) -> UpdatesState:
    rows = list(feedback.updates_subscriptions.all())
    address = _known_customer_address(feedback.case)
    stopped = _stopped_addresses(feedback.case) if address and feedback.case else set()
    return UpdatesState(
        addresses=[row.email for row in rows if row.active],
        waiting=[
            row.email
            for row in rows
            if row.nonce and not row.active and row.requested_at > timezone.now() - LINK_LIFETIME
        ],
        known_customer=bool(address) and address.lower() not in stopped,
    )


@dataclass(frozen=True)
class Recipient:
    email: str
    feedback: Feedback  # the tracking link the emails carry
    name: str


def opening_feedback(case: Case) -> Feedback | None:
    return Feedback.objects.filter(case=case).order_by("received_at", "id").first()


def case_update_recipients(case: Case) -> list[Recipient]:
    """Who is emailed a case's updates: its known customer, unless stopped, and every
    address confirmed for one of its pieces of feedback; each address once. The known
    customer's emails carry the tracking link of the feedback that opened the case."""
    rows = list(
        UpdatesSubscription.objects.filter(
            feedback__case=case, confirmed_at__isnull=False, stopped_at__isnull=True
        )
        .select_related("feedback")
        .order_by("pk")
    )
    customer = case.customer
    name = customer.name if customer is not None else ""
    recipients: dict[str, Recipient] = {}
    address = _known_customer_address(case)
    if address and address.lower() not in _stopped_addresses(case):
        opening = opening_feedback(case)
        if opening is not None:
            recipients[address.lower()] = Recipient(address, opening, name)
    for row in rows:
        # The customer's name only where the address is the customer's own.
        same = customer is not None and customer.email.lower() == row.email.lower()
        recipients.setdefault(
            row.email.lower(), Recipient(row.email, row.feedback, name if same else "")
        )
    return list(recipients.values())
