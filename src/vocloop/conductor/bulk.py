"""What follows feedback and cases written in bulk, past the services (the demo's
generator writes a million responses this way): the figures rebuilt from them, and
their comments read. Nothing is announced: such feedback is history."""

from __future__ import annotations

from vocloop.insights.bulk import BulkResult, comments_read_bulk
from vocloop.lib.progress import Progress
from vocloop.metrics.rollups import rollups_rebuild


def feedback_arrived_in_bulk(*, read: bool, progress: Progress | None = None) -> BulkResult | None:
    """Rebuild the rollups from the rows as they are, then read every unread comment."""
    rollups_rebuild(progress=progress)
    return comments_read_bulk(progress=progress) if read else None
