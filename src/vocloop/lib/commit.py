"""Work to do once the current transaction has committed, queued at most once."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction


def on_commit_once(callback: Callable[[], None]) -> None:
    """Run `callback` when the current transaction commits, once however many calls ask."""
    connection = transaction.get_connection()
    if any(func is callback for _, func, _ in connection.run_on_commit):
        return
    transaction.on_commit(callback)
