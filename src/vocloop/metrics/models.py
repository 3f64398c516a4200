"""Rollups: per-day sufficient statistics, so that no dashboard scans raw feedback or cases.

Each row holds exactly what the statistics package needs for its scope (counts for
NPS and proportions, n / sum / sum of squares for a mean, histograms for quantiles),
so figures for any date range and filter are sums of rows. rollups.py keeps them up
to date in the transaction of each change and rebuilds them from the raw tables.
"""

from __future__ import annotations

from django.db import models

# Durations to acknowledge / resolve, in business seconds: bucket i is
# [edges[i], edges[i + 1]). Fine below a working day (where SLAs live), coarser
# beyond; a duration past the last edge counts in the last bucket.
HOUR = 3600
DURATION_EDGES: tuple[int, ...] = (
    0,
    *(m * 60 for m in (5, 15, 30, 45)),
    *(int(h * HOUR) for h in (1, 1.5, 2, 3, 4, 5, 6, 7, 8, 10, 12, 16, 20, 24, 32, 40)),
    *(h * HOUR for h in (48, 64, 80, 120, 160, 240, 320, 480, 800, 2000)),
)
DURATION_BUCKETS = len(DURATION_EDGES) - 1


# Sentiment scores (−1 … 1, read to four decimals) are summed in ten-thousandths: whole
# numbers add up exactly, so sums kept change by change equal sums rebuilt at once.
SENTIMENT_UNITS = 10_000


def empty_histogram() -> list[int]:
    return [0] * DURATION_BUCKETS


class FeedbackCounts(models.Model):
    """What feedback adds up to: the counts every feedback rollup keeps (FEEDBACK_COUNTS)."""

    responses = models.BigIntegerField(default=0)
    complaints = models.BigIntegerField(default=0)
    with_comment = models.BigIntegerField(default=0)
    nps_promoters = models.BigIntegerField(default=0)
    nps_passives = models.BigIntegerField(default=0)
    nps_detractors = models.BigIntegerField(default=0)
    csat_1 = models.BigIntegerField(default=0)
    csat_2 = models.BigIntegerField(default=0)
    csat_3 = models.BigIntegerField(default=0)
    csat_4 = models.BigIntegerField(default=0)
    csat_5 = models.BigIntegerField(default=0)
    ces_n = models.BigIntegerField(default=0)
    ces_sum = models.BigIntegerField(default=0)
    ces_sum_squares = models.BigIntegerField(default=0)
    ces_easy = models.BigIntegerField(default=0)
    # Comments as read (insights.CommentText): how many, how many negative (as the label
    # stands, staff corrections included), and the sum and sum of squares of their
    # sentiment scores in SENTIMENT_UNITS. Feedback with no score counts here too.
    comments_read = models.BigIntegerField(default=0)
    comments_negative = models.BigIntegerField(default=0)
    sentiment_sum = models.BigIntegerField(default=0)
    sentiment_sum_squares = models.BigIntegerField(default=0)

    class Meta:
        abstract = True


class FeedbackScope(models.Model):
    """The day and scope a piece of feedback counts in (feedback_rollups.feedback_key)."""

    day = models.DateField()
    touchpoint = models.ForeignKey(
        "listening.Touchpoint", on_delete=models.CASCADE, related_name="+"
    )
    score_type = models.CharField(max_length=10, blank=True)
    channel = models.CharField(max_length=50)
    segment = models.CharField(max_length=20, blank=True)

    class Meta:
        abstract = True


class FeedbackRollup(FeedbackScope, FeedbackCounts):
    """Feedback received, per day (in settings.TIME_ZONE, of `occurred_at`) and scope.

    score_type is "" for feedback without a score; segment is the customer's size when
    the feedback was given (Feedback.segment), "" when the customer or their size was
    unknown.
    """

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "touchpoint", "score_type", "channel", "segment"],
                name="feedback_rollup_unique_scope",
            )
        ]
        indexes = [models.Index(fields=["touchpoint", "day"])]

    def __str__(self) -> str:
        return f"{self.day} {self.touchpoint_id} {self.score_type or '-'} {self.channel}"


class FeedbackTouchpointRollup(FeedbackCounts):
    """FeedbackRollup summed over score type, channel and segment: one row per day and touch point.

    What most reads sum — a date range, perhaps one touch point or stage, no channel
    or segment — in a few dozen times fewer rows. Kept in the same transaction as
    FeedbackRollup and rebuilt from it.
    """

    day = models.DateField()
    touchpoint = models.ForeignKey(
        "listening.Touchpoint", on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "touchpoint"], name="feedback_touchpoint_rollup_unique_scope"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.touchpoint_id}"


