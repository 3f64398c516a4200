"""Shares that have risen above their own history: which of several, beyond noise?

Each candidate (a theme, say) has x_r of n_r items in the recent periods and x_h of
n_h in the history before them, its history counted period by period. Its rise is
judged by a one-sided two-proportion z-test whose standard error is widened by the
history's overdispersion:

    p̂ = (x_r + x_h)/(n_r + n_h),  SE = √(p̂(1 − p̂)(1/n_r + 1/n_h))
    z = (x_r/n_r − x_h/n_h)/(SE·σ_z),  p = 1 − Φ(z)

σ_z is Laney's ratio for the history's per-period shares (see `control_charts`): the
spread of their z-scores from the moving range, never below 1, and 1 when fewer than
MIN_SUBGROUPS_FOR_LANEY periods have items or the candidate has none in the history.
Periods that vary more than binomial sampling explains make a rise less surprising.

A candidate rises when p < α/m over the m candidates tested (Bonferroni: a family-wise
error of α however many are tested), when its recent share is at least `min_ratio`
times its usual share (so that a huge sample does not flag a trifle) and when it has
at least `min_recent` items recently. Formulas and check values: docs/formulas.md.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from vocloop.statistics.control_charts import MIN_SUBGROUPS_FOR_LANEY, p_chart

__all__ = ["FAMILY_ALPHA", "Rise", "ShareCounts", "overdispersion", "rise_z", "rises"]

FAMILY_ALPHA = 0.05


@dataclass(frozen=True, slots=True)
class ShareCounts:
    """One candidate's items: in the recent periods, and in each history period."""

    recent: int
    history: tuple[int, ...]  # one count per history period, as the sizes are given


@dataclass(frozen=True, slots=True)
class Rise:
    index: int  # of the candidate, in the order given
    recent_share: float
    usual_share: float
    z: float
    p_value: float
    overdispersion: float  # σ_z, ≥ 1


def overdispersion(counts: Sequence[int], sizes: Sequence[int]) -> float:
    """Laney's σ_z of the per-period shares counts/sizes, at least 1 (periods of size 0
    left out); 1 when too few periods are left to judge or there is nothing to chart."""
    charted = [(x, n) for x, n in zip(counts, sizes, strict=True) if n > 0]
    if len(charted) < MIN_SUBGROUPS_FOR_LANEY or sum(x for x, _ in charted) == 0:
        return 1.0
    chart = p_chart([x for x, _ in charted], [n for _, n in charted], laney=False)
    return max(1.0, chart.sigma_z or 1.0)


def rise_z(
    recent: int, recent_n: int, history: int, history_n: int, *, spread: float = 1.0
) -> tuple[float, float] | None:
    """(z, one-sided p) of the recent share above the history's; None when the pooled
    share is 0 or 1 and there is no variation to judge against."""
    pooled = (recent + history) / (recent_n + history_n)
    se = math.sqrt(pooled * (1 - pooled) * (1 / recent_n + 1 / history_n))
    if se == 0:
        return None
    z = (recent / recent_n - history / history_n) / (se * spread)
    return z, 0.5 * math.erfc(z / math.sqrt(2))


def rises(
    candidates: Sequence[ShareCounts],
    recent_n: int,
    history_sizes: Sequence[int],
    *,
    alpha: float = FAMILY_ALPHA,
    min_ratio: float = 1.0,
    min_recent: int = 0,
) -> list[Rise]:
    """The candidates whose recent share rose significantly, the largest rise first.

    `recent_n` items in the recent periods, `history_sizes` per history period. Every
    candidate given counts as tested for the Bonferroni correction, flagged or not.
    """
    history_n = sum(history_sizes)
    if recent_n == 0 or history_n == 0:
        return []
    found = []
    for index, counts in enumerate(candidates):
        history = sum(counts.history)
        recent_share, usual_share = counts.recent / recent_n, history / history_n
        if counts.recent < min_recent or recent_share < min_ratio * usual_share:
            continue
        spread = overdispersion(counts.history, history_sizes)
        tested = rise_z(counts.recent, recent_n, history, history_n, spread=spread)
        if tested is None:
            continue
        z, p = tested
        if p < alpha / len(candidates):
            found.append(Rise(index, recent_share, usual_share, z, p, spread))
    return sorted(found, key=lambda r: r.recent_share / max(r.usual_share, 1e-9), reverse=True)
