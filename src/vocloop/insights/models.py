"""What comments say: the theme taxonomy, each comment's enrichment, corrections and models."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


class Dimension(models.TextChoices):
    """The dimensions customers use to define quality."""

    EASE_OF_USE = "ease_of_use", "Ease of use"
    DOCUMENTATION = "documentation", "Documentation"
    DEFECTS = "defects", "Defects (frequency and impact)"
    TIMELINESS = "timeliness", "Timeliness"
    SERVICE = "service", "Service and support"
    BILLING = "billing", "Billing and internal processes"
    COMPLIANCE = "compliance", "Compliance"


class Want(models.TextChoices):
    """The four things customers want."""

    RIGHT_PRODUCT = "right_product", "A right product"
    CARING_PERSON = "caring_person", "A caring person"
    ON_TIME = "on_time", "On time"
    EFFECTIVE_RESOLUTION = "effective_resolution", "An effective resolution"


class Theme(models.Model):
    """Something customers talk about, as the quality manager names and defines it."""

    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    dimension = models.CharField(max_length=20, choices=Dimension.choices)
    want = models.CharField(max_length=25, choices=Want.choices)
    description = models.TextField(blank=True)
    phrases = models.TextField(
        blank=True,
        help_text="One word or phrase per line; a comment using any of them is about this theme.",
    )
    examples = models.TextField(
        blank=True, help_text="Example comments, one per line; they also teach the model."
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def phrase_list(self) -> list[str]:
        return [line.strip() for line in self.phrases.splitlines() if line.strip()]

    @property
    def example_list(self) -> list[str]:
        return [line.strip() for line in self.examples.splitlines() if line.strip()]


class TextSettings(models.Model):
    """The quality manager's settings for comments; one row."""

    keep_original_days = models.PositiveIntegerField(
        default=0,
        help_text="Days to keep a comment's unmasked original when personal data was "
        "masked in it; 0 keeps none.",
    )
    updated_at = models.DateTimeField(default=timezone.now)
    # When the sentiment vocabulary (SentimentTerm) last changed: comments read before
    # it are read again, and a sentiment model trained before it is compared afresh.
    vocabulary_changed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return "Comment settings"


class SentimentTerm(models.Model):
    """The organisation's vocabulary for sentiment, one entry a row (text/lexicon.py reads it).

    A name carries no sentiment; a word carries the valence given (on VADER's scale,
    −4 … 4) or none; "off" switches one of vocloop's shipped adjustments off.
    """

    class Kind(models.TextChoices):
        NAME = "name", "Name with no sentiment"
        WORD = "word", "Word with its own sentiment here"
        OFF = "off", "vocloop's adjustment switched off"

    kind = models.CharField(max_length=4, choices=Kind.choices)
    term = models.CharField(max_length=60)
    valence = models.FloatField(null=True, blank=True)  # words only; empty: no sentiment
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind", "term"]
        constraints = [
            models.UniqueConstraint(
                Lower("term"), models.F("kind"), name="sentiment_term_once_per_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.term} ({self.kind})"


class OriginalComment(models.Model):
    """A comment as the customer wrote it, before personal data was masked; kept from its
    arrival until the purge's rule (insights.services) says it goes."""

    feedback = models.OneToOneField(
        "listening.Feedback", on_delete=models.CASCADE, primary_key=True, related_name="original"
    )
    text = models.TextField()
    keep_until = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"Original of {self.feedback_id}"


# How far back "similar comments" look: comments about the same thing within it group.
SIMILAR_WINDOW = dt.timedelta(days=30)


class SimilarGroup(models.Model):
    """Comments saying the same thing, led by the first of them (its signature)."""

    signature = models.CharField(max_length=128)
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField()

    def __str__(self) -> str:
        return f"Similar group {self.pk}"


class SimilarGroupBand(models.Model):
    """One locality-sensitive band of a group's signature: how a new comment finds its group."""

    group = models.ForeignKey(SimilarGroup, on_delete=models.CASCADE, related_name="bands")
    key = models.BigIntegerField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key}"


class Sentiment(models.TextChoices):
    NEGATIVE = "negative", "Negative"
    NEUTRAL = "neutral", "Neutral"
    POSITIVE = "positive", "Positive"


class CommentText(models.Model):
    """What a comment says, as vocloop reads it: sentiment, similarity and when it was read."""

    feedback = models.OneToOneField(
        "listening.Feedback", on_delete=models.CASCADE, primary_key=True, related_name="text"
    )
    occurred_at = models.DateTimeField()  # the feedback's, so a window needs no join
    day = models.DateField()  # occurred_at's local date: counts by day read an index alone
    sentiment_score = models.FloatField()
    sentiment = models.CharField(max_length=10, choices=Sentiment.choices)
    sentiment_corrected = models.BooleanField(default=False)
    themes_corrected = models.BooleanField(default=False)
    signature = models.CharField(max_length=128, blank=True)
    similar_group = models.ForeignKey(
        SimilarGroup, on_delete=models.SET_NULL, null=True, blank=True, related_name="comments"
    )
    masked = models.PositiveSmallIntegerField(default=0)  # pieces of personal data masked
    model_version = models.PositiveIntegerField(null=True, blank=True)
    # The learned sentiment model read beside the lexicon, if one was in use.
    sentiment_model_version = models.PositiveIntegerField(null=True, blank=True)
    enriched_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["similar_group", "occurred_at"]),
            models.Index(fields=["day"]),
        ]

    def __str__(self) -> str:
        return f"Text of {self.feedback_id}"


