"""Every write of an objective or an action, each landing on its timeline with who and when.

Bad input raises ImprovementError with a sentence the form or the API shows as it is;
a write the action's current state refuses (it is closed, or not yet; its check has
concluded, or not yet) raises its subclass ImprovementConflict, which the API answers
with 409 rather than 422: the request may be well formed, the moment is not.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from vocloop.cases.models import Case
from vocloop.cases.timeline import Actor
from vocloop.improvement.announce import improvement_event_announce
from vocloop.improvement.authority import require_review, require_set, require_steer
from vocloop.improvement.check import action_check
from vocloop.improvement.errors import ImprovementConflict, ImprovementError
from vocloop.improvement.models import (
    Action,
    ActionCase,
    ActionTask,
    Direction,
    ImprovementEvent,
    Objective,
)
from vocloop.improvement.published import PUBLIC_FIELDS, public_words_refusal
from vocloop.improvement.reviews import REVIEWED, Decision
from vocloop.improvement.status import objective_status
from vocloop.improvement.told import action_customers_tell
from vocloop.lib.days import day_of
from vocloop.lib.words import counted
from vocloop.listening.models import LifecycleStage
from vocloop.metrics.catalogue import LABELS, METRICS
from vocloop.statistics.effect import EFFECTIVE

# A reason to close an action without an effective verdict says something.
MIN_REASON = 20
SCOPE_FIELDS = ("metric", "touchpoint", "stage", "channel", "segment", "scope_team")
OBJECTIVE_FIELDS = (
    *SCOPE_FIELDS,
    "title",
    "dimension",
    "want",
    "theme",
    "target",
    "direction",
    "due_on",
    "baseline_from",
    "baseline_to",
    "team",
    "owner",
    "review_cadence",
)
ACTION_FIELDS = (
    *SCOPE_FIELDS,
    "title",
    "kind",
    "objective",
    "theme",
    "problem",
    "whys",
    "cause_category",
    "change",
    "expected_effect",
    "team",
    "owner",
    "due_on",
    "effective_from",
    "before_from",
    "before_to",
    "after_from",
    "after_to",
    "public",
    "public_problem",
    "public_change",
)
NEXT_PHASE = {
    Action.Phase.PLAN: Action.Phase.DO,
    Action.Phase.DO: Action.Phase.CHECK,
    Action.Phase.CHECK: Action.Phase.ACT,
}


# How the timeline says where an action was raised.
RAISED_FROM: dict[str, str] = {
    Action.Source.HAND: "Raised by hand",
    Action.Source.CASES: "Raised from cases",
    Action.Source.THEME: "Raised from a theme",
    Action.Source.SIGNAL: "Raised from a control-chart signal",
    Action.Source.OBJECTIVE: "Raised for an objective at risk",
}


def _open(action: Action) -> None:
    if action.phase == Action.Phase.CLOSED:
        raise ImprovementConflict("The action is closed: raise a follow-up action for more.")


def may_follow_up(action: Action) -> bool:
    """A follow-up takes up the problem where a closed action left it; an open action is
    changed, not followed up."""
    return action.phase == Action.Phase.CLOSED


def improvement_event_record(
    actor: Actor,
    kind: str,
    summary: str,
    *,
    objective: Objective | None = None,
    action: Action | None = None,
    data: Mapping[str, Any] | None = None,
) -> ImprovementEvent:
    entry = ImprovementEvent.objects.create(
        objective=objective,
        action=action,
        kind=kind,
        summary=summary[:300],
        actor=actor.user,
        actor_label=actor.label,
        data=dict(data or {}),
        created_at=timezone.now(),
    )
    improvement_event_announce(entry)  # its webhooks, in the same transaction
    return entry


def _check_scope(values: Mapping[str, Any]) -> None:
    metric = values.get("metric")
    if metric not in METRICS:
        known = ", ".join(sorted(METRICS))
        raise ImprovementError(f"Unknown metric {metric!r}: choose one of {known}.")
    if METRICS[metric].by_theme and not values.get("theme_id"):
        raise ImprovementError(
            "A theme's share of comments is read for one theme: choose the theme."
        )
    stage = values.get("stage") or ""
    if stage and stage not in LifecycleStage.values:
        raise ImprovementError(f"Unknown lifecycle stage {stage!r}.")
    if values.get("channel") and METRICS[metric].source == "case":
        raise ImprovementError(
            f"{LABELS.get(metric, metric)} is a case metric: cases have no channel."
        )


def _in_order(first: dt.date | None, last: dt.date | None, what: str) -> None:
    if first is not None and last is not None and first > last:
        raise ImprovementError(f"The {what} ends before it starts ({first} is after {last}).")


def _check_objective(o: Objective) -> None:
    _check_scope(o.__dict__)
    if o.direction not in Direction.values:
        raise ImprovementError("The direction is 'higher' or 'lower' (which way is better).")
    _in_order(o.baseline_from, o.baseline_to, "baseline period")
    if o.due_on <= o.baseline_to:
        raise ImprovementError("The due date must come after the baseline period.")
    if METRICS[o.metric].unit == "share" and not 0 <= o.target <= 1:
        raise ImprovementError("A share's target is between 0 and 1 (0.05 for 5 %).")


def _check_action(a: Action) -> None:
    _check_scope(a.__dict__)
    _in_order(a.before_from, a.before_to, "before-period")
    _in_order(a.after_from, a.after_to, "after-period")
    if a.effective_from and a.before_to and a.before_to >= a.effective_from:
        raise ImprovementError("The before-period must end before the change took effect.")
    if a.effective_from and a.after_from and a.after_from < a.effective_from:
        raise ImprovementError("The after-period cannot start before the change took effect.")
    if not isinstance(a.whys, list) or not all(isinstance(w, str) for w in a.whys):
        raise ImprovementError("The five whys are a list of sentences.")
    if len(a.whys) > 5:
        raise ImprovementError("Five whys at most.")


def _changed(instance: Any, fields: Mapping[str, Any], allowed: Iterable[str]) -> list[str]:
    allowed = set(allowed)
    unknown = sorted(set(fields) - allowed)
    if unknown:
        raise ImprovementError(f"Cannot change {', '.join(unknown)}.")
    changed = []
    for name, value in fields.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed.append(name)
    return changed


def _changes_said(changed: list[str]) -> str:
    return "Changed " + ", ".join(name.replace("_", " ") for name in changed)


@transaction.atomic
def objective_create(*, actor: Actor, **fields: Any) -> Objective:
    objective = Objective(**fields)
    require_set(actor, objective.team_id)
    objective.created_at = objective.updated_at = timezone.now()
    _check_objective(objective)
    objective.save()
    improvement_event_record(
        actor, "created", f"Objective set: {objective.title}", objective=objective
    )
    return objective


@transaction.atomic
def objective_update(*, objective: Objective, actor: Actor, **fields: Any) -> Objective:
    require_set(actor, objective.team_id)
    changed = _changed(objective, fields, OBJECTIVE_FIELDS)
    if not changed:
        return objective
    require_set(actor, objective.team_id)  # and of the team it is given to
    _check_objective(objective)
    objective.updated_at = timezone.now()
    objective.save()
    improvement_event_record(
        actor, "changed", _changes_said(changed), objective=objective, data={"fields": changed}
    )
    return objective


# A review's decision says something, as a reason to close does.
MIN_DECISION_NOTE = 10


@transaction.atomic
def objective_review(
    *, objective: Objective, actor: Actor, decision: str, note: str, today: dt.date
) -> ImprovementEvent:
    """Record an objective's review: the decision, and the status its figures gave today."""
    require_review(actor, objective)
    if decision not in Decision.values:
        raise ImprovementError(
            f"Unknown decision {decision!r}: choose one of {', '.join(Decision.values)}."
        )
    note = note.strip()
    if len(note) < MIN_DECISION_NOTE:
        raise ImprovementError(
            f"Say what the review decided and why, in at least {MIN_DECISION_NOTE} characters."
        )
    status = objective_status(objective, today=today)
    said = Decision(decision).label
    return improvement_event_record(
        actor,
        REVIEWED,
        f"Reviewed ({status.status}): {said}. {note}",
        objective=objective,
        data={
            "decision": decision,
            "note": note,
            "status": status.status,
            "sentence": status.sentence,
        },
    )


