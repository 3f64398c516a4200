"""Forms of the improvement pages: an objective, an action's plan, its tasks and closing.

They turn what was typed into the services' keyword arguments and nothing more: the
rules an objective or an action must keep live in improvement/services.py, whose
ImprovementError the views show as the form's error. A share is typed in per cent
(a target of 5 %, an expected effect of −10 percentage points) and stored as the
fraction the catalogue counts in.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from vocloop.accounts.models import Team
from vocloop.accounts.people import display_name
from vocloop.customers.models import Customer
from vocloop.improvement.models import Action, Cadence, CauseCategory, Direction, Objective
from vocloop.improvement.reviews import Decision
from vocloop.insights.models import Dimension, Theme, Want
from vocloop.listening.models import LifecycleStage, Touchpoint
from vocloop.metrics.catalogue import LABELS, METRICS, UNKNOWN_SEGMENT

WHYS = 5
METRIC_CHOICES = [(name, LABELS.get(name, name)) for name in METRICS]
THEME_HELP = "A theme's share of comments is read for this theme."
SEGMENT_CHOICES = [
    ("", "All segments"),
    *Customer.Size.choices,
    (UNKNOWN_SEGMENT, "Unknown"),
]


def is_share(metric: str) -> bool:
    return metric in METRICS and METRICS[metric].unit == "share"


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return display_name(obj)


def _date(label: str, *, required: bool = True, help_text: str = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter a date as YYYY-MM-DD."},
    )


class ScopeForm(forms.Form):
    """The metric and the metrics API's filters it is read with, shared by both forms."""

    metric = forms.ChoiceField(
        choices=METRIC_CHOICES,
        error_messages={"invalid_choice": "Choose a metric of the list."},
    )
    touchpoint = forms.ModelChoiceField(
        queryset=Touchpoint.objects.order_by("name"),
        required=False,
        empty_label="All touch points",
        label="Touch point",
        error_messages={"invalid_choice": "Choose a touch point of the list."},
    )
    stage = forms.ChoiceField(
        choices=[("", "All stages"), *LifecycleStage.choices],
        required=False,
        label="Lifecycle stage",
        error_messages={"invalid_choice": "Choose a lifecycle stage of the list."},
    )
    channel = forms.CharField(
        max_length=20, required=False, help_text="Feedback metrics only, e.g. web or email."
    )
    segment = forms.ChoiceField(
        choices=SEGMENT_CHOICES,
        required=False,
        label="Customer segment",
        error_messages={"invalid_choice": "Choose a segment of the list."},
    )
    # The metrics API's team filter, apart from `team` (the team that owns it).
    scope_team = forms.ModelChoiceField(
        queryset=Team.objects.order_by("name"),
        required=False,
        empty_label="All teams",
        label="Team measured",
        help_text="A case metric reads the team's cases; a feedback metric the feedback at "
        "the touch points the team owns.",
        error_messages={"invalid_choice": "Choose a team of the list."},
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(),
        empty_label="Choose a team",
        error_messages={
            "required": "Choose the team that owns it.",
            "invalid_choice": "Choose one of your teams.",
        },
    )
    owner = PersonChoiceField(
        queryset=get_user_model().objects.none(),
        empty_label="Choose a person",
        error_messages={
            "required": "Choose who owns it.",
            "invalid_choice": "Choose a person of the list.",
        },
    )

    def __init__(self, *args: Any, teams: QuerySet[Team], **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]
        people = get_user_model().objects.filter(is_active=True).order_by("first_name", "username")
        self.fields["owner"].queryset = people  # type: ignore[attr-defined]

    def _in_order(self, first: str, last: str, what: str) -> None:
        start, end = self.cleaned_data.get(first), self.cleaned_data.get(last)
        if isinstance(start, dt.date) and isinstance(end, dt.date) and start > end:
            self.add_error(last, f"The {what} ends before it starts ({start} is after {end}).")

    def values(self) -> dict[str, Any]:
        """The services' keyword arguments."""
        return dict(self.cleaned_data)


