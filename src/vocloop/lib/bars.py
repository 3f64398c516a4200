"""Progress bars on stderr for the commands whose services report how far they have got."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tqdm import tqdm

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


@contextmanager
def _bar(stage: str, total: int | None) -> Iterator[Advance]:
    with tqdm(total=total, file=sys.stderr, **BARS[stage]) as bar:

        def advance(n: int) -> None:
            bar.update(n)

        yield advance


def progress_bars(shown: bool = True) -> Progress | None:
    """A bar for each stage on stderr, or None when the command was asked for none."""
    return _bar if shown else None