@transaction.atomic
def action_create(*, actor: Actor, cases: Iterable[Case] = (), **fields: Any) -> Action:
    action = Action(**fields)
    _check_action(action)
    action.save()
    improvement_event_record(
        actor, "raised", RAISED_FROM.get(action.source, "Raised"), action=action
    )
    linked = list(cases)
    if linked:
        action_cases_link(action=action, cases=linked, actor=actor)
    return action


@transaction.atomic
def action_update(*, action: Action, actor: Actor, **fields: Any) -> Action:
    require_steer(actor, action)
    # A closed action's "you said, we did" may still be written: it is published once standardised.
    if action.phase == Action.Phase.CLOSED and not set(fields) <= PUBLIC_FIELDS:
        raise ImprovementConflict("The action is closed: raise a follow-up action instead.")
    changed = _changed(action, fields, ACTION_FIELDS)
    if not changed:
        return action
    if (set(changed) & PUBLIC_FIELDS) and (refusal := public_words_refusal(action)):
        raise ImprovementError(refusal)
    _check_action(action)  # first: what follows reads the metric changed
    measured = {*SCOPE_FIELDS, "expected_effect", "effective_from"}
    if METRICS[action.metric].by_theme:
        measured.add("theme")
    if action.verdict and set(changed) & measured:
        raise ImprovementConflict(
            "The check has concluded: what it measured can no longer change. Raise a "
            "follow-up action for a new change."
        )
    action.updated_at = timezone.now()
    action.save()
    improvement_event_record(
        actor, "changed", _changes_said(changed), action=action, data={"fields": changed}
    )
    return action