class ObjectiveForm(ScopeForm):
    title = forms.CharField(max_length=200, error_messages={"required": "Name the objective."})
    dimension = forms.ChoiceField(
        choices=[("", "None"), *Dimension.choices],
        required=False,
        label="Quality dimension it serves",
    )
    want = forms.ChoiceField(
        choices=[("", "None"), *Want.choices], required=False, label="Customer want it serves"
    )
    theme = forms.ModelChoiceField(
        queryset=Theme.objects.filter(active=True).order_by("name"),
        required=False,
        empty_label="None",
        label="Theme it serves",
        help_text=THEME_HELP,
    )
    target = forms.FloatField(
        help_text="In the metric's unit: NPS points, hours; a share in per cent (5 for 5 %).",
        error_messages={"required": "Give the target.", "invalid": "The target is a number."},
    )
    direction = forms.ChoiceField(choices=Direction.choices, label="Which way is better")
    due_on = _date("Due by")
    baseline_from = _date("Baseline from")
    baseline_to = _date("Baseline to")
    review_cadence = forms.ChoiceField(choices=Cadence.choices, label="Reviewed")

    field_order = [
        "title", "metric", "target", "direction", "due_on", "touchpoint", "stage",
        "channel", "segment", "scope_team", "dimension", "want", "theme", "baseline_from",
        "baseline_to", "team", "owner", "review_cadence",
    ]  # fmt: skip

    @classmethod
    def initial_of(cls, objective: Objective) -> dict[str, Any]:
        initial = {name: getattr(objective, name) for name in cls.base_fields}
        initial |= {"touchpoint": objective.touchpoint_id, "theme": objective.theme_id}
        initial |= {"scope_team": objective.scope_team_id}
        initial |= {"team": objective.team_id, "owner": objective.owner_id}
        if is_share(objective.metric):
            initial["target"] = round(100 * objective.target, 6)
        return initial

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self._in_order("baseline_from", "baseline_to", "baseline period")
        target = data.get("target")
        if target is not None and is_share(data.get("metric", "")):
            if not 0 <= target <= 100:
                self.add_error("target", "A share's target is between 0 and 100 (per cent).")
            elif 0 < target < 1 and data.get("direction") == Direction.HIGHER:
                # "0.85" for a CSAT of 85 %: nobody aims to raise a share to below 1 %.
                self.add_error(
                    "target",
                    f"A share's target is typed in per cent: did you mean {target * 100:g} "
                    f"(for {target * 100:g} %)?",
                )
            else:
                data["target"] = target / 100
        return data


