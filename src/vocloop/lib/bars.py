"""Progress bars on stderr for the commands whose services report how far they have got.

The commands hand in the bar itself (tqdm), so that tqdm is imported by management
commands alone and a service never draws on a terminal.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from vocloop.lib.progress import Advance, Progress

# How each stage a service names is drawn: what it counts, and a label where one
# command shows several bars in turn.
BARS: dict[str, dict[str, Any]] = {
    "checking": {"desc": "Checking", "unit": " rows"},  # an import's rows, checked first
    "importing": {"desc": "Importing", "unit": " rows"},
    "reading": {"unit": " comments"},
    "rebuilding": {"unit": " rows", "smoothing": 0.1},  # the rollups
    "generating": {"unit": " responses", "smoothing": 0.1},  # the demo's feedback
}


def progress_bars(shown: bool, bar: Callable[..., Any]) -> Progress | None:
    """A bar on stderr for each stage, made by `bar` (tqdm); None when none is wanted."""
    if not shown:
        return None

    @contextmanager
    def drawn(stage: str, total: int | None) -> Iterator[Advance]:
        with bar(total=total, file=sys.stderr, **BARS[stage]) as shown_bar:

            def advance(n: int) -> None:
                shown_bar.update(n)

            yield advance

    return drawn
