"""A Pareto analysis: categories by how often they occur, with their shares and intervals.

Each category's share is of the whole (every item counted, in any category), with
its Wilson interval, so that "process: 38 % (33–43 %)" says how sure the figure
is. The categories are sorted by count, largest first (ties by the order given),
and the cumulative share runs along them: the few causes behind most of the
items stand at the left.

Some categories are not causes but a gap in the record ("not recorded"): they are
placed last whatever their count, so that they neither push a real cause off the
top nor hide in the middle, and the cumulative share reaches 100 % only with them.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from vocloop.statistics.estimate import CONFIDENCE, MIN_RESPONSES, Estimate
from vocloop.statistics.metrics import proportion

__all__ = ["ParetoBar", "pareto"]


@dataclass(frozen=True, slots=True)
class ParetoBar:
    key: str
    count: int
    share: Estimate  # count of all items, with its Wilson interval and n = all items
    cumulative: float  # the shares of this bar and every bar before it


def pareto(
    counts: Mapping[str, int],
    *,
    last: Collection[str] = (),
    confidence: float = CONFIDENCE,
    min_n: int = MIN_RESPONSES,
) -> list[ParetoBar]:
    """The categories of `counts` in Pareto order; those in `last` at the end.

    Categories with a count of 0 are left out: a bar of nothing says nothing.
    """
    if any(count < 0 for count in counts.values()):
        raise ValueError("a count cannot be negative")
    total = sum(counts.values())
    present = [(key, count) for key, count in counts.items() if count > 0]
    ranked = sorted((item for item in present if item[0] not in last), key=lambda kv: -kv[1])
    ordered = ranked + [item for item in present if item[0] in last]
    bars = []
    running = 0
    for key, count in ordered:
        running += count
        bars.append(
            ParetoBar(
                key=key,
                count=count,
                share=proportion(count, total, confidence=confidence, min_n=min_n),
                cumulative=running / total,
            )
        )
    return bars
