"""How a long service says how far it has got, without knowing who is watching.

A service that takes a while (an import, a rebuild, reading every comment) takes
`progress: Progress | None` and runs each stage of its work in
`with stage(progress, "importing", total) as advance:`, calling `advance(n)` as n more
items are done. A management command passes `lib.bars.progress_bars(shown, tqdm)`,
bars on stderr; a test or the worker passes nothing, and nothing is drawn.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol

Advance = Callable[[int], None]  # n more items done


class Progress(Protocol):
    def __call__(self, stage: str, total: int | None) -> AbstractContextManager[Advance]:
        """A stage begins, of `total` items if known; it ends when the context closes."""
        ...


def _unwatched(n: int) -> None:
    pass


@contextmanager
def stage(progress: Progress | None, name: str, total: int | None = None) -> Iterator[Advance]:
    """One stage of a service's work, reported to `progress` if anyone is watching."""
    if progress is None:
        yield _unwatched
        return
    with progress(name, total) as advance:
        yield advance
