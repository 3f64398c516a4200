"""Business calendars and SLA policies: how long a case may wait, in working time."""

from __future__ import annotations

import datetime as dt
import itertools
import re
import zoneinfo

from django.core.exceptions import ValidationError
from django.db import models

from vocloop.cases.models import Severity
from vocloop.customers.models import Customer

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_INTERVAL = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def parse_hours(text: str) -> tuple[tuple[dt.time, dt.time], ...]:
    """ "08:00-12:00, 13:00-17:00" → ((08:00, 12:00), (13:00, 17:00)); "" → closed all day.

    24:00 stands for the end of the day (time(0) as an end, as business_time reads it).
    """
    intervals = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        match = _INTERVAL.match(part)
        if not match:
            raise ValidationError(f"“{part}” is not a time range such as 09:00-17:00.")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2 != 0):
            raise ValidationError(f"“{part}” is not a time of day.")
        start, end = dt.time(h1, m1), dt.time(h2 % 24, m2)
        if (h2 * 60 + m2) <= (h1 * 60 + m1):
            raise ValidationError(f"In “{part}” the end comes before the start.")
        intervals.append((start, end))
    intervals.sort()
    for (_, end), (start, _) in itertools.pairwise(intervals):
        if end == dt.time(0) or start < end:
            raise ValidationError("The time ranges of a day overlap.")
    return tuple(intervals)


def validate_hours(text: str) -> None:
    parse_hours(text)


def validate_zone(name: str) -> None:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"“{name}” is not a time zone, e.g. Europe/Berlin.") from None


class BusinessCalendar(models.Model):
    """When a team works: its time zone, working hours per weekday and holidays."""

    name = models.CharField(max_length=100, unique=True)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_zone])
    monday = models.CharField(max_length=100, blank=True, validators=[validate_hours])
    tuesday = models.CharField(max_length=100, blank=True, validators=[validate_hours])
    wednesday = models.CharField(max_length=100, blank=True, validators=[validate_hours])
    thursday = models.CharField(max_length=100, blank=True, validators=[validate_hours])
    friday = models.CharField(max_length=100, blank=True, validators=[validate_hours])
    saturday = models.CharField(max_length=100, blank=True, validators=[validate_hours])
    sunday = models.CharField(max_length=100, blank=True, validators=[validate_hours])
    is_default = models.BooleanField(
        default=False, help_text="Used by every team that has no calendar of its own."
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="one_default_business_calendar",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not any(getattr(self, day).strip() for day in WEEKDAYS):
            raise ValidationError("A calendar needs working hours on at least one day.")


class Holiday(models.Model):
    """A whole local day on which the calendar's clock does not run."""

    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="holidays"
    )
    date = models.DateField()
    name = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="one_holiday_per_date")
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}".strip()


class SlaPolicy(models.Model):
    """How soon a case of a severity must be acknowledged and resolved, in business time.

    A policy may be narrowed to a touch point and to a customer segment (company
    size); for a case, the most specific active policy that matches wins.
    """

    name = models.CharField(max_length=100)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    touchpoint = models.ForeignKey(
        "listening.Touchpoint",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        help_text="Empty: every touch point.",
    )
    customer_size = models.CharField(
        max_length=20,
        blank=True,
        choices=Customer.Size.choices,
        help_text="Empty: every customer segment.",
    )
    acknowledge_within = models.DurationField(help_text="Business time, e.g. 4:00:00.")
    resolve_within = models.DurationField(help_text="Business time, e.g. 2 days, 0:00:00.")
    escalate_every = models.DurationField(
        default=dt.timedelta(hours=4),
        help_text="After a breach the case goes to the owning team's lead; while it stays "
        "breached, to the lead of the team above after each further interval (real time).",
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["severity", "name"]
        verbose_name = "SLA policy"
        verbose_name_plural = "SLA policies"

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.acknowledge_within is not None and self.acknowledge_within <= dt.timedelta(0):
            raise ValidationError({"acknowledge_within": "Give a time longer than zero."})
        if (
            self.acknowledge_within is not None
            and self.resolve_within is not None
            and self.resolve_within < self.acknowledge_within
        ):
            raise ValidationError(
                {"resolve_within": "Resolving cannot be due before acknowledging."}
            )

    @property
    def specificity(self) -> int:
        return (2 if self.touchpoint_id else 0) + (1 if self.customer_size else 0)


class ClockPause(models.Model):
    """A stretch of time the case's SLA clock stood still: the team was waiting on the customer."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="clock_pauses")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["started_at"]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.started_at:%Y-%m-%d %H:%M} – {self.ended_at or '…'}"


class Escalation(models.Model):
    """A breached deadline handed up the chain: level 1 is the owning team's lead.

    One row per case, deadline, breached moment and level: the unique constraint is
    what keeps two sweeps (or a restarted one) from escalating the same breach twice.
    """

    class Deadline(models.TextChoices):
        ACKNOWLEDGE = "acknowledge", "Acknowledge"
        RESOLVE = "resolve", "Resolve"

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="escalations")
    deadline = models.CharField(max_length=12, choices=Deadline.choices)
    due_at = models.DateTimeField(help_text="The deadline that was breached.")
    level = models.PositiveSmallIntegerField()
    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="+")
    notified = models.JSONField(default=list, help_text="Ids of the people told.")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "deadline", "due_at", "level"], name="escalate_a_breach_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.deadline} level {self.level}"
