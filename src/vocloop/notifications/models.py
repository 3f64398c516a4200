"""The outbox of notifications, the wording of emails, webhook subscriptions and opt-outs."""

from __future__ import annotations

import hashlib

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from vocloop.notifications.webhook_targets import webhook_url_refusal

WEBHOOK_EVENTS = (
    "feedback.received",
    "case.opened",
    "case.updated",
    "case.escalated",
    "case.resolved",
    "case.reopened",
    # improvement/announce.py
    "objective.created",
    "objective.updated",
    "objective.reviewed",
    "action.raised",
    "action.updated",
    "action.phase_changed",
    "action.checked",
    "action.closed",
)


class OutboxMessage(models.Model):
    """One email or webhook call to make, written in the transaction of the change that causes it.

    `dedup_key` names the cause and the recipient: enqueuing the same cause twice
    (a retried transaction, a second run of the digest) finds the existing row.
    """

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        WEBHOOK = "webhook", "Webhook"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    channel = models.CharField(max_length=10, choices=Channel.choices)
    recipient = models.CharField(
        max_length=254, help_text="An email address, or the id of a webhook subscription."
    )
    kind = models.CharField(max_length=50, help_text="The email template or webhook event.")
    subject = models.CharField(max_length=300, blank=True)
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True)
    payload = models.JSONField(null=True, blank=True)
    dedup_key = models.CharField(max_length=300, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # A worker that claims a message owns it until claimed_until; if it dies, the
    # message becomes due again when the lease runs out.
    claimed_until = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["status", "claimed_until"]),
        ]
        verbose_name = "outgoing notification"

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.kind} to {self.recipient}"

    @property
    def delivery_id(self) -> str:
        """A stable identifier of the message, the same on every attempt: receivers drop
        repeats."""
        return hashlib.sha256(self.dedup_key.encode()).hexdigest()[:40]


class EmailTemplate(models.Model):
    """The wording of one kind of email; the quality manager may edit it.

    Subject and bodies are Django templates: the HTML body is autoescaped, the
    plain-text body is not (it is never shown as HTML).
    """

    kind = models.CharField(max_length=50, unique=True)
    description = models.CharField(max_length=200, blank=True)
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField()

    class Meta:
        ordering = ["kind"]

    def __str__(self) -> str:
        return self.kind


class WebhookSubscription(models.Model):
    """An address vocloop calls, signed with the secret, when the chosen events happen.

    A public address, unless VOCLOOP_WEBHOOK_ALLOWED_HOSTS lists it (webhook_targets.py).
    """

    class Format(models.TextChoices):
        JSON = "json", "JSON"
        CHAT = "chat", "JSON with a chat message (Slack, Mattermost, Teams …)"

    name = models.CharField(max_length=100, unique=True)
    url = models.URLField(max_length=500)
    secret = models.CharField(
        max_length=200, help_text="Shared with the receiver, which verifies X-Vocloop-Signature."
    )
    events = models.JSONField(
        default=list,
        help_text="A list of: feedback.received, case.opened, case.updated, case.escalated, "
        "case.resolved, case.reopened.",
    )
    format = models.CharField(max_length=10, choices=Format.choices, default=Format.JSON)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        events = self.events
        if not isinstance(events, list) or not all(e in WEBHOOK_EVENTS for e in events):
            errors["events"] = "Give a list of events from: " + ", ".join(WEBHOOK_EVENTS) + "."
        # Refused here already, not only when sent: loopback, private networks, metadata.
        refusal = webhook_url_refusal(self.url) if self.url else None
        if refusal is not None:
            errors["url"] = refusal
        if errors:
            raise ValidationError(errors)


class Unsubscribe(models.Model):
    """An address that asked for no more surveys. Replies about its own cases still go."""

    email = models.EmailField(unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email


class UpdatesSubscription(models.Model):
    """An address that asked to be emailed the updates on one piece of feedback's case.

    Asked for from its tracking link (or by typing the address into the public form
    that gave the feedback) and proved by the link emailed to the address. It follows
    that feedback's case only: the address joins nothing else, neither another case
    nor a customer record. A stopped row also silences the updates a known customer
    gets at that address about the case.
    """

    feedback = models.ForeignKey(
        "listening.Feedback", on_delete=models.CASCADE, related_name="updates_subscriptions"
    )
    email = models.EmailField()
    # The secret of the confirmation link sent last; "" once it is used or withdrawn,
    # so that every link confirms once and an old one cannot undo a "stop".
    nonce = models.CharField(max_length=32, blank=True)
    requested_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                "feedback", Lower("email"), name="updates_subscription_unique_address"
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} for {self.feedback_id}"

    @property
    def active(self) -> bool:
        return self.confirmed_at is not None and self.stopped_at is None
