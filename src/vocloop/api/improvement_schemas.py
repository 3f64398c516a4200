"""What the API accepts and answers for quality objectives and improvement actions.

A create schema requires what the model requires; its change schema (PATCH) takes the
same fields, all optional: only those sent are changed, and null clears one that may be
empty.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal, get_args

from ninja import Field, Schema
from pydantic import ConfigDict, StrictFloat, StrictInt, StrictStr, field_validator

from vocloop.api.metrics import SEGMENTS
from vocloop.api.schema_rules import ACTION_EVENT_KINDS
from vocloop.api.schemas import InputSchema, IsoDate, refuse_unstorable_text
from vocloop.improvement.models import Action, Cadence, CauseCategory, Direction
from vocloop.insights.models import Dimension, Want
from vocloop.listening.models import LifecycleStage
from vocloop.metrics.selectors import METRICS

DirectionName = Literal["higher", "lower"]
CadenceName = Literal["weekly", "monthly", "quarterly"]
KindName = Literal["corrective", "preventive", "improvement"]
CauseName = Literal["method", "people", "material", "machine", "measurement", "environment"]
DimensionName = Literal[
    "ease_of_use", "documentation", "defects", "timeliness", "service", "billing"
]
WantName = Literal["right_product", "caring_person", "on_time", "effective_resolution"]
EventKind = Literal[
    "advance",
    "close",
    "task",
    "task_done",
    "link_cases",
    "follow_up",
    "reply_all",
    "resolve_all",
]
# Spelt out so that OpenAPI lists them; a new choice in a model must be added here too.
assert set(get_args(DirectionName)) == set(Direction.values)
assert set(get_args(CadenceName)) == set(Cadence.values)
assert set(get_args(KindName)) == set(Action.Kind.values)
assert set(get_args(CauseName)) == set(CauseCategory.values)
assert set(get_args(DimensionName)) <= set(Dimension.values)
assert set(get_args(WantName)) == set(Want.values)

METRIC = "A metric of GET /metrics/{metric}, e.g. complaint_rate, nps, time_to_resolve."
# The values the server takes, listed so that OpenAPI says so (null: not set).
METRIC_NAMES: dict[str, Any] = {"enum": [*sorted(METRICS), None]}
STAGE_NAMES: dict[str, Any] = {"enum": [*LifecycleStage.values, None]}
SEGMENT_NAMES: dict[str, Any] = {"enum": [*SEGMENTS, None]}
TOUCHPOINT = "Scope filter: a touch point's slug, as in the metrics API."
STAGE = "Scope filter: a lifecycle stage, e.g. support."
CHANNEL = "Scope filter, feedback metrics only: where feedback was given, e.g. web."
SEGMENT = "Scope filter: a customer size, or 'unknown', as in the metrics API."
SCOPE_TEAM = (
    "Scope filter: a team's slug, the metrics API's `team` (its cases; the feedback at the "
    "touch points it owns). Not `team`, the team that owns it."
)
THEME = (
    "A theme's slug: the theme an objective serves or an action is about, and the one "
    "theme_share is read for (required with that metric)."
)
TEAM = "The owning team's slug; a token acting for a person may name only their teams."
OWNER = "The owner's username."


class WindowIn(InputSchema):
    date_from: IsoDate = Field(..., alias="from", description="First day, inclusive.")
    date_to: IsoDate = Field(..., alias="to", description="Last day, inclusive.")


class WindowOut(Schema):
    date_from: dt.date = Field(..., alias="from", description="First day, inclusive.")
    date_to: dt.date = Field(..., alias="to", description="Last day, inclusive.")


# Inputs


class ObjectiveChange(InputSchema):
    title: StrictStr | None = Field(None, max_length=200, description="What is to be reached.")
    metric: StrictStr | None = Field(None, description=METRIC, json_schema_extra=METRIC_NAMES)
    touchpoint: StrictStr | None = Field(None, description=TOUCHPOINT)
    stage: StrictStr | None = Field(None, description=STAGE, json_schema_extra=STAGE_NAMES)
    channel: StrictStr | None = Field(None, description=CHANNEL)
    segment: StrictStr | None = Field(None, description=SEGMENT, json_schema_extra=SEGMENT_NAMES)
    scope_team: StrictStr | None = Field(None, description=SCOPE_TEAM)
    theme: StrictStr | None = Field(None, description=THEME)
    dimension: DimensionName | None = Field(None, description="The quality dimension it serves.")
    want: WantName | None = Field(None, description="The customer want it serves.")
    target: StrictFloat | StrictInt | None = Field(
        None,
        allow_inf_nan=False,
        description="The value to reach, in the metric's unit (a share is 0–1).",
    )
    direction: DirectionName | None = Field(None, description="Which way is better.")
    due_on: IsoDate | None = Field(None, description="When the target is to be reached.")
    baseline: WindowIn | None = Field(None, description="The period the start is measured in.")
    team: StrictStr | None = Field(None, description=TEAM)
    owner: StrictStr | None = Field(None, description=OWNER)
    review_cadence: CadenceName | None = Field(None, description="How often it is reviewed.")


class ObjectiveIn(ObjectiveChange):
    title: StrictStr = Field(..., max_length=200, description="What is to be reached.")
    metric: StrictStr = Field(..., description=METRIC, json_schema_extra=METRIC_NAMES)
    target: StrictFloat | StrictInt = Field(
        ...,
        allow_inf_nan=False,
        description="The value to reach, in the metric's unit (a share is 0–1).",
    )
    direction: DirectionName = Field(..., description="Which way is better.")
    due_on: IsoDate = Field(..., description="When the target is to be reached.")
    baseline: WindowIn = Field(..., description="The period the start is measured in.")
    team: StrictStr = Field(..., description=TEAM)
    owner: StrictStr = Field(..., description=OWNER)


class ActionChange(InputSchema):
    title: StrictStr | None = Field(None, max_length=200, description="What the action does.")
    kind: KindName | None = Field(None, description="Corrective, preventive or improvement.")
    objective: StrictInt | None = Field(None, description="The id of the objective it serves.")
    metric: StrictStr | None = Field(None, description=METRIC, json_schema_extra=METRIC_NAMES)
    touchpoint: StrictStr | None = Field(None, description=TOUCHPOINT)
    stage: StrictStr | None = Field(None, description=STAGE, json_schema_extra=STAGE_NAMES)
    channel: StrictStr | None = Field(None, description=CHANNEL)
    segment: StrictStr | None = Field(None, description=SEGMENT, json_schema_extra=SEGMENT_NAMES)
    scope_team: StrictStr | None = Field(None, description=SCOPE_TEAM)
    theme: StrictStr | None = Field(None, description=THEME)
    problem: StrictStr | None = Field(None, description="Plan: the problem, with its evidence.")
    whys: list[StrictStr] | None = Field(None, description="Plan: the five whys, in order.")
    cause_category: CauseName | None = Field(None, description="Plan: the Ishikawa category.")
    change: StrictStr | None = Field(None, description="Plan: the change that is to be made.")
    expected_effect: StrictFloat | StrictInt | None = Field(
        None,
        allow_inf_nan=False,
        description="The change expected in the metric's unit (−0.10 for a share ten points "
        "lower, +8 NPS points); for a duration, relative (−0.2: a fifth shorter).",
    )
    team: StrictStr | None = Field(None, description=TEAM)
    owner: StrictStr | None = Field(None, description=OWNER)
    due_on: IsoDate | None = Field(None, description="When the action is to be done.")
    effective_from: IsoDate | None = Field(None, description="Do: the day the change took effect.")
    before: WindowIn | None = Field(
        None, description="The check's before-period (default: the eight weeks before)."
    )
    after: WindowIn | None = Field(
        None, description="The check's after-period (default: the whole weeks since)."
    )


class ActionIn(ActionChange):
    title: StrictStr = Field(..., max_length=200, description="What the action does.")
    metric: StrictStr = Field(..., description=METRIC, json_schema_extra=METRIC_NAMES)
    team: StrictStr = Field(..., description=TEAM)
    owner: StrictStr = Field(..., description=OWNER)
    due_on: IsoDate = Field(..., description="When the action is to be done.")


class ActionEventIn(InputSchema):
    model_config = ConfigDict(json_schema_extra=ACTION_EVENT_KINDS)

    kind: EventKind = Field(..., description="What to do with the action.")
    reason: StrictStr | None = Field(
        None, description="For close: why it closes (needed unless the check found it effective)."
    )
    title: StrictStr | None = Field(None, max_length=200, description="For task: what to do.")
    owner: StrictStr | None = Field(None, description="For task: its owner's username.")
    due_on: IsoDate | None = Field(None, description="For task: when it is due.")
    task: StrictInt | None = Field(None, description="For task_done: the task's id.")
    cases: list[StrictStr] | None = Field(
        None, description="For link_cases: the references of the cases to link."
    )
    body: StrictStr | None = Field(
        None, description="For reply_all: the public reply each open linked case's customer reads."
    )
    resolution: StrictStr | None = Field(
        None, description="For resolve_all: the resolution summary each customer reads."
    )
    root_cause: StrictStr | None = Field(
        None, description="For resolve_all: a root cause slug, as in the cases API."
    )


class ListFilters(Schema):
    team: str | None = Field(None, description="A team's slug.")
    limit: int = Field(50, ge=1, le=200, description="At most this many items.")
    offset: int = Field(0, ge=0, le=2_000_000_000, description="Skip this many items.")

    _storable_text = field_validator("*", mode="before")(refuse_unstorable_text)


# Answers


class EstimateOut(Schema):
    value: float | None = Field(..., description="The metric's value; null without answers.")
    n: int = Field(..., description="How many answers it is read from.")
    ci_low: float | None = Field(..., description="The 95 % interval's lower end.")
    ci_high: float | None = Field(..., description="The 95 % interval's upper end.")


class DifferenceOut(Schema):
    value: float = Field(..., description="The scope's change less the rest's.")
    ci_low: float = Field(..., description="The 95 % interval's lower end.")
    ci_high: float = Field(..., description="The 95 % interval's upper end.")
    p_value: float = Field(..., description="Two-sided, against no difference.")
    scope_change: float = Field(..., description="After less before, in the action's scope.")
    rest_change: float = Field(..., description="After less before, in the rest.")


class ControlOut(Schema):
    before: EstimateOut | None = Field(..., description="The rest in the before-period.")
    after: EstimateOut | None = Field(..., description="The rest in the after-period.")


class CheckWindowsOut(Schema):
    before: WindowOut | None = Field(..., description="The before-period compared.")
    after: WindowOut | None = Field(
        ..., description="The after-period read: it ends when the planned sample is in."
    )


class CheckOut(Schema):
    verdict: str = Field(..., description="e.g. effective, not yet, not started.")
    final: bool = Field(..., description="Whether the planned sample is in: the verdict holds.")
    sentence: str = Field(..., description="The verdict in a sentence.")
    before: EstimateOut | None = Field(..., description="The scope in the before-period.")
    after: EstimateOut | None = Field(..., description="The scope in the after-period so far.")
    difference: DifferenceOut | None = Field(
        ..., description="The difference-in-differences against the rest of the organisation."
    )
    control: ControlOut = Field(..., description="The rest of the organisation, the control.")
    needed_n: int | None = Field(..., description="Responses needed after the change.")
    responses: int = Field(..., description="Responses in after the change.")
    expected_ready_on: dt.date | None = Field(
        ..., description="When, at the current rate, the needed responses will be in."
    )
    windows: CheckWindowsOut = Field(..., description="The periods compared.")


class TaskOut(Schema):
    id: int = Field(..., description="The task's id.")
    title: str = Field(..., description="What is to be done.")
    owner: str | None = Field(..., description="The owner's username.")
    due_on: dt.date | None = Field(..., description="When it is due.")
    done_at: dt.datetime | None = Field(..., description="When it was done; null while open.")


class TimelineOut(Schema):
    """An entry of an objective's or action's timeline; a webhook's `data.change` has this
    shape."""

    kind: str = Field(..., description="What happened, e.g. raised, phase, closed.")
    summary: str = Field(..., description="What happened, in a sentence.")
    actor: str = Field(..., description="Who did it.")
    created_at: dt.datetime = Field(..., description="When.")


class ScopeOut(Schema):
    metric: str = Field(..., description="The metric measured.")
    touchpoint: str | None = Field(..., description="The touch point's slug.")
    stage: str | None = Field(..., description="The lifecycle stage.")
    channel: str | None = Field(..., description="The channel.")
    segment: str | None = Field(..., description="The customer size.")
    scope_team: str | None = Field(..., description="The slug of the team measured.")
    theme: str | None = Field(..., description=THEME)
    team: str = Field(..., description="The owning team's slug.")
    owner: str = Field(..., description="The owner's username.")
    due_on: dt.date = Field(..., description="The due date.")
    created_at: dt.datetime = Field(..., description="When it was created.")
    updated_at: dt.datetime = Field(..., description="When it last changed.")


class ObjectiveOut(ScopeOut):
    """An objective; a webhook's `data.objective` has this shape."""

    id: int = Field(..., description="The objective's id.")
    title: str = Field(..., description="What is to be reached.")
    dimension: str | None = Field(..., description="The quality dimension it serves.")
    want: str | None = Field(..., description="The customer want it serves.")
    target: float = Field(..., description="The value to reach.")
    direction: DirectionName = Field(..., description="Which way is better.")
    baseline: WindowOut = Field(..., description="The baseline period.")
    review_cadence: CadenceName = Field(..., description="How often it is reviewed.")


