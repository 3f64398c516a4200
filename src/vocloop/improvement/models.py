"""Quality objectives, improvement actions, their tasks, linked cases and timeline.

What an objective or action measures is a metric of the catalogue (metrics/catalogue.py)
in a scope given by the metrics API's filters; the figures themselves are never stored
here but read from the rollups when asked (improvement/check.py, improvement/status.py),
except an action's verdict, kept once its planned sample is in so that later answers
cannot change a conclusion already reached.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from vocloop.cases.models import Case
from vocloop.insights.models import Dimension, Want


class Direction(models.TextChoices):
    HIGHER = "higher", "Higher is better"
    LOWER = "lower", "Lower is better"


class Cadence(models.TextChoices):
    WEEKLY = "weekly", "Weekly"
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"


class MeasuredScope(models.Model):
    """A metric and the metrics API's filters it is read with.

    `scope_team` is the metrics API's team filter (the team's cases, the feedback at
    the touch points it owns): not to be confused with `team`, the team that owns the
    objective or action.

    A metric read by theme (theme_share) is read for the objective's or action's own
    `theme`: the theme an objective serves, or the one an action is about.
    """

    metric = models.CharField(max_length=40)
    touchpoint = models.ForeignKey(
        "listening.Touchpoint", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    stage = models.CharField(max_length=20, blank=True)
    channel = models.CharField(max_length=20, blank=True)
    segment = models.CharField(max_length=40, blank=True)
    scope_team = models.ForeignKey(
        "accounts.Team", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        abstract = True


class Objective(MeasuredScope):
    """A quality objective (ISO 9001 6.2): measurable, owned, dated, evaluated."""

    title = models.CharField(max_length=200)
    # The customer need it serves: a quality dimension, one of the four wants, or a theme.
    dimension = models.CharField(max_length=20, choices=Dimension.choices, blank=True)
    want = models.CharField(max_length=25, choices=Want.choices, blank=True)
    theme = models.ForeignKey(
        "insights.Theme", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    target = models.FloatField()
    direction = models.CharField(max_length=10, choices=Direction.choices)
    due_on = models.DateField()
    baseline_from = models.DateField()
    baseline_to = models.DateField()
    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="objectives")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="objectives_owned"
    )
    review_cadence = models.CharField(
        max_length=10, choices=Cadence.choices, default=Cadence.MONTHLY
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return self.title


class CauseCategory(models.TextChoices):
    """The six categories of an Ishikawa (fishbone) analysis."""

    METHOD = "method", "Method"
    PEOPLE = "people", "People"
    MATERIAL = "material", "Material"
    MACHINE = "machine", "Machine"
    MEASUREMENT = "measurement", "Measurement"
    ENVIRONMENT = "environment", "Environment"


class Action(MeasuredScope):
    """A corrective, preventive or improvement action, taken through Plan–Do–Check–Act."""

    class Kind(models.TextChoices):
        CORRECTIVE = "corrective", "Corrective"
        PREVENTIVE = "preventive", "Preventive"
        IMPROVEMENT = "improvement", "Improvement"

    class Phase(models.TextChoices):
        """Where the action is in Plan–Do–Check–Act."""

        PLAN = "plan", "Plan"
        DO = "do", "Do"
        CHECK = "check", "Check"
        ACT = "act", "Act"
        CLOSED = "closed", "Closed"

    class Source(models.TextChoices):
        HAND = "hand", "By hand"
        CASES = "cases", "Cases"
        THEME = "theme", "A theme"
        SIGNAL = "signal", "A control-chart signal"
        OBJECTIVE = "objective", "An objective at risk"

    class Outcome(models.TextChoices):
        STANDARDISED = "standardised", "Standardised: effective"
        CLOSED_WITH_REASON = "closed_with_reason", "Closed with a reason"

    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.CORRECTIVE)
    phase = models.CharField(max_length=8, choices=Phase.choices, default=Phase.PLAN)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.HAND)
    # The evidence it was raised from, as it stood then (counted, with intervals).
    evidence = models.TextField(blank=True)
    objective = models.ForeignKey(
        Objective, on_delete=models.SET_NULL, null=True, blank=True, related_name="actions"
    )
    theme = models.ForeignKey(
        "insights.Theme", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    follows = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="follow_ups"
    )
    # Plan
    problem = models.TextField(blank=True)
    whys = models.JSONField(default=list, blank=True)  # five whys, in order
    cause_category = models.CharField(max_length=12, choices=CauseCategory.choices, blank=True)
    change = models.TextField(blank=True)
    # In the metric's own unit: a share (−0.10), NPS points (+8), a mean; for a duration
    # the relative change (−0.2: a fifth shorter).
    expected_effect = models.FloatField(null=True, blank=True)
    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="actions")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="actions_owned"
    )
    due_on = models.DateField()
    # Do
    effective_from = models.DateField(null=True, blank=True)
    # Check: the windows compared (defaults: eight weeks before, the whole weeks since).
    before_from = models.DateField(null=True, blank=True)
    before_to = models.DateField(null=True, blank=True)
    after_from = models.DateField(null=True, blank=True)
    after_to = models.DateField(null=True, blank=True)
    verdict = models.CharField(max_length=30, blank=True)
    verdict_text = models.TextField(blank=True)
    verdict_on = models.DateField(null=True, blank=True)
    ready_told_at = models.DateTimeField(null=True, blank=True)
    # Act
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    close_reason = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # "You said, we did": shown on the public page, in the customer's words.
    public = models.BooleanField(default=False)
    public_problem = models.TextField(blank=True)
    public_change = models.TextField(blank=True)
    cases: models.ManyToManyField[Case, ActionCase] = models.ManyToManyField(
        Case, through="ActionCase", related_name="improvement_actions"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return self.title


class ActionTask(models.Model):
    """Do: one thing to be done for the action, by someone, by a date."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True
    )
    due_on = models.DateField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return self.title


class ActionCase(models.Model):
    """A case whose problem the action removes (one problem, many cases)."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="case_links")
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="action_links")
    linked_at = models.DateTimeField(default=timezone.now)
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    # When the customer was told what changed because of what they said.
    customer_told_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["action", "case"], name="one_link_per_action_case")
        ]

    def __str__(self) -> str:
        return f"{self.action_id} ↔ {self.case_id}"


class ImprovementEvent(models.Model):
    """One entry of an objective's or an action's timeline: what changed, who, when."""

    objective = models.ForeignKey(
        Objective, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    action = models.ForeignKey(
        Action, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    kind = models.CharField(max_length=30)
    summary = models.CharField(max_length=300)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    actor_label = models.CharField(max_length=150)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(objective__isnull=False) | models.Q(action__isnull=False),
                name="event_of_objective_or_action",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.summary}"
