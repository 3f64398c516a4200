"""Who follows a case change, in order.

cases.services records every change as timeline entries and announces them
(cases.changes); this list says who hears of them. Each runs in the change's
transaction. A new part of the loop that must follow case changes adds itself here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from vocloop.cases.changes import CaseChangeConsumer
from vocloop.cases.models import CaseEvent
from vocloop.metrics.rollups import rollup_case_events
from vocloop.notifications.events import notify_case_event
from vocloop.notifications.memo import batch as notifications_batch


@dataclass(frozen=True)
class Rollups:
    """The per-day case figures, before anything reads them."""

    name: str = "rollups"

    def case_events_recorded(self, events: Sequence[CaseEvent]) -> None:
        rollup_case_events(events)


@dataclass(frozen=True)
class Notifications:
    """Emails, webhooks and customer updates: queued in the outbox with the change, so
    they are sent if and only if it commits."""

    name: str = "notifications"

    def case_events_recorded(self, events: Sequence[CaseEvent]) -> None:
        with notifications_batch():
            for event in events:
                notify_case_event(event)


CASE_CHANGE_CONSUMERS: tuple[CaseChangeConsumer, ...] = (Rollups(), Notifications())
