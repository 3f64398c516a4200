from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Status(models.TextChoices):
    NEW = "new", "New"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    WAITING_ON_CUSTOMER = "waiting_on_customer", "Waiting on customer"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"


OPEN_STATUSES = (Status.NEW, Status.ACKNOWLEDGED, Status.WAITING_ON_CUSTOMER)


class Severity(models.TextChoices):
    CRITICAL = "critical", "Critical"
    HIGH = "high", "High"
    NORMAL = "normal", "Normal"
    LOW = "low", "Low"


SEVERITY_RANK = {Severity.CRITICAL: 4, Severity.HIGH: 3, Severity.NORMAL: 2, Severity.LOW: 1}


class RootCause(models.Model):
    """A category recorded when a case is resolved (product, process, people …)."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ReplyTemplate(models.Model):
    """Reusable wording for a public reply.

    {customer_name}, {reference} and {team} in the body are filled in for the case;
    […] marks what the sender must complete, and a reply is not sent with it left in.
    """

    name = models.CharField(max_length=100)
    body = models.TextField(
        help_text="{customer_name}, {reference} and {team} are filled in; mark what the "
        "sender must complete with […] — a reply is not sent with it left in."
    )
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        help_text="Leave empty to offer it to every team.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Case(models.Model):
    """A piece of feedback that needs action, owned by the team accountable for its touch point."""

    reference = models.CharField(max_length=20, unique=True)
    touchpoint = models.ForeignKey(
        "listening.Touchpoint", on_delete=models.PROTECT, related_name="cases"
    )
    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="cases")
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_cases",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.NORMAL)
    severity_rank = models.PositiveSmallIntegerField(default=SEVERITY_RANK[Severity.NORMAL])
    opened_at = models.DateTimeField(default=timezone.now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    resolution = models.TextField(blank=True)
    root_cause = models.ForeignKey(RootCause, on_delete=models.PROTECT, null=True, blank=True)
    customer_satisfied = models.BooleanField(
        null=True, blank=True, help_text="The customer's answer after resolution."
    )
    reopen_count = models.PositiveIntegerField(default=0)
    # The SLA clock (slas/): deadlines in real time, computed in the team's business
    # time from the matching policy; None where no policy applies.
    sla_policy = models.ForeignKey(
        "slas.SlaPolicy", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    acknowledge_by = models.DateTimeField(null=True, blank=True)
    resolve_by = models.DateTimeField(null=True, blank=True)
    acknowledged_within_sla = models.BooleanField(null=True, blank=True)
    resolved_within_sla = models.BooleanField(null=True, blank=True)
    business_seconds_to_acknowledge = models.PositiveIntegerField(null=True, blank=True)
    business_seconds_to_resolve = models.PositiveIntegerField(null=True, blank=True)
    seconds_to_acknowledge = models.PositiveIntegerField(null=True, blank=True)
    seconds_to_resolve = models.PositiveIntegerField(null=True, blank=True)
    customer_verified = models.BooleanField(
        default=True,
        help_text="False when the customer was only claimed (an email typed into a public "
        "form): such a case is never joined by the customer's other feedback.",
    )

    class Meta:
        ordering = ["-severity_rank", "-opened_at"]
        indexes = [
            models.Index(fields=["team", "status", "-severity_rank", "-opened_at"]),
            models.Index(fields=["status", "-severity_rank", "-opened_at"]),
            models.Index(fields=["customer", "touchpoint", "status"]),
            # The escalation sweep reads (status, acknowledge_by); the dashboards count
            # open and overdue cases from this index alone, without the table.
            models.Index(
                fields=["status", "acknowledge_by", "acknowledged_at", "resolve_by"],
                name="cases_case_backlog_idx",
            ),
            models.Index(fields=["status", "resolve_by"]),
            # The root-cause analysis and case drill-downs count cases by resolution day.
            models.Index(fields=["resolved_at"]),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class CaseEvent(models.Model):
    """One entry of a case's timeline. Public entries are shown to the customer."""

    class Kind(models.TextChoices):
        OPENED = "opened", "Opened"
        FEEDBACK_ATTACHED = "feedback_attached", "Further feedback"
        ASSIGNED_TEAM = "assigned_team", "Assigned to team"
        ASSIGNED = "assigned", "Assigned"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        PUBLIC_REPLY = "public_reply", "Reply"
        INTERNAL_NOTE = "internal_note", "Internal note"
        CUSTOMER_MESSAGE = "customer_message", "Message from customer"
        SEVERITY_CHANGED = "severity_changed", "Severity changed"
        STATUS_CHANGED = "status_changed", "Status changed"
        RESOLVED = "resolved", "Resolved"
        REOPENED = "reopened", "Reopened"
        CLOSED = "closed", "Closed"
        SATISFACTION = "satisfaction", "Customer's verdict"
        ESCALATED = "escalated", "Escalated"
        ORIGINAL_REVEALED = "original_revealed", "Contact details revealed"

    class Actor(models.TextChoices):
        STAFF = "staff", "Staff"
        CUSTOMER = "customer", "Customer"
        SYSTEM = "system", "vocloop"
        API = "api", "API"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    public = models.BooleanField(default=False)
    actor_kind = models.CharField(max_length=10, choices=Actor.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    actor_label = models.CharField(max_length=150, blank=True)
    body = models.TextField(blank=True)
    public_text = models.CharField(
        max_length=300, blank=True, help_text="What the customer reads for this entry."
    )
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at"])]

    def __str__(self) -> str:
        return f"{self.case.reference}: {self.kind}"


class CaseEventOriginal(models.Model):
    """What the customer wrote on their tracking page, before personal data was masked.

    Kept so that the people answerable for the case can reach the customer by the
    phone number or address they gave ("call me on …"); kept while the case is open
    and for the retention after it is resolved (insights' originals_purge).
    """

    event = models.OneToOneField(
        CaseEvent, on_delete=models.CASCADE, primary_key=True, related_name="original"
    )
    text = models.TextField()

    def __str__(self) -> str:
        return f"Original of event {self.event_id}"