@transaction.atomic
def action_advance(*, action: Action, actor: Actor, today: dt.date | None = None) -> Action:
    """Plan → Do → Check → Act, each step only once what it needs is there (until then
    the action's state refuses it: a conflict, whatever the request)."""
    require_steer(actor, action)
    _open(action)
    following = NEXT_PHASE.get(Action.Phase(action.phase))
    if following is None:
        raise ImprovementConflict("From Act the action is closed: standardise it or give a reason.")
    missing = []
    if action.phase == Action.Phase.PLAN:
        for name in ("problem", "change", "expected_effect"):
            if getattr(action, name) in (None, ""):
                missing.append(name.replace("_", " "))
    elif action.phase == Action.Phase.DO and action.effective_from is None:
        missing.append("the date the change took effect")
    if missing:
        raise ImprovementConflict(f"Before {following.label}, give {', '.join(missing)}.")
    if action.phase == Action.Phase.CHECK:
        action_check_record(action=action, today=today)
        if not action.verdict:
            raise ImprovementConflict("The check has not concluded: its planned sample is not in.")
    action.phase = following
    action.updated_at = timezone.now()
    action.save()
    improvement_event_record(actor, "phase", f"Moved to {following.label}", action=action)
    return action


def action_check_record(*, action: Action, today: dt.date | None = None) -> Action:
    """Keep the verdict once the check has concluded, so that later answers cannot change it."""
    if action.verdict:
        return action
    check = action_check(action, today=today or day_of(timezone.now()))
    if not check.final:
        return action
    with transaction.atomic():
        action.verdict = check.verdict
        action.verdict_text = check.sentence
        action.verdict_on = check.after_window.last if check.after_window else None
        action.save(update_fields=["verdict", "verdict_text", "verdict_on"])
        improvement_event_record(
            Actor.system(), "verdict", f"Check concluded: {check.verdict}", action=action
        )
    return action


