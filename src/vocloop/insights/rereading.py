"""Reading every comment again once what reads them changed (the taxonomy, a learned
version, the vocabulary), queued by the change and run by the worker; and the queue's
priorities: an arriving comment is read before a re-reading of them all.
"""

from __future__ import annotations

import logging
from typing import Any

from django_tasks import task
from django_tasks.base import Task

from vocloop.insights.bulk import comments_read_bulk
from vocloop.insights.taxonomy import reading_state
from vocloop.lib.commit import on_commit_once

logger = logging.getLogger(__name__)

# A comment that has just arrived is read before any re-reading of them all: the
# sentiment case rule and the case page wait on it. (Only where the queue orders by
# priority, as the database queue does.)
ARRIVING = 10
AGAIN = -10


def at_priority(queued: Task[Any, Any], priority: int) -> Task[Any, Any]:
    return queued.using(priority=priority) if queued.get_backend().supports_priority else queued


@task()
def reread_comments(state: str = "") -> int:
    """Read every comment's themes and sentiment again, after the taxonomy or model changed.

    `state` is the taxonomy and model as they were when this was queued. If they have
    changed since, the change queued a re-reading of its own behind this one, and this
    one gives way: ten edits in a row cost one pass, not ten.
    """
    if state and state != reading_state():
        logger.info("Not reading the comments again yet: a later change has queued it.")
        return 0
    return comments_read_bulk(again=True).comments


def _queue_reread() -> None:
    try:
        at_priority(reread_comments, AGAIN).enqueue(reading_state())
    except Exception:
        logger.exception("Could not queue reading the comments again")


def reread_after_commit() -> None:
    """Queue one re-reading when the current transaction commits (once however many calls)."""
    on_commit_once(_queue_reread)
