from __future__ import annotations

import secrets

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone


class LifecycleStage(models.TextChoices):
    AWARENESS = "awareness", "Awareness"
    PURCHASE = "purchase", "Purchase"
    ONBOARDING = "onboarding", "Onboarding"
    DELIVERY = "delivery", "Delivery"
    USAGE = "usage", "Usage"
    INVOICING = "invoicing", "Invoicing"
    SUPPORT = "support", "Support"
    RENEWAL = "renewal", "Renewal"


STAGE_ORDER = [stage.value for stage in LifecycleStage]


class Touchpoint(models.Model):
    """A moment of the customer lifecycle where feedback is heard, owned by one team."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)
    stage = models.CharField(max_length=20, choices=LifecycleStage.choices)
    owning_team = models.ForeignKey(
        "accounts.Team", on_delete=models.PROTECT, related_name="touchpoints"
    )
    description = models.TextField(blank=True, help_text="Shown to customers choosing it.")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "touch point"

    def __str__(self) -> str:
        return self.name


class ScoreType(models.TextChoices):
    NPS = "nps", "NPS (0–10)"
    CSAT = "csat", "CSAT (1–5)"
    CES = "ces", "CES (1–7)"


SCORE_RANGES: dict[str, tuple[int, int]] = {
    ScoreType.NPS: (0, 10),
    ScoreType.CSAT: (1, 5),
    ScoreType.CES: (1, 7),
}


def new_public_slug() -> str:
    return secrets.token_urlsafe(9)


class Survey(models.Model):
    """A question asked at a touch point, answered at its public link."""

    class Kind(models.TextChoices):
        NPS = "nps", "NPS — how likely to recommend (0–10)"
        CSAT = "csat", "CSAT — how satisfied (1–5)"
        CES = "ces", "CES — how easy (1 very difficult – 7 very easy)"
        OPEN = "open", "Open feedback only"

    DEFAULT_QUESTIONS = {
        Kind.NPS: "How likely are you to recommend us to a friend or colleague?",
        Kind.CSAT: "How satisfied are you with your experience?",
        Kind.CES: "How easy was it to get what you needed?",
        Kind.OPEN: "Tell us about your experience.",
    }

    touchpoint = models.ForeignKey(Touchpoint, on_delete=models.CASCADE, related_name="surveys")
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    question = models.CharField(max_length=300, blank=True)
    comment_question = models.CharField(
        max_length=300, default="What is the main reason for your answer?"
    )
    public_slug = models.SlugField(max_length=40, unique=True, default=new_public_slug)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["touchpoint__name", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.touchpoint})"

    @property
    def score_type(self) -> str | None:
        return None if self.kind == self.Kind.OPEN else str(self.kind)

    @property
    def question_text(self) -> str:
        return self.question or self.DEFAULT_QUESTIONS[self.Kind(self.kind)]


class CaseRule(models.Model):
    """When feedback at a touch point opens a case.

    Scores at or below each threshold open a case. CES is asked as "how easy was
    it" from 1 (very difficult) to 7 (very easy), so low is poor on every scale.
    """

    touchpoint = models.OneToOneField(
        Touchpoint, on_delete=models.CASCADE, related_name="case_rule"
    )
    nps_at_or_below = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        default=6,
        validators=[MinValueValidator(0), MaxValueValidator(10)],
        help_text="0–10; 6 opens a case for every detractor. Empty: NPS opens no case.",
    )
    csat_at_or_below = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text="1–5. Empty: CSAT opens no case.",
    )
    ces_at_or_below = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(7)],
        help_text="1 (very difficult) – 7 (very easy). Empty: CES opens no case.",
    )
    open_for_complaints = models.BooleanField(default=True)
    sentiment_at_or_below = models.FloatField(
        null=True,
        blank=True,
        validators=[MinValueValidator(-1.0), MaxValueValidator(1.0)],
        help_text="−1 (most negative) – 1. A comment without a score at or below this "
        "sentiment opens a case, e.g. −0.6 for strongly negative ones. Empty: never.",
    )

    def __str__(self) -> str:
        return f"Case rule for {self.touchpoint}"


class Feedback(models.Model):
    """One thing a customer told us: a survey answer, a comment or a complaint."""

    class Kind(models.TextChoices):
        SURVEY = "survey", "Survey answer"
        FEEDBACK = "feedback", "Feedback"
        COMPLAINT = "complaint", "Complaint"

    reference = models.CharField(max_length=20, unique=True)
    tracking_token = models.CharField(max_length=64, unique=True)
    touchpoint = models.ForeignKey(Touchpoint, on_delete=models.PROTECT, related_name="feedback")
    survey = models.ForeignKey(
        Survey, on_delete=models.SET_NULL, null=True, blank=True, related_name="responses"
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="feedback",
    )
    case = models.ForeignKey(
        "cases.Case", on_delete=models.SET_NULL, null=True, blank=True, related_name="feedback"
    )
    # The customer's segment (their size) when the feedback was given, "" when unknown:
    # every figure counts the feedback there for good, whatever size the customer is
    # given later or if they are deleted.
    segment = models.CharField(max_length=20, blank=True, default="")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    channel = models.CharField(max_length=50, default="web")
    # NULL, not "", marks "no score": the check constraint below relies on it.
    score_type = models.CharField(  # noqa: DJ001
        max_length=10, choices=ScoreType.choices, null=True, blank=True
    )
    score = models.SmallIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True)
    occurred_at = models.DateTimeField(default=timezone.now)
    received_at = models.DateTimeField(default=timezone.now)
    customer_verified = models.BooleanField(
        default=True,
        help_text="False when the customer was only claimed (an email typed into a public form).",
    )
    # Set on feedback that came from a file (history): no case rule applies to it.
    imported_by = models.ForeignKey(
        "FeedbackImport",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="feedback",
    )
    # Its id in the system it was imported from (with its channel, the source's name):
    # a later export that overlaps an earlier one does not bring it twice.
    source_id = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001
    # When the comment was emptied: erased with the customer's data (customers.erasure;
    # its tracking link then answers 410), or removed after its retention
    # (vocloop.retention). The scores, dates and what was read of it stay and count as
    # before; nothing reads it again.
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "feedback"
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["touchpoint", "occurred_at"]),
            models.Index(fields=["customer", "received_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score_type__isnull=False),
                name="feedback_score_has_type",
            ),
            models.UniqueConstraint(
                fields=["channel", "source_id"],
                condition=models.Q(source_id__isnull=False),
                name="feedback_unique_source_id",
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class ReferenceCounter(models.Model):
    """The last reference number handed out in a year (VL-<year>-<number>)."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class IdempotencyRecord(models.Model):
    """The first answer given to an API request sent with an Idempotency-Key."""

    token = models.ForeignKey("accounts.ApiToken", on_delete=models.CASCADE)
    key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["token", "key"], name="idempotency_unique_key")
        ]

    def __str__(self) -> str:
        return self.key


class FeedbackImport(models.Model):
    """One file of feedback imported from elsewhere: what, when, and the references it got.

    The file's SHA-256 lets `vocloop import` refuse the same file twice (importing it
    again would count every piece of feedback twice in every metric).
    """

    file_name = models.CharField(max_length=500)
    sha256 = models.CharField(max_length=64, db_index=True)
    rows = models.PositiveIntegerField()
    first_reference = models.CharField(max_length=20)
    last_reference = models.CharField(max_length=20)
    imported_at = models.DateTimeField(default=timezone.now)
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-imported_at"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.rows:,} rows, {self.imported_at:%Y-%m-%d %H:%M})"
