"""Whether a piece of feedback opens a case: a pure function of the rule and the answer."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Thresholds:
    """Scores at or below a threshold open a case; None turns that scale off.

    Every scale is oriented so that low is poor: NPS 0–10, CSAT 1–5, and CES asked
    as "how easy was it" from 1 (very difficult) to 7 (very easy).
    """

    nps_at_or_below: int | None = 6
    csat_at_or_below: int | None = 2
    ces_at_or_below: int | None = 3
    open_for_complaints: bool = True
    # A comment without a score this negative (sentiment −1 … 1) opens a case once it
    # has been read; None leaves unscored comments to the people reading them.
    sentiment_at_or_below: float | None = None


DEFAULT_THRESHOLDS = Thresholds()


def needs_case(
    thresholds: Thresholds, *, is_complaint: bool, score_type: str | None, score: int | None
) -> bool:
    if is_complaint and thresholds.open_for_complaints:
        return True
    if score_type is None or score is None:
        return False
    limit = {
        "nps": thresholds.nps_at_or_below,
        "csat": thresholds.csat_at_or_below,
        "ces": thresholds.ces_at_or_below,
    }.get(score_type)
    return limit is not None and score <= limit
