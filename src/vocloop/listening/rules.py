"""The case rule: whether a piece of feedback opens a case.

Its one home. A touch point's rule (CaseRule, or the defaults) is read here only
(`thresholds_for`), and decided here only: by the answer's score or kind when the
feedback arrives (`needs_case`), and by its comment's sentiment once the comment has
been read (`needs_case_after_reading`). The conductor applies it at both moments.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from vocloop.listening.models import CaseRule, Touchpoint

# The sentiment part applies to feedback that has just arrived: reading history again
# (a new model, an import) opens nothing.
CASE_RULE_WITHIN = dt.timedelta(days=1)


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


def thresholds_for(touchpoint: Touchpoint) -> Thresholds:
    """The touch point's rule, or the defaults when it has none."""
    try:
        rule = touchpoint.case_rule
    except CaseRule.DoesNotExist:
        return DEFAULT_THRESHOLDS
    return Thresholds(
        nps_at_or_below=rule.nps_at_or_below,
        csat_at_or_below=rule.csat_at_or_below,
        ces_at_or_below=rule.ces_at_or_below,
        open_for_complaints=rule.open_for_complaints,
        sentiment_at_or_below=rule.sentiment_at_or_below,
    )


def needs_case_after_reading(
    thresholds: Thresholds,
    *,
    sentiment_score: float,
    scored: bool,
    has_case: bool,
    imported: bool,
    received_at: dt.datetime,
    now: dt.datetime,
) -> bool:
    """Whether a comment, once read, opens a case: unscored, strongly negative, just
    arrived (not history from a file, however recent), and not in a case already."""
    limit = thresholds.sentiment_at_or_below
    return not (
        limit is None
        or received_at < now - CASE_RULE_WITHIN
        or imported
        or has_case
        or scored
        or sentiment_score > limit
    )