class ActionForm(ScopeForm):
    """An action's plan, and the date its change took effect (Do)."""

    title = forms.CharField(max_length=200, error_messages={"required": "Name the action."})
    kind = forms.ChoiceField(choices=Action.Kind.choices)
    objective = forms.ModelChoiceField(
        queryset=Objective.objects.none(),
        required=False,
        empty_label="None",
        label="Objective it serves",
        error_messages={"invalid_choice": "Choose one of the objectives listed."},
    )
    theme = forms.ModelChoiceField(
        queryset=Theme.objects.order_by("name"),
        to_field_name="slug",
        required=False,
        empty_label="None",
        label="Theme it is about",
        help_text=THEME_HELP,
        error_messages={"invalid_choice": "Choose a theme of the list."},
    )
    problem = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    cause_category = forms.ChoiceField(
        choices=[("", "Not yet known"), *CauseCategory.choices],
        required=False,
        label="Cause category (Ishikawa)",
    )
    change = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label="The change"
    )
    expected_effect = forms.FloatField(
        required=False,
        help_text=(
            "How much the metric should move, with its sign: NPS points, a mean; percentage "
            "points for a share (−10); for a duration the relative change (−0.2: a fifth "
            "shorter)."
        ),
        error_messages={"invalid": "The expected effect is a number."},
    )
    due_on = _date("Due by")
    effective_from = _date(
        "Change took effect on", required=False, help_text="Needed to move from Do to Check."
    )

    field_order = [
        "title", "kind", "objective", "problem", *(f"why_{i}" for i in range(1, WHYS + 1)),
        "cause_category", "change", "metric", "touchpoint", "stage", "channel", "segment",
        "scope_team", "theme", "expected_effect", "team", "owner", "due_on", "effective_from",
    ]  # fmt: skip

    def __init__(self, *args: Any, objectives: QuerySet[Objective], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["objective"].queryset = objectives  # type: ignore[attr-defined]
        for i in range(1, WHYS + 1):
            self.fields[f"why_{i}"] = forms.CharField(
                max_length=500, required=False, label=f"Why? ({i})"
            )
        self.order_fields(self.field_order)

    @classmethod
    def initial_of(cls, action: Action) -> dict[str, Any]:
        names = [*cls.base_fields]
        initial = {name: getattr(action, name) for name in names}
        initial |= {"touchpoint": action.touchpoint_id, "objective": action.objective_id}
        initial |= {"scope_team": action.scope_team_id}
        initial |= {"theme": action.theme.slug if action.theme else None}
        initial |= {"team": action.team_id, "owner": action.owner_id}
        initial |= {f"why_{i}": why for i, why in enumerate(action.whys, start=1)}
        if action.expected_effect is not None and is_share(action.metric):
            initial["expected_effect"] = round(100 * action.expected_effect, 6)
        return initial

    @staticmethod
    def initial_for(objective: Objective) -> dict[str, Any]:
        """An action raised from an objective's page: its metric, scope, team and owner."""
        return {
            "objective": objective.pk,
            "metric": objective.metric,
            "touchpoint": objective.touchpoint_id,
            "stage": objective.stage,
            "channel": objective.channel,
            "segment": objective.segment,
            "scope_team": objective.scope_team_id,
            "theme": objective.theme.slug if objective.theme else None,
            "team": objective.team_id,
            "owner": objective.owner_id,
            "due_on": objective.due_on,
            "kind": Action.Kind.IMPROVEMENT,
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        effect = data.get("expected_effect")
        if effect is not None and is_share(data.get("metric", "")):
            if not -100 <= effect <= 100:
                self.add_error("expected_effect", "A share moves by −100 to 100 points at most.")
            else:
                data["expected_effect"] = effect / 100
        return data

    def values(self) -> dict[str, Any]:
        values = dict(self.cleaned_data)
        whys = [values.pop(f"why_{i}", "").strip() for i in range(1, WHYS + 1)]
        values["whys"] = [w for w in whys if w]
        return values


class TaskForm(forms.Form):
    prefix = "task"
    title = forms.CharField(
        max_length=200, label="Task", error_messages={"required": "Say what is to be done."}
    )
    owner = PersonChoiceField(
        queryset=get_user_model().objects.filter(is_active=True).order_by("first_name"),
        required=False,
        empty_label="Nobody yet",
        label="Who does it",
        error_messages={"invalid_choice": "Choose a person of the list."},
    )
    due_on = _date("Due by", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class CloseForm(forms.Form):
    prefix = "close"
    reason = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Why it closes",
        help_text="Leave empty to standardise an action the check found effective.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class ReviewForm(forms.Form):
    """An objective's review (improvement/reviews.py): what was decided, and why."""

    prefix = "review"
    decision = forms.ChoiceField(
        choices=Decision.choices, widget=forms.RadioSelect, label="Decision"
    )
    note = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="What was decided, and why",
        error_messages={"required": "Say what the review decided and why."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class PublicWordsForm(forms.Form):
    """“You said, we did”: what customers are told, in their words (improvement/published.py)."""

    prefix = "public"
    public_problem = forms.CharField(
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="The problem, in the customers' words",
        help_text="What customers experienced, as they would say it: “Invoices arrived with "
        "the wrong amount.” No staff names, no customer's name or details, no references.",
    )
    public_change = forms.CharField(
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="What changed",
        help_text="What is different for customers now: “Every invoice over 1,000 is checked "
        "twice before it goes out.” No staff names, no customer data. The customers of the "
        "linked cases are emailed it when the action is standardised.",
    )
    public = forms.BooleanField(
        required=False,
        label="Show it on the public “You said, we did” page once standardised",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    @staticmethod
    def initial_of(action: Action) -> dict[str, Any]:
        return {name: getattr(action, name) for name in PublicWordsForm.base_fields}
