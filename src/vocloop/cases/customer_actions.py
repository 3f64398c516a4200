"""What the customer does to a case from their tracking page: write, and give a verdict.

The customer holds a tracking link, not a login: these actions need no actor
check, only the case's state. `case_customer_actions` tells the tracking page what
to offer, from the same rules the actions enforce.

What the customer writes here is masked (text.masking) before it is stored, like
a comment: staff pages, emails and webhooks all read the timeline, so none of them
sees a card number, phone number or email address the customer typed. The
customer's own tracking page shows the masked text too. What was masked is kept
apart (CaseEventOriginal) for the case's assignee and team lead to reveal
(originals.py): "call me on …" is written to be acted on.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from vocloop.cases import wording
from vocloop.cases.models import OPEN_STATUSES, Case, CaseEvent, CaseEventOriginal, Status
from vocloop.cases.services import (
    CaseActionRefused,
    bounded_text,
    case_open_or_attach,
    case_reopen,
    customer_answered,
    lock_case,
    require_status,
    touch_case,
)
from vocloop.cases.timeline import Actor, record_event
from vocloop.listening.models import Feedback
from vocloop.text.masking import mask

Kind = CaseEvent.Kind

# What the customer may do in each state of their case (no case yet: write).
CUSTOMER_ACTION_STATUSES: dict[str, tuple[str, ...]] = {
    "message": OPEN_STATUSES,
    "verdict": (Status.RESOLVED,),
}


@dataclass(frozen=True)
class CustomerText:
    masked: str
    original: str  # "" when masking changed nothing

    def keep_original(self, event: CaseEvent) -> None:
        if self.original:
            CaseEventOriginal.objects.create(event=event, text=self.original)


def _customer_text(value: str, *, what: str) -> CustomerText:
    """Free text a customer wrote, bounded, with its personal data masked."""
    # Bounded first: the limit the customer is told about is on what they typed.
    original = bounded_text(value, what=what)
    masked = mask(original)
    return CustomerText(masked.text, original if masked.changed else "")


def case_customer_actions(case: Case | None) -> frozenset[str]:
    if case is None:
        return frozenset({"message"})
    return frozenset(
        a for a, statuses in CUSTOMER_ACTION_STATUSES.items() if case.status in statuses
    )


@transaction.atomic
def case_customer_message(*, case: Case, body: str) -> CaseEvent:
    """A follow-up message from the customer; it answers a case that was waiting on them."""
    text = _customer_text(body, what="message")
    if not text.masked:
        raise CaseActionRefused("Please write a message.")
    case = lock_case(case)
    if case.status == Status.RESOLVED:
        raise CaseActionRefused(
            "This case is resolved. Tell us below whether you are satisfied with how we "
            "handled it; if not, your answer reopens it."
        )
    if case.status == Status.CLOSED:
        raise CaseActionRefused(
            "This case is closed. If something new has come up, please give feedback again."
        )
    actor = Actor.customer()
    event = record_event(
        case,
        actor,
        Kind.CUSTOMER_MESSAGE,
        public=True,
        body=text.masked,
        public_text=wording.CUSTOMER_MESSAGE,
    )
    text.keep_original(event)
    customer_answered(case)
    return event


@transaction.atomic
def case_customer_verdict(*, case: Case, satisfied: bool, reason: str = "") -> Case:
    """The customer's answer to "are you satisfied with how we handled this?".

    Yes closes the case with the customer's acceptance recorded; no reopens it
    with their reason.
    """
    text = _customer_text(reason, what="reason")
    reason = text.masked
    case = lock_case(case)
    require_status(case, CUSTOMER_ACTION_STATUSES["verdict"], "rated (it is not resolved)")
    actor = Actor.customer()
    if not satisfied and not reason:
        raise CaseActionRefused("Please tell us what is still wrong, so that we can put it right.")
    case.customer_satisfied = satisfied
    touch_case(case, "customer_satisfied")
    verdict = record_event(
        case,
        actor,
        Kind.SATISFACTION,
        public=True,
        body=reason,
        public_text=wording.verdict(satisfied=satisfied),
        data={"satisfied": satisfied},
    )
    text.keep_original(verdict)
    if satisfied:
        case.status = Status.CLOSED
        case.closed_at = timezone.now()
        touch_case(case, "status", "closed_at")
        record_event(case, Actor.system(), Kind.CLOSED, public=True, public_text=wording.CLOSED)
        return case
    return case_reopen(case=case, reason=reason, actor=actor)


@transaction.atomic
def feedback_follow_up(*, feedback: Feedback, body: str) -> Case:
    """A customer writes again about a piece of feedback.

    Feedback that opened no case (a good score, say) gets one now: a customer who
    writes back expects an answer.
    """
    # The message is masked in case_customer_message, the one place it is stored.
    if not body.strip():
        raise CaseActionRefused("Please write a message.")
    # Re-read under a lock: a double-submitted first follow-up must open one case, not two.
    feedback = (
        Feedback.objects.select_for_update(of=("self",)).select_related("case").get(pk=feedback.pk)
    )
    if feedback.case_id is None:
        # The customer holds this feedback's tracking link, but not necessarily any
        # other case of the customer it names.
        case_open_or_attach(feedback=feedback, attach=False)
        feedback.refresh_from_db(fields=["case"])
    assert feedback.case is not None
    case_customer_message(case=feedback.case, body=body)
    return feedback.case
