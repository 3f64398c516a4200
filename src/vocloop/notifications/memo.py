"""Lookups and writes shared by the notifications of one batch of timeline entries.

A sweep that escalates a thousand cases queues a thousand notifications; each
would read the same webhook subscriptions, compile the same email template and
insert its outbox row on its own. Inside `batch()` such lookups are made once and
deferred writes happen together when the batch ends — still inside the caller's
transaction. Outside a batch nothing is remembered or deferred, so a change in
the settings area is seen by the very next notification.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

T = TypeVar("T")
_memo: ContextVar[dict[Hashable, Any] | None] = ContextVar("notifications_memo", default=None)
_FLUSHES = "__flushes__"


@contextmanager
def batch() -> Iterator[None]:
    outermost = _memo.get() is None
    token = _memo.set({}) if outermost else None
    try:
        yield
        if outermost:
            for flush in _memo.get().get(_FLUSHES, []):  # type: ignore[union-attr]
                flush()
    finally:
        if token is not None:
            _memo.reset(token)


def deferred(key: Hashable, item: T, flush: Callable[[list[T]], object]) -> bool:
    """Keep the item for `flush` at the end of the batch; False outside a batch."""
    memo = _memo.get()
    if memo is None:
        return False
    if key not in memo:
        items: list[T] = []
        memo[key] = items
        memo.setdefault(_FLUSHES, []).append(lambda: flush(items))
    memo[key].append(item)
    return True


def remembered(key: Hashable, compute: Callable[[], T]) -> T:
    memo = _memo.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]