class ProjectionOut(Schema):
    value: float | None = Field(..., description="The value projected for the due date.")
    low: float | None = Field(..., description="The prediction interval's lower end.")
    high: float | None = Field(..., description="The prediction interval's upper end.")


class ObjectiveStatusOut(Schema):
    status: str = Field(..., description="met, on track, at risk, off track, not enough data.")
    sentence: str = Field(..., description="The status in a sentence.")
    current: EstimateOut = Field(..., description="The last eight whole weeks.")
    baseline: EstimateOut = Field(..., description="The baseline period.")
    probability: float | None = Field(..., description="Of reaching the target by the due date.")
    prediction: ProjectionOut = Field(..., description="The weekly trend at the due date.")
    actions: list[int] = Field(..., description="The ids of the actions planned for it.")


class ObjectiveDetailOut(ObjectiveOut):
    status: ObjectiveStatusOut = Field(..., description="Computed from the metric when asked.")
    timeline: list[TimelineOut] = Field(..., description="Its changes, oldest first.")


class ObjectiveListOut(Schema):
    count: int = Field(..., description="How many objectives match, across all pages.")
    items: list[ObjectiveOut] = Field(..., description="This page of them.")


class ActionOut(ScopeOut):
    """An action; a webhook's `data.action` has this shape."""

    id: int = Field(..., description="The action's id.")
    title: str = Field(..., description="What the action does.")
    kind: KindName = Field(..., description="Corrective, preventive or improvement.")
    phase: str = Field(..., description="plan, do, check, act or closed.")
    source: str = Field(..., description="What it was raised from.")
    objective: int | None = Field(..., description="The id of the objective it serves.")
    follows: int | None = Field(..., description="The id of the action it follows up.")
    problem: str = Field(..., description="The problem.")
    whys: list[str] = Field(..., description="The five whys.")
    cause_category: str | None = Field(..., description="The Ishikawa category.")
    change: str = Field(..., description="The change made.")
    expected_effect: float | None = Field(..., description="The effect expected.")
    effective_from: dt.date | None = Field(..., description="When the change took effect.")
    before: WindowOut | None = Field(..., description="Its own before-period, if set.")
    after: WindowOut | None = Field(..., description="Its own after-period, if set.")
    verdict: str | None = Field(..., description="The verdict kept once the check concluded.")
    outcome: str | None = Field(..., description="standardised or closed_with_reason.")
    close_reason: str = Field(..., description="Why it closed without an effective verdict.")
    closed_at: dt.datetime | None = Field(..., description="When it closed.")


class ActionDetailOut(ActionOut):
    check: CheckOut = Field(..., description="Did the change move the metric? Computed now.")
    tasks: list[TaskOut] = Field(..., description="Do: what is to be done.")
    cases: list[str] = Field(..., description="The references of the cases linked.")
    timeline: list[TimelineOut] = Field(..., description="Its changes, oldest first.")


class ActionEventOut(ActionDetailOut):
    cases_reached: int | None = Field(
        ...,
        description=(
            "For reply_all: how many open linked cases the reply went to now (0 when each "
            "had it already); for resolve_all: how many were resolved. Null for other kinds."
        ),
    )


class ActionListOut(Schema):
    count: int = Field(..., description="How many actions match, across all pages.")
    items: list[ActionOut] = Field(..., description="This page of them.")