@transaction.atomic
def action_close(*, action: Action, actor: Actor, reason: str = "") -> Action:
    """Standardise (only with an effective verdict), or close for a written reason."""
    require_steer(actor, action)
    if action.phase == Action.Phase.CLOSED:
        raise ImprovementConflict("The action is closed already.")
    reason = reason.strip()
    if action.verdict == EFFECTIVE and not reason:
        if waiting := list(
            action.tasks.filter(done_at__isnull=True).values_list("title", flat=True)
        ):
            raise ImprovementConflict(
                f"{counted(len(waiting), 'task')} still open ({'; '.join(waiting)}): finish "
                f"{'it' if len(waiting) == 1 else 'them'} before the change becomes the "
                "standard way of working."
            )
        action.outcome = Action.Outcome.STANDARDISED
        summary = "Standardised: the check found the change effective"
    elif len(reason) >= MIN_REASON:
        action.outcome = Action.Outcome.CLOSED_WITH_REASON
        action.close_reason = reason
        summary = f"Closed without an effective verdict: {reason}"
    else:
        raise ImprovementError(
            "Only an action the check found effective closes without a reason: say in a "
            f"sentence or two (at least {MIN_REASON} characters) why it closes."
        )
    action.phase = Action.Phase.CLOSED
    action.closed_at = action.updated_at = timezone.now()
    action.save()
    improvement_event_record(actor, "closed", summary, action=action)
    action_customers_tell(action=action)
    return action


@transaction.atomic
def action_follow_up(*, action: Action, actor: Actor) -> Action:
    """A new action on the same problem, keeping the history of the one before."""
    require_steer(actor, action)
    if not may_follow_up(action):
        raise ImprovementConflict(
            "The action is still open: change its plan, or close it before raising a follow-up."
        )
    follow = Action.objects.create(
        title=f"Follow-up: {action.title}"[:200],
        kind=action.kind,
        source=action.source,
        evidence=action.evidence,
        objective=action.objective,
        theme=action.theme,
        follows=action,
        problem=action.problem,
        whys=list(action.whys),
        cause_category=action.cause_category,
        metric=action.metric,
        touchpoint=action.touchpoint,
        stage=action.stage,
        channel=action.channel,
        segment=action.segment,
        scope_team=action.scope_team,
        expected_effect=action.expected_effect,
        team=action.team,
        owner=action.owner,
        due_on=max(action.due_on, day_of(timezone.now())),
    )
    improvement_event_record(
        actor, "raised", f"Raised as a follow-up of “{action.title}”", action=follow
    )
    improvement_event_record(actor, "follow_up", f"Follow-up raised: {follow.title}", action=action)
    follow.cases.set(action.cases.all(), through_defaults={"linked_by": actor.user})
    return follow


@transaction.atomic
def action_task_add(
    *, action: Action, actor: Actor, title: str, owner: Any = None, due_on: dt.date | None = None
) -> ActionTask:
    _open(action)
    if not title.strip():
        raise ImprovementError("A task says what is to be done.")
    task = ActionTask.objects.create(action=action, title=title.strip(), owner=owner, due_on=due_on)
    improvement_event_record(actor, "task", f"Task added: {task.title}", action=action)
    return task


@transaction.atomic
def action_task_done(*, task: ActionTask, actor: Actor) -> ActionTask:
    if task.done_at is None:
        _open(task.action)
        task.done_at = timezone.now()
        task.save(update_fields=["done_at"])
        improvement_event_record(actor, "task_done", f"Task done: {task.title}", action=task.action)
    return task


@transaction.atomic
def action_cases_link(*, action: Action, cases: Iterable[Case], actor: Actor) -> int:
    """Link cases to the action (one problem, many cases); how many were new."""
    _open(action)
    already = set(action.case_links.values_list("case_id", flat=True))
    new = [c for c in cases if c.pk not in already]
    ActionCase.objects.bulk_create(
        [ActionCase(action=action, case=c, linked_by=actor.user) for c in new]
    )
    if new:
        # The references stay off the summary: whoever sees the action sees its timeline,
        # and may not see every team's cases.
        improvement_event_record(
            actor,
            "cases",
            f"{counted(len(new), 'case')} linked",
            action=action,
            data={"cases": [c.pk for c in new]},
        )
    return len(new)
