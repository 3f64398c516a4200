"""The case backlog right now: open cases and those past their deadline.

Unlike the other figures this is a count of live cases, not a sample: it has no
interval, and it ignores the date range (a case opened a year ago and still open
is part of today's backlog).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from vocloop.cases.models import OPEN_STATUSES, Case, Status
from vocloop.dashboards.selectors import scoped
from vocloop.metrics.selectors import Scope


@dataclass(frozen=True)
class Backlog:
    open: int
    breached: int
    waiting: int


def case_backlog(scope: Scope, *, now: dt.datetime | None = None) -> Backlog:
    now = now or timezone.now()
    cases = scoped(Case.objects.filter(status__in=OPEN_STATUSES), scope)
    # Waiting on the customer pauses the clock: such a case is not in breach.
    running = ~Q(status=Status.WAITING_ON_CUSTOMER)
    breached = running & (
        Q(acknowledged_at__isnull=True, acknowledge_by__lt=now)
        | Q(acknowledged_at__isnull=False, resolve_by__lt=now)
    )
    counts = cases.aggregate(
        open=Count("pk"),
        breached=Count("pk", filter=breached),
        waiting=Count("pk", filter=Q(status=Status.WAITING_ON_CUSTOMER)),
    )
    return Backlog(open=counts["open"], breached=counts["breached"], waiting=counts["waiting"])
