"""Revealing what masking hid, to the people answerable for a case.

A customer who writes "call me on 0612345678" wants to be called, but the number is
masked before anyone reads it (text.masking). The original of the case's feedback
comments (insights.OriginalComment, kept from arrival, so a case opened later has it
too) and of the customer's messages (CaseEventOriginal) is kept while the case is
open (insights.services states the whole rule); the case's assignee (while in its
team), the team's lead and quality managers may reveal it on the case page. Each
reveal is an internal timeline entry naming who and when, never the text. Everyone
else, and every email, webhook and export, sees the masked text only (but for the
customer's own copy of their data, customers.export).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from vocloop.accounts import roles
from vocloop.cases.models import Case, CaseEvent, CaseEventOriginal
from vocloop.cases.services import CaseActionRefused
from vocloop.cases.timeline import Actor, record_event
from vocloop.insights.models import OriginalComment
from vocloop.lib.moments import utc_minute
from vocloop.listening.models import Feedback


def may_reveal(user: Any, case: Case) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if roles.is_quality_manager(user) or case.team.lead_id == user.pk:
        return True
    return case.assignee_id == user.pk and case.team_id in roles.team_ids_of(user)


@dataclass(frozen=True)
class KeptOriginals:
    """Which of the case's texts have an original to reveal: feedback and timeline entry ids."""

    feedback: frozenset[int]
    events: frozenset[int]


def case_originals_kept(case: Case) -> KeptOriginals:
    return KeptOriginals(
        feedback=frozenset(
            OriginalComment.objects.filter(feedback__case=case).values_list(
                "feedback_id", flat=True
            )
        ),
        events=frozenset(
            CaseEventOriginal.objects.filter(event__case=case).values_list("event_id", flat=True)
        ),
    )


# The timeline entries that hold what the customer wrote (CaseEventOriginal), by name.
WRITTEN: dict[str, str] = {
    CaseEvent.Kind.CUSTOMER_MESSAGE: "message",
    CaseEvent.Kind.SATISFACTION: "verdict",
}


@transaction.atomic
def case_original_reveal(
    *,
    case: Case,
    actor: Actor,
    feedback: Feedback | None = None,
    event: CaseEvent | None = None,
) -> str:
    """The unmasked text of one of the case's comments (feedback) or customer messages (event).

    The reveal is recorded on the case's internal timeline, without the text.
    """
    if actor.kind != CaseEvent.Actor.STAFF or not may_reveal(actor.user, case):
        raise PermissionDenied(
            "Only the case's assignee, its team's lead and quality managers may reveal what "
            "the customer wrote."
        )
    original: OriginalComment | CaseEventOriginal | None
    if feedback is not None:
        original = OriginalComment.objects.filter(feedback=feedback, feedback__case=case).first()
        what = f"the comment of {feedback.reference}"
        data: dict[str, Any] = {"feedback": feedback.reference}
    elif event is not None:
        original = CaseEventOriginal.objects.filter(event=event, event__case=case).first()
        what = f"the customer's {WRITTEN.get(event.kind, 'text')} of {utc_minute(event.created_at)}"
        data = {"event": event.pk}
    else:
        raise CaseActionRefused("Choose the comment or message to reveal.")
    if original is None:
        raise CaseActionRefused(
            f"Nothing is kept to reveal in {what}: nothing was masked in it, or its original "
            "has been deleted after the retention."
        )
    record_event(
        case,
        actor,
        CaseEvent.Kind.ORIGINAL_REVEALED,
        body=f"Revealed the unmasked text of {what}.",
        data=data,
    )
    return original.text
