"""Whose rows an erasure reaches: the customer's feedback, their cases, and their addresses.

The same functions empty rows chosen otherwise: vocloop.retention hands them a reach of
the feedback, cases and timeline entries whose retention is over, with no customer and
no addresses.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from vocloop.cases.models import Case, CaseEvent
from vocloop.customers.models import Customer
from vocloop.listening.models import Feedback
from vocloop.notifications.models import UpdatesSubscription

# What stands where the customer's words were: never empty, so that feedback "with a
# comment" stays so in every figure, a rebuild of the rollups included.
ERASED_TEXT = "[erased]"


@dataclass(frozen=True)
class Reach:
    customer: Customer | None  # None: rows chosen by their age, not by whose they are
    feedback: QuerySet[Feedback]
    cases: QuerySet[Case]
    events: QuerySet[CaseEvent]
    # Every address the customer was written to at: their own, and those confirmed (or
    # asked for) to follow a piece of their feedback. Lower case.
    emails: frozenset[str]


def reach_of(customer: Customer) -> Reach:
    feedback = Feedback.objects.filter(customer=customer)
    cases = Case.objects.filter(
        Q(customer=customer) | Q(pk__in=feedback.exclude(case=None).values("case"))
    )
    emails = {customer.email} | set(
        UpdatesSubscription.objects.filter(feedback__in=feedback).values_list("email", flat=True)
    )
    return Reach(
        customer=customer,
        feedback=feedback,
        cases=cases,
        events=CaseEvent.objects.filter(case__in=cases),
        emails=frozenset(e.strip().lower() for e in emails if e.strip()),
    )
