"""The delivery task: notifications go out as soon as the change that caused them commits.

The worker's periodic delivery is the safety net; this task is what makes an email
leave seconds after a reply rather than at the next turn of the loop. It runs on
whichever Tasks backend is configured: the database by default, Redis for several
machines (VOCLOOP_TASKS_URL).
"""

from __future__ import annotations

import logging

from django_tasks import task

from vocloop.lib.commit import on_commit_once
from vocloop.notifications.delivery import deliver_all_due

logger = logging.getLogger(__name__)


@task()
def deliver_notifications() -> int:
    return deliver_all_due()


def _queue_delivery() -> None:
    try:
        deliver_notifications.enqueue()
    except Exception:  # the outbox row is committed; the worker's poll sends it
        logger.exception("Could not queue the delivery task; the worker's poll will send it")


def deliver_after_commit() -> None:
    """Queue one delivery task when the current transaction commits (once however many calls)."""
    on_commit_once(_queue_delivery)
