"""What the staff digest tells the owners of objectives and actions.

To each recipient: the objectives they own that are at risk or off track, those due
for their review (improvement/reviews.py), the open actions they own that are overdue,
and those whose check has concluded and wait to be acted on. Read for all the digest's
recipients at once, so that its queries do not grow with the number of people; an
objective's status is computed once (its owner is one person).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.urls import reverse

from vocloop.improvement.models import Action, Objective
from vocloop.improvement.reviews import review_states
from vocloop.improvement.status import objective_status
from vocloop.statistics.projection import AT_RISK, OFF_TRACK


def _url(name: str, pk: int) -> str:
    return settings.BASE_URL + reverse(f"improvement:{name}", args=[pk])


@dataclass(frozen=True)
class ImprovementDigest:
    """The improvement part of the staff digest (notifications/digest.py, staff_digest)."""

    name: str = "improvement"

    def digest_context(self, users: Sequence[Any], *, today: dt.date) -> dict[int, dict[str, Any]]:
        found: dict[int, dict[str, list[dict[str, Any]]]] = defaultdict(
            lambda: {
                "objectives_at_risk": [],
                "objectives_to_review": [],
                "actions_overdue": [],
                "actions_checked": [],
            }
        )
        ids = [user.pk for user in users]
        owned = list(Objective.objects.filter(owner_id__in=ids).order_by("due_on", "pk"))
        reviews = review_states(owned, today=today)
        for objective in owned:
            review = reviews[objective.pk]
            if review.due:
                found[objective.owner_id]["objectives_to_review"].append(
                    {
                        "objective": objective,
                        "review": review,
                        "url": _url("objective", objective.pk),
                    }
                )
            if objective.due_on < today:
                continue
            status = objective_status(objective, today=today)
            if status.status in (AT_RISK, OFF_TRACK):
                found[objective.owner_id]["objectives_at_risk"].append(
                    {
                        "objective": objective,
                        "status": status.status,
                        "sentence": status.sentence,
                        "url": _url("objective", objective.pk),
                    }
                )
        waiting = (
            Action.objects.filter(owner_id__in=ids)
            .exclude(phase=Action.Phase.CLOSED)
            .filter(Q(due_on__lt=today) | ~Q(verdict=""))
            .order_by("due_on", "pk")
        )
        for action in waiting:
            row = {"action": action, "url": _url("action", action.pk)}
            if action.due_on < today:
                found[action.owner_id]["actions_overdue"].append(row)
            if action.verdict:
                found[action.owner_id]["actions_checked"].append(row)
        return {pk: {**rows, "improvement": True} for pk, rows in found.items()}


IMPROVEMENT_DIGEST = ImprovementDigest()
