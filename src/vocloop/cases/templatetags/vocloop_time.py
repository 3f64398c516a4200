"""Times in the words staff use: "3 h 20 min ago", "in 2 days", whichever the moment is.

One filter for every moment a staff page shows, past or future, so that a deadline
still ahead never reads as if it had passed. Emails carry dates alone: they are read
hours after they are written, when "in 3 h" would be wrong.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils import timezone

from vocloop.cases.selectors import case_due

register = template.Library()

_MINUTE = dt.timedelta(minutes=1)
_NBSP = "\u00a0"  # a number never wraps away from its unit


def _count(n: int, unit: str, plural: str | None = None) -> str:
    return f"{n}{_NBSP}{unit if n == 1 else plural or unit + 's'}"


def span(length: dt.timedelta) -> str:
    """A length of time to the precision a reader needs: minutes within the day."""
    minutes = int(length.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes}{_NBSP}min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}{_NBSP}h" + (f" {minutes}{_NBSP}min" if minutes else "")
    days, hours = divmod(hours, 24)
    if days < 2:
        return _count(days, "day") + (f" {hours}{_NBSP}h" if hours else "")
    if days < 14:
        return _count(days, "day")
    if days < 61:
        return _count(days // 7, "week")
    if days < 365:
        return _count(days * 12 // 365, "month")  # 364 days is 11 months, not 12
    return _count(days // 365, "year")


def relative(moment: dt.datetime, now: dt.datetime) -> str:
    if moment > now:
        ahead = moment - now
        return "in less than a minute" if ahead < _MINUTE else f"in {span(ahead)}"
    behind = now - moment
    return "just now" if behind < _MINUTE else f"{span(behind)} ago"


@register.filter
def from_now(moment: dt.datetime | None) -> str:
    """ "in 3 h 20 min" or "2 days ago": how far the moment lies from now."""
    if moment is None:
        return ""
    return relative(moment, timezone.now())


@register.filter
def sla_due(case: Any) -> Any:
    return case_due(case)
