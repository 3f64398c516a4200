"""“You said, we did”: the public page of what changed because of what customers said,
and what a customer's tracking page shows of the changes their case led to.

What is shown is only what improvement/published.py gives out: texts written for
customers, a day, and the verified result in plain words.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from vocloop.cases.models import Case
from vocloop.improvement.published import case_changes, published, published_actions

# The page lists the most recent changes; older ones have long been the standard.
LISTED = 100


@require_safe
def you_said_we_did(request: HttpRequest) -> HttpResponse:
    items = [published(action) for action in published_actions()[:LISTED]]
    return render(request, "public/you_said_we_did.html", {"items": items})


def tracking_context(case: Case | None) -> dict[str, Any]:
    """For the tracking page: the changes the case led to, and whether the public page
    has anything to show."""
    return {
        "changes": case_changes(case) if case is not None else [],
        "you_said_listed": published_actions().exists(),
    }
