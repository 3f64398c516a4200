"""Times in the words staff use: how long ago, how long until a deadline."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils import timezone
from django.utils.timesince import timesince, timeuntil

register = template.Library()


@register.filter
def ago(moment: dt.datetime | None) -> str:
    if moment is None:
        return ""
    if timezone.now() - moment < dt.timedelta(minutes=1):
        return "just now"
    return f"{timesince(moment, depth=1)} ago"


@register.filter
def until(moment: dt.datetime | None) -> str:
    """ "in 3 hours" or "2 days ago": how far a deadline lies from now."""
    if moment is None:
        return ""
    now = timezone.now()
    if abs(moment - now) < dt.timedelta(minutes=1):
        return "now"
    if moment > now:
        return f"in {timeuntil(moment, now, depth=1)}"
    return f"{timesince(moment, now, depth=1)} ago"


@register.filter
def sla_due(case: Any) -> Any:
    from vocloop.cases.selectors import case_due

    return case_due(case)
