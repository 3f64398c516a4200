"""The demo's improvement programme: quality objectives in every status, actions in every phase.

Everything is written through the improvement services, as staff would have written it
over the demo's last months, each step at its own moment of the demo's clock (`_at`).
An objective's status is computed, never typed, so each objective's target is chosen
on the demo's own data: its natural target when that already gives the status the
programme shows (the level before the deterioration, a round figure), otherwise the
nearest target that does (targets.py); an objective whose status the data cannot show
at all (an "on track" needs a trend the demo's chance may not give) gives way to the
next of those it names `instead`. The one action on the planted deterioration
acts on the survey the generator recovers (organisation.RECOVERING_SURVEY), so its
check finds it effective; another changes nothing the data knows of.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from vocloop.accounts.models import Team
from vocloop.cases.models import Case
from vocloop.cases.timeline import Actor
from vocloop.demo import action_plans as planned_actions
from vocloop.demo.organisation import DETERIORATING, MANAGER, RECOVERY_DAYS
from vocloop.demo.targets import ObjectiveAim, target_fallback, target_for
from vocloop.improvement import services
from vocloop.improvement.models import Action, ActionCase, ImprovementEvent, Objective
from vocloop.improvement.services import ImprovementError
from vocloop.improvement.status import objective_status
from vocloop.lib.days import day_of
from vocloop.listening.models import Touchpoint
from vocloop.statistics.projection import (
    AT_RISK,
    MET,
    NOT_ENOUGH_DATA,
    OFF_TRACK,
    ON_TRACK,
)

OBJECTIVES: tuple[ObjectiveAim, ...] = (
    ObjectiveAim(
        key="quotes",
        title="Keep quotes satisfying: CSAT of Sales & quote",
        aim=MET,
        metric="csat",
        touchpoint="sales-quote",
        higher=True,
        due_days=120,
        team="sales-marketing",
        owner="marco.rossi",
        want="right_product",
    ),
    ObjectiveAim(
        key="support",
        title="Support desk CSAT up with the support improvement programme",
        aim=ON_TRACK,
        metric="csat",
        touchpoint="support-desk",
        higher=True,
        due_days=240,
        team="support-desk",
        owner="lead",
        dimension="service",
        want="caring_person",
        instead=(
            ObjectiveAim(
                key="support",
                title="Support desk effort down with the support improvement programme",
                aim=ON_TRACK,
                metric="ces",
                touchpoint="support-desk",
                higher=True,
                due_days=240,
                team="support-desk",
                owner="lead",
                dimension="service",
                want="effective_resolution",
            ),
            ObjectiveAim(
                key="support",
                title="NPS across the organisation up with the support improvement programme",
                aim=ON_TRACK,
                metric="nps",
                higher=True,
                due_days=240,
                team="customer-operations",
                owner="olivia.hart",
                want="caring_person",
            ),
            ObjectiveAim(
                key="support",
                title="Onboarding that takes less effort",
                aim=ON_TRACK,
                metric="ces",
                touchpoint="onboarding",
                higher=True,
                due_days=240,
                team="field-services",
                owner="sofia.costa",
                dimension="ease_of_use",
            ),
            ObjectiveAim(
                key="support",
                title="Cases resolved sooner across the organisation",
                aim=ON_TRACK,
                metric="time_to_resolve",
                higher=False,
                due_days=240,
                team="customer-operations",
                owner="olivia.hart",
                dimension="timeliness",
                want="effective_resolution",
            ),
        ),
    ),
    ObjectiveAim(
        key="invoices",
        title="Invoices customers understand: CSAT of Invoicing",
        aim=AT_RISK,
        metric="csat",
        touchpoint="invoicing",
        higher=True,
        due_days=120,
        team="billing",
        owner="hannah.berg",
        dimension="billing",
    ),
    ObjectiveAim(
        key="deliveries",
        title="Complaints about deliveries back to their level before the carrier change",
        aim=OFF_TRACK,
        metric="complaint_rate",
        touchpoint=DETERIORATING,
        higher=False,
        due_days=90,
        team="field-services",
        owner="jan.novak",
        dimension="timeliness",
        want="on_time",
        natural="baseline",
    ),
    ObjectiveAim(
        key="chat",
        title="CSAT of chat conversations at 85 % (the post-chat survey starts this quarter)",
        aim=NOT_ENOUGH_DATA,
        metric="csat",
        channel="chat",
        higher=True,
        due_days=180,
        team="support-desk",
        owner="lead",
        dimension="service",
        natural=0.85,
    ),
)


# What an owner decided at a monthly review, by the status the figures gave that day.
REVIEW_WORDS = {
    MET: ("keep", "Target met: keep the controls in place and watch the next weeks."),
    ON_TRACK: ("keep", "On course at this pace: keep to the plan."),
    AT_RISK: ("act", "Behind the pace needed: a further action is to be raised on the cause."),
    OFF_TRACK: ("act", "Off course: the cause is being analysed and an action raised on it."),
    NOT_ENOUGH_DATA: ("keep", "Too few answers to judge yet: review again in a month."),
}
# Left without its latest review, so the demo shows one overdue.
REVIEW_OVERDUE = "deliveries"
REVIEW_DAYS = 30


@dataclass
class Programme:
    objectives: dict[str, Objective] = field(default_factory=dict)
    actions: dict[str, Action] = field(default_factory=dict)


@contextmanager
def _at(moment: dt.datetime) -> Iterator[None]:
    """The services' clock set to a moment of the demo's past.

    The services read `timezone.now()`; the models' defaults captured the real clock
    when they were defined, so what they stamped (timeline entries, case links) is
    moved to the same moment afterwards.
    """
    events = ImprovementEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    links = ActionCase.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    wall_clock = timezone.now
    timezone.now = lambda: moment
    try:
        yield
    finally:
        timezone.now = wall_clock
    ImprovementEvent.objects.filter(pk__gt=events).update(created_at=moment)
    ActionCase.objects.filter(pk__gt=links).update(linked_at=moment)


class _Writer:
    """The programme's writes, each by its person at its moment."""

    def __init__(self, now: dt.datetime):
        self.now = now
        self.today = day_of(now)
        self.users = {u.username: u for u in User.objects.all()}
        self.teams = {t.slug: t for t in Team.objects.all()}
        self.touchpoints = {t.slug: t for t in Touchpoint.objects.all()}

    def moment(self, days_ago: float) -> dt.datetime:
        return self.now - dt.timedelta(days=days_ago)

    def actor(self, username: str) -> Actor:
        return Actor.staff(self.users[username])

    def objective(self, aim: ObjectiveAim) -> Objective:
        """The first of the objective and those to set instead that shows its status."""
        variants = (aim, *aim.instead)
        for variant in variants:
            fields = self.objective_fields(variant)
            target = target_for(Objective(target=0.0, **fields), variant, today=self.today)
            if target is not None:
                break
        else:  # none can: the objective itself, with its natural target
            variant, fields = aim, self.objective_fields(aim)
            target = target_fallback(Objective(target=0.0, **fields), aim, today=self.today)
        with _at(fields["created_at"]):
            # Set by the quality manager (improvement/authority.py), owned by its owner.
            objective = services.objective_create(
                actor=self.actor(MANAGER), target=target, **fields
            )
        self.reviews(objective, variant)
        return objective

    def reviews(self, objective: Objective, aim: ObjectiveAim) -> None:
        """Its owner's monthly reviews up to now, save the latest of one left overdue."""
        days = list(range(aim.set_days_ago - REVIEW_DAYS, 0, -REVIEW_DAYS))
        if aim.key == REVIEW_OVERDUE:
            days = days[:-1]
        for days_ago in days:
            moment = self.moment(days_ago)
            with _at(moment):
                status = objective_status(objective, today=day_of(moment)).status
                decision, note = REVIEW_WORDS[status]
                services.objective_review(
                    objective=objective,
                    actor=self.actor(aim.owner),
                    decision=decision,
                    note=note,
                    today=day_of(moment),
                )

    def objective_fields(self, aim: ObjectiveAim) -> dict[str, Any]:
        created = self.moment(aim.set_days_ago)
        return {
            "title": aim.title,
            "metric": aim.metric,
            "touchpoint": self.touchpoints[aim.touchpoint] if aim.touchpoint else None,
            "channel": aim.channel,
            "dimension": aim.dimension,
            "want": aim.want,
            "direction": "higher" if aim.higher else "lower",
            "due_on": self.today + dt.timedelta(days=aim.due_days),
            "baseline_from": self.today - dt.timedelta(days=aim.baseline_days[0]),
            "baseline_to": self.today - dt.timedelta(days=aim.baseline_days[1]),
            "team": self.teams[aim.team],
            "owner": self.users[aim.owner],
            "created_at": created,
            "updated_at": created,
        }

    def cases(self, touchpoint: str, *, days: tuple[int, int], count: int) -> list[Case]:
        """The first cases opened at a touch point in a span of the demo's last days."""
        return list(
            Case.objects.filter(
                touchpoint=self.touchpoints[touchpoint],
                opened_at__gte=self.moment(days[0]),
                opened_at__lt=self.moment(days[1]),
            ).order_by("opened_at", "pk")[:count]
        )

    def action(self, plan: planned_actions.ActionPlan, objectives: dict[str, Objective]) -> Action:
        """Raise the action, then take it as far through PDCA as its plan and the data allow."""
        owner = self.actor(plan.owner)
        raised = self.moment(plan.raised_days_ago)
        fields: dict[str, Any] = {
            **plan.fields,
            "touchpoint": self.touchpoints[plan.touchpoint],
            "team": self.teams[plan.team],
            "owner": self.users[plan.owner],
            "objective": objectives.get(plan.objective or ""),
            "due_on": self.today + dt.timedelta(days=plan.due_days),
            "created_at": raised,
            "updated_at": raised,
        }
        cases = self.cases(plan.touchpoint, days=plan.cases_days, count=plan.cases)
        with _at(raised):
            action = services.action_create(actor=owner, cases=cases, **fields)
        for task in plan.tasks:
            with _at(self.moment(task.added_days_ago)):
                added = services.action_task_add(
                    action=action,
                    actor=owner,
                    title=task.title,
                    owner=self.users[task.owner],
                    due_on=self.today + dt.timedelta(days=task.due_days),
                )
            if task.done_days_ago is not None:
                with _at(self.moment(task.done_days_ago)):
                    services.action_task_done(task=added, actor=self.actor(task.owner))
        for step in plan.steps:
            if not self.step(action, step, owner):
                break
        return action

    def step(self, action: Action, step: planned_actions.Step, owner: Actor) -> bool:
        """One step of the plan; False where the demo's data does not allow it (a check
        that has not concluded on a smaller demo), and the action stays where it is."""
        moment = self.moment(step.days_ago)
        with _at(moment):
            try:
                if step.changes:
                    services.action_update(action=action, actor=owner, **self.dated(step.changes))
                if step.advance:
                    services.action_advance(action=action, actor=owner, today=day_of(moment))
                if step.close is not None:
                    services.action_close(action=action, actor=owner, reason=step.close)
            except ImprovementError:
                action.refresh_from_db()
                return False
        return True

    def dated(self, changes: dict[str, Any]) -> dict[str, Any]:
        """Days given as "days ago" (negative: days ahead) become the demo's dates."""
        return {
            name: self.today - dt.timedelta(days=value) if name in planned_actions.DATES else value
            for name, value in changes.items()
        }


def programme_create(*, now: dt.datetime) -> Programme:
    """The demo's objectives and actions, as of the demo's `now` (after its rollups)."""
    writer = _Writer(now)
    programme = Programme()
    for aim in OBJECTIVES:
        programme.objectives[aim.key] = writer.objective(aim)
    for plan in planned_actions.plans(recovery_days=RECOVERY_DAYS):
        programme.actions[plan.key] = writer.action(plan, programme.objectives)
    return programme