class CaseCounts(models.Model):
    """What case handling adds up to: CASE_COUNTS and the duration HISTOGRAMS (rollups.py)."""

    opened = models.BigIntegerField(default=0)
    acknowledged = models.BigIntegerField(default=0)
    acknowledge_deadlines = models.BigIntegerField(default=0)
    acknowledge_deadlines_met = models.BigIntegerField(default=0)
    resolved = models.BigIntegerField(default=0)
    resolve_deadlines = models.BigIntegerField(default=0)
    resolve_deadlines_met = models.BigIntegerField(default=0)
    resolved_after_reopening = models.BigIntegerField(default=0)
    verdicts_satisfied = models.BigIntegerField(default=0)
    verdicts_unsatisfied = models.BigIntegerField(default=0)
    reopens = models.BigIntegerField(default=0)
    acknowledge_histogram = models.JSONField(default=empty_histogram)
    resolve_histogram = models.JSONField(default=empty_histogram)

    class Meta:
        abstract = True


class CaseRollup(CaseCounts):
    """Case handling per day (in settings.TIME_ZONE) and scope.

    Each figure counts on the day of its own moment: opened on the opening day,
    acknowledged (with its duration) on the acknowledging day, resolved on the day of
    the case's current resolution — a reopened case leaves its resolved day and counts
    again only when resolved anew — and verdicts and reopens on the day they were
    given. `*_deadlines` counts the deadlines that fell on the day and have passed or
    been met: met, met late, or still open past them (the denominator of SLA
    compliance; `*_deadlines_met` its numerator). Histograms count business seconds
    in DURATION_EDGES buckets. segment is the customer's size when the feedback the
    case was opened for was given (case_rollups.case_segment), "" when unknown.
    """

    day = models.DateField()
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="+")
    touchpoint = models.ForeignKey(
        "listening.Touchpoint", on_delete=models.CASCADE, related_name="+"
    )
    segment = models.CharField(max_length=20, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "team", "touchpoint", "segment"], name="case_rollup_unique_scope"
            )
        ]
        indexes = [models.Index(fields=["team", "day"]), models.Index(fields=["touchpoint", "day"])]

    def __str__(self) -> str:
        return f"{self.day} team {self.team_id} touch point {self.touchpoint_id}"


class CaseTouchpointRollup(CaseCounts):
    """CaseRollup summed over team and segment: one row per day and touch point.

    What reads without a segment filter sum — about five times fewer rows, each with
    two JSON histograms to add up. Kept in the same transaction as CaseRollup, rows
    that fall to zero deleted alike, and rebuilt from the same figures.
    """

    day = models.DateField()
    touchpoint = models.ForeignKey(
        "listening.Touchpoint", on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "touchpoint"], name="case_touchpoint_rollup_unique_scope"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} touch point {self.touchpoint_id}"


class CaseContribution(models.Model):
    """What one case currently adds to CaseRollup, so a change can take it back exactly.

    A case's figures move as it is acknowledged, resolved, reopened and resolved
    again, and as its deadlines move or pass; the rollups subtract this recorded
    contribution and add the new one. `*_due_day` and `*_met` are a deadline's SLA
    outcome (None while it counts nothing); `pending_until` is when the next deadline
    not yet passed will count as missed if nothing changes (the sweep's index).
    """

    case = models.OneToOneField(
        "cases.Case", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="+")
    touchpoint = models.ForeignKey(
        "listening.Touchpoint", on_delete=models.CASCADE, related_name="+"
    )
    segment = models.CharField(max_length=20, blank=True)
    opened_day = models.DateField()
    acknowledged_day = models.DateField(null=True)
    acknowledge_bucket = models.SmallIntegerField(null=True)
    resolved_day = models.DateField(null=True)
    resolve_bucket = models.SmallIntegerField(null=True)
    reopened = models.BooleanField(default=False)
    acknowledge_due_day = models.DateField(null=True)
    acknowledge_met = models.BooleanField(null=True)
    resolve_due_day = models.DateField(null=True)
    resolve_met = models.BooleanField(null=True)
    pending_until = models.DateTimeField(null=True, db_index=True)

    def __str__(self) -> str:
        return f"Rollup contribution of case {self.case_id}"


class ThemeRollup(FeedbackScope):
    """Comments read about a theme, per day, FeedbackRollup's scope and theme.

    `comments` counts the read comments given the theme (insights.CommentTheme) on the
    day their feedback was given, in the row of that feedback's scope: its share of
    comments has FeedbackRollup.comments_read of the same scope as denominator.
    `comments_negative` counts those of them read as negative (the label as it stands).

    A parent theme counts as on the themes pages: a comment about a theme is about
    its parent themes too (reading and staff corrections give a comment its themes'
    ancestors), so a parent's count includes its children's comments, each once
    however many of its children it raises. Themes switched off keep the comments
    that still carry them until the comments are read again.

    Kept by insights.texts.comment_texts_write in the transaction of every write of a
    comment's themes; a row left at zero goes, as a rebuild would have none.
    """

    theme = models.ForeignKey("insights.Theme", on_delete=models.CASCADE, related_name="+")
    comments = models.BigIntegerField(default=0)
    comments_negative = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "touchpoint", "score_type", "channel", "segment", "theme"],
                name="theme_rollup_unique_scope",
            )
        ]
        indexes = [models.Index(fields=["theme", "day"])]

    def __str__(self) -> str:
        return f"{self.day} {self.touchpoint_id} theme {self.theme_id}"
