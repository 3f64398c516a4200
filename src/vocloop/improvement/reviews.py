"""When an objective is next reviewed, and what its reviews decided.

ISO 9001 6.2 asks that quality objectives be evaluated, and 9.3 that the evaluation
be recorded with what it decided. An objective is reviewed at its cadence: the first
review falls one period after it was set, each next one a period after the last. A
review records the status the figures gave on that day (so a later reader sees what
the reviewers saw, not what the figures say now) and the decision in words. After its
due date one last review closes the objective's reviews: it says whether the objective
was met. A review that concludes the objective (met, or given up with the reason in
its note) ends its reviews whenever it is recorded.

The last review of each objective is read from its timeline (a `reviewed` entry),
for many objectives in one query.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models
from django.db.models import Max

from vocloop.improvement.models import Cadence, ImprovementEvent, Objective
from vocloop.lib.days import day_of

REVIEWED = "reviewed"


class Decision(models.TextChoices):
    KEEP = "keep", "Keep to the plan"
    ACT = "act", "More action is needed"
    CHANGE = "change", "Change the objective"
    CONCLUDE = "conclude", "Conclude the objective"


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, or that month's last day when it has no such day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def one_period_after(day: dt.date, cadence: str) -> dt.date:
    if cadence == Cadence.WEEKLY:
        return day + dt.timedelta(days=7)
    return add_months(day, 3 if cadence == Cadence.QUARTERLY else 1)


@dataclass(frozen=True)
class ReviewState:
    """`next_on` is None once the review after the due date, or one concluding the
    objective, is recorded."""

    last_on: dt.date | None
    next_on: dt.date | None
    today: dt.date
    concluded: bool = False

    @property
    def overdue(self) -> bool:
        return self.next_on is not None and self.next_on < self.today

    @property
    def due(self) -> bool:
        return self.next_on is not None and self.next_on <= self.today


def review_state(
    objective: Objective,
    last_on: dt.date | None,
    *,
    today: dt.date,
    last_decision: str = "",
) -> ReviewState:
    if last_on is not None and last_decision == Decision.CONCLUDE:
        return ReviewState(last_on, None, today, concluded=True)
    if last_on is not None and last_on >= objective.due_on:
        return ReviewState(last_on, None, today)
    since = last_on or day_of(objective.created_at)
    # Never later than the due date: an objective is always reviewed once it is due.
    next_on = min(one_period_after(since, objective.review_cadence), objective.due_on)
    return ReviewState(last_on, next_on, today)


def last_reviews(objectives: Iterable[Objective]) -> dict[int, tuple[dt.date, str]]:
    """The day and decision of each objective's last review, for those reviewed at all."""
    ids = [o.pk for o in objectives]
    latest = (
        ImprovementEvent.objects.filter(objective_id__in=ids, kind=REVIEWED)
        .values("objective_id")
        .annotate(last=Max("id"))
        .values("last")
    )
    rows = ImprovementEvent.objects.filter(id__in=latest).values_list(
        "objective_id", "created_at", "data"
    )
    return {pk: (day_of(at), data.get("decision", "")) for pk, at, data in rows}


def review_states(objectives: Iterable[Objective], *, today: dt.date) -> dict[int, ReviewState]:
    listed = list(objectives)
    last = last_reviews(listed)
    states = {}
    for o in listed:
        on, decision = last.get(o.pk, (None, ""))
        states[o.pk] = review_state(o, on, today=today, last_decision=decision)
    return states


@dataclass(frozen=True)
class Review:
    entry: ImprovementEvent
    decision: str  # in words
    status: str  # what the figures said that day
    sentence: str
    note: str


def reviews_of(objective: Objective) -> list[Review]:
    """The objective's reviews, the latest first."""
    found = objective.events.filter(kind=REVIEWED).order_by("-created_at", "-id")
    return [
        Review(
            entry,
            Decision(entry.data["decision"]).label,
            entry.data["status"],
            entry.data["sentence"],
            entry.data["note"],
        )
        for entry in found
    ]