class CommentTheme(models.Model):
    """A theme a comment is about, with how sure vocloop is and who said so."""

    class Source(models.TextChoices):
        RULE = "rule", "Phrase rule"
        MODEL = "model", "Learned model"
        STAFF = "staff", "Staff correction"

    feedback = models.ForeignKey(
        "listening.Feedback", on_delete=models.CASCADE, related_name="themes"
    )
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="comments")
    occurred_at = models.DateTimeField()  # the feedback's, so a theme's trend needs no join
    day = models.DateField()  # occurred_at's local date
    # The comment's sentiment is negative: a theme's negative share reads this table alone.
    negative = models.BooleanField(default=False)
    confidence = models.FloatField()
    source = models.CharField(max_length=10, choices=Source.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["feedback", "theme"], name="comment_theme_once")
        ]
        indexes = [
            models.Index(fields=["theme", "occurred_at"]),
            models.Index(fields=["day", "theme", "negative"]),
        ]

    def __str__(self) -> str:
        return f"{self.feedback_id}: {self.theme_id}"


class Correction(models.Model):
    """A staff member's reading of a comment: its themes and sentiment, as they should be."""

    feedback = models.ForeignKey(
        "listening.Feedback", on_delete=models.CASCADE, related_name="corrections"
    )
    themes = models.ManyToManyField(Theme, blank=True, related_name="corrections")
    # False when only the sentiment was corrected: the themes were sent back as shown.
    themes_changed = models.BooleanField(default=True)
    sentiment = models.CharField(max_length=10, choices=Sentiment.choices, blank=True)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    corrected_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-corrected_at"]

    def __str__(self) -> str:
        return f"Correction of {self.feedback_id}"


class LearnedModel(models.Model):
    """A trained version of a learned model, whether it is used, and what it learned from."""

    class Status(models.TextChoices):
        ACTIVE = "active", "In use"
        REJECTED = "rejected", "Not used: no better than the one in use"
        RETIRED = "retired", "Replaced by a newer version"
        ROLLED_BACK = "rolled_back", "Rolled back"

    version = models.PositiveIntegerField(unique=True)
    status = models.CharField(max_length=12, choices=Status.choices)
    trained_at = models.DateTimeField(default=timezone.now)
    trained_on = models.PositiveIntegerField()  # comments it learned from
    # Empty for a rejected version older than the latest few (versions.REJECTED_MODELS_KEPT).
    data = models.BinaryField()
    note = models.TextField(blank=True)

    class Meta:
        abstract = True
        ordering = ["-version"]


class ThemeModel(LearnedModel):
    """A trained version of the theme classifier, and how it did on held-out corrections."""

    corrections_held_out = models.PositiveIntegerField()
    f1 = models.FloatField()  # micro-F1 of rules + this model on the held-out corrections
    f1_before = models.FloatField()  # of what was in use, on the same corrections
    themes = models.JSONField(default=list)  # the theme slugs it knows

    def __str__(self) -> str:
        return f"Theme model v{self.version} ({self.status})"


class SentimentModel(LearnedModel):
    """A trained version of the sentiment model, and how it read held-out comments.

    Two held-out parts: corrections (staff said how the comment feels) and scored
    comments (the customer's score said it, weakly). On each, the share read right with
    this version, with what was in use, and with the lexicon alone; None where the part
    had too few comments to judge.
    """

    lexicon_weight = models.FloatField()  # of the lexicon in the blend with the model
    corrections_held_out = models.PositiveIntegerField()
    scored_held_out = models.PositiveIntegerField()
    corrections_right = models.FloatField(null=True)
    corrections_right_before = models.FloatField(null=True)
    corrections_right_lexicon = models.FloatField(null=True)
    scored_right = models.FloatField(null=True)
    scored_right_before = models.FloatField(null=True)
    scored_right_lexicon = models.FloatField(null=True)

    def __str__(self) -> str:
        return f"Sentiment model v{self.version} ({self.status})"


class ThemeProposal(models.Model):
    """A group of uncovered comments discovery thinks might be a theme nobody has named yet."""

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for a decision"
        ACCEPTED = "accepted", "Accepted as a new theme"
        MERGED = "merged", "Merged into a theme"
        DISMISSED = "dismissed", "Dismissed"

    terms = models.JSONField(default=list)
    phrases = models.JSONField(default=list)
    examples = models.JSONField(default=list)  # feedback ids, the most typical first
    size = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    theme = models.ForeignKey(
        Theme, on_delete=models.SET_NULL, null=True, blank=True, related_name="proposals"
    )
    proposed_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-size"]

    def __str__(self) -> str:
        return ", ".join(self.terms[:3])
