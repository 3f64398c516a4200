"""A score with its scale, as SCORE_RANGES sets it: "0–10", "3 of 10"."""

from __future__ import annotations

from django import template

from vocloop.listening.models import SCORE_RANGES

register = template.Library()


@register.filter
def score_scale(score_type: str | None) -> str:
    """ "0–10": the scale a score of this type is given on ("" for no known type)."""
    if score_type not in SCORE_RANGES:
        return ""
    low, high = SCORE_RANGES[score_type]
    return f"{low}–{high}"


@register.filter
def out_of(score: int | None, score_type: str | None) -> str:
    """ "3 of 10": a score and the top of its scale (the score alone for no known type)."""
    if score is None:
        return ""
    if score_type not in SCORE_RANGES:
        return str(score)
    return f"{score} of {SCORE_RANGES[score_type][1]}"
