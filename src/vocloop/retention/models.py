from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

MAX_DAYS = 3650
# An integration may retry a request with its Idempotency-Key for this long and get the
# first answer (api/idempotency.py): the API's promise, which a setting cannot shorten.
API_ANSWERS_MIN_DAYS = 30


def _kept(
    label: str, help_text: str, *, default: int | None, minimum: int = 1, why: str = ""
) -> models.IntegerField:
    """Whole days, empty for good. `why` says why the minimum is what it is."""
    # Not PositiveIntegerField: its form refuses a negative number in words of its own.
    return models.IntegerField(
        f"{label} (days)",
        null=True,
        blank=True,
        default=default,
        validators=[
            MinValueValidator(
                minimum,
                message=f"At least {minimum} day{'s' if minimum > 1 else ''}{why}; "
                "leave it empty to keep them for good.",
            ),
            MaxValueValidator(
                MAX_DAYS,
                message=f"At most {MAX_DAYS:,} days (ten years); leave it empty to keep "
                "them for good.",
            ),
        ],
        help_text=help_text + " Empty keeps them for good.",
    )


class RetentionSettings(models.Model):
    """How long each kind of text and record is kept, in whole days; one row.

    The nightly purge (retention/purge.py) empties or deletes what is older. Empty keeps
    it for good: the default for what customers wrote and for case texts, which a
    quality manager decides on; the technical records have a default.
    """

    feedback_text_days = _kept(
        "Feedback text",
        "Days to keep what customers wrote: their comments, and their messages and further "
        "feedback on a case. Counted from its arrival and, in a case, from when the case was "
        "resolved or closed; an open case keeps them. The text is then replaced by "
        "“[removed after the retention period]”: scores, dates and what was read of it "
        "(sentiment, themes) stay and count as before.",
        default=None,
    )
    case_text_days = _kept(
        "Case texts",
        "Days to keep a case's texts after it was resolved or closed: its resolution and "
        "every timeline entry (replies, internal notes, the customer's messages). A "
        "reopened case keeps them. Statuses, dates and SLA figures stay.",
        default=None,
    )
    sent_notifications_days = _kept(
        "Sent notifications",
        "Days to keep emails and webhook calls once sent (or given up on), then deleted. "
        "Those about a text removed before are emptied with it.",
        default=365,
    )
    api_answers_days = _kept(
        "API answers kept for retries",
        "Days to keep the API's answers kept for an Idempotency-Key, then deleted: within "
        f"them a retry with the key gets the first answer. At least {API_ANSWERS_MIN_DAYS}.",
        default=30,
        minimum=API_ANSWERS_MIN_DAYS,
        why=": integrations may retry with their key for that long",
    )
    task_results_days = _kept(
        "Task results",
        "Days to keep the results of finished background tasks, then deleted.",
        default=30,
    )
    audit_reads_days = _kept(
        "Audit of reads",
        "Days to keep the audit of reads (who opened which case, drill-down or export), "
        "then deleted.",
        default=730,
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "retention"
        verbose_name_plural = "retention"

    def __str__(self) -> str:
        return "Retention"


class Purge(models.Model):
    """One run of the purge: when, and how many rows of each kind it emptied or deleted.

    finished_at stays empty while it runs, and for good when it stopped half-way: the
    next run takes up what it left.
    """

    started_at = models.DateTimeField(db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    by = models.CharField(max_length=100, help_text="The nightly purge or the command line.")
    counts = models.JSONField(default=dict, blank=True)  # rows emptied or deleted, by kind
    # What went with them: similarity signatures, notifications and API answers about them …
    related = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = "purge"

    def __str__(self) -> str:
        return f"Purge of {self.started_at:%Y-%m-%d %H:%M}"
