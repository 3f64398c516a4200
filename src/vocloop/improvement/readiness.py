"""The owner is told when an action's check has concluded.

The worker looks at every action in Check once an hour: a check whose planned sample
is in gets its verdict kept (services.action_check_record) and its owner one email
with the verdict in words, through the outbox.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from vocloop.accounts.people import display_name
from vocloop.improvement.models import Action
from vocloop.improvement.services import action_check_record
from vocloop.lib.days import day_of
from vocloop.notifications.emails import email_enqueue


def action_checks_sweep(*, today: dt.date | None = None) -> int:
    """Keep the verdicts of the checks that concluded and tell their owners; how many."""
    today = today or day_of(timezone.now())
    told = 0
    waiting = Action.objects.filter(phase=Action.Phase.CHECK, ready_told_at__isnull=True)
    for action in waiting.select_related("owner"):
        action_check_record(action=action, today=today)
        if not action.verdict:
            continue
        with transaction.atomic():
            action.ready_told_at = timezone.now()
            action.save(update_fields=["ready_told_at"])
            email_enqueue(
                kind="staff_action_checked",
                to=action.owner.email,
                cause=f"action-{action.pk}-checked",
                context={
                    "recipient_name": display_name(action.owner),
                    "title": action.title,
                    "verdict": action.verdict,
                    "sentence": action.verdict_text,
                    "staff_url": settings.BASE_URL
                    + reverse("improvement:action", args=[action.pk]),
                },
            )
        told += 1
    return told
