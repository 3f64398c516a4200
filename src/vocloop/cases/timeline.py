"""A case's timeline: who acts on a case, and each change written as a timeline entry.

Every change of a case is recorded here, as one or more entries, after the case itself
is saved, and announced to whoever follows case changes (cases.changes) in the same
transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from vocloop.accounts.people import display_name
from vocloop.cases import wording
from vocloop.cases.changes import case_events_announce
from vocloop.cases.models import Case, CaseEvent


@dataclass(frozen=True)
class Actor:
    """Who makes a change: a staff user, the customer, an API client or vocloop itself."""

    kind: str
    user: Any = None
    label: str = ""

    @classmethod
    def staff(cls, user: Any) -> Actor:
        return cls(CaseEvent.Actor.STAFF, user, display_name(user))

    @classmethod
    def customer(cls) -> Actor:
        return cls(CaseEvent.Actor.CUSTOMER, None, "Customer")

    @classmethod
    def api(cls, client_name: str) -> Actor:
        return cls(CaseEvent.Actor.API, None, f"API: {client_name}")

    @classmethod
    def system(cls) -> Actor:
        return cls(CaseEvent.Actor.SYSTEM, None, "vocloop")


def build_event(
    case: Case,
    actor: Actor,
    kind: str,
    *,
    public: bool = False,
    body: str = "",
    public_text: str = "",
    data: dict[str, Any] | None = None,
    at: Any = None,
) -> CaseEvent:
    return CaseEvent(
        case=case,
        kind=kind,
        public=public,
        actor_kind=actor.kind,
        actor=actor.user,
        actor_label=actor.label,
        body=body,
        public_text=public_text,
        data=data or {},
        created_at=at or timezone.now(),
    )


def record_events(events: list[CaseEvent]) -> list[CaseEvent]:
    """Put timeline entries (see build_event) on their cases and announce them.

    Every case change is recorded here, after the case is saved; whoever follows case
    changes (figures, notifications: see cases.changes) hears of it in this transaction.
    """
    created = CaseEvent.objects.bulk_create(events)
    case_events_announce(created)
    return created


def record_event(case: Case, actor: Actor, kind: str, **entry: Any) -> CaseEvent:
    return record_events([build_event(case, actor, kind, **entry)])[0]


# --- What the customer reads of it --------------------------------------------------------


@dataclass(frozen=True)
class PublicEvent:
    at: dt.datetime
    title: str
    body: str
    from_customer: bool


def public_timeline(case: Case) -> list[PublicEvent]:
    """The case's public entries, oldest first, attributed to the team, never to a person."""
    events = (
        case.events.filter(public=True)
        .exclude(kind=CaseEvent.Kind.INTERNAL_NOTE)
        .order_by("created_at", "id")
    )
    return [
        PublicEvent(
            at=event.created_at,
            title=event.public_text or event.get_kind_display(),
            body=event.body if event.kind in wording.BODY_SHOWN_TO_CUSTOMER else "",
            from_customer=event.actor_kind == CaseEvent.Actor.CUSTOMER,
        )
        for event in events
    ]
