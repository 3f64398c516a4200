"""What happens when feedback arrives: the one place where a customer's words enter vocloop.

The public forms, the API and the survey pages call `feedback_receive`; the CSV
import and the demo arrive in bulk (conductor.imports, demo). In one transaction:
store the feedback (listening), open or join a case when the case rule says so
(listening.rules, cases), keep the unmasked original where it may be needed
(insights), queue the customer's receipt and the staff's notifications
(notifications), count it in the day's figures (metrics), and queue its comment for
reading once the transaction commits (conductor.reading, which applies the
sentiment part of the case rule).
"""

from __future__ import annotations

from django.db import transaction

from vocloop.cases.services import case_open_or_attach
from vocloop.conductor.reading import read_after_commit
from vocloop.customers.models import Customer
from vocloop.insights.originals import original_keep
from vocloop.listening.models import Feedback
from vocloop.listening.rules import needs_case, thresholds_for
from vocloop.listening.services import FeedbackInput, feedback_store
from vocloop.metrics.rollups import rollup_feedback_received
from vocloop.notifications.events import notify_feedback_received


@transaction.atomic
def feedback_receive(*, data: FeedbackInput, customer: Customer | None) -> Feedback:
    """Store a piece of feedback and, when its touch point's rule says so, open or join a case.

    Everything happens in one transaction: when this returns, the feedback and
    its case are committed together or not at all.
    """
    stored = feedback_store(data=data, customer=customer)
    feedback = stored.feedback
    opens = needs_case(
        thresholds_for(data.touchpoint),
        is_complaint=data.kind == Feedback.Kind.COMPLAINT,
        score_type=data.score_type,
        score=data.score,
    )
    if opens:
        case_open_or_attach(feedback=feedback, attach=data.customer_verified)
    original_keep(feedback=feedback, masked=stored.masked, original=stored.original)
    notify_feedback_received(feedback)
    rollup_feedback_received(feedback)
    if feedback.comment:
        read_after_commit(feedback.pk)
    return feedback
