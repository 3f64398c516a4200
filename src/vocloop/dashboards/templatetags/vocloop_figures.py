"""How figures read: NPS in points, shares in per cent, CES and sentiment as means, durations
in hours, counts with their thousands separated."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template

from vocloop.lib import words
from vocloop.lib.moments import day_written
from vocloop.metrics.catalogue import LABELS, METRICS, format_value

register = template.Library()


@register.filter
def figure(value: float | None, metric: str) -> str:
    return format_value(value, metric)


@register.filter
def metric_label(name: str) -> str:
    """A metric as the pages call it: "Complaint rate", not complaint_rate."""
    return LABELS.get(name, name)


@register.filter
def number(value: Any) -> str:
    """A count as every staff page writes it: "1,515" (vocloop.lib.words.number)."""
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return words.number(value)
    return str(value)


@register.filter
def period_label(key: str, period: str = "week") -> str:
    """ "w/c 6 Oct 2026" for a week keyed by its Monday, "Oct 2026" for a month."""
    try:
        day = dt.date.fromisoformat(key)
    except ValueError:
        return key
    if period == "month":
        return day.strftime("%b %Y")
    if period == "week":
        return f"w/c {day_written(day)}"
    return day_written(day)


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key)


@register.filter
def difference(value: float | None, metric: str) -> str:
    """A change between two figures, with its sign: "+2.1 points", "−1.4 pp"."""
    if value is None:
        return "–"
    unit = METRICS[metric].unit if metric in METRICS else ""
    if unit == "share":
        text, suffix = f"{100 * value:+.1f}", " percentage points"
    elif metric == "nps":
        text, suffix = f"{value:+.1f}", " points"
    else:
        text, suffix = f"{value:+.2f}", ""
    return text.replace("-", "−") + suffix


@register.filter
def day(value: dt.date | None) -> str:
    """One way to write a day everywhere: 9 Nov 2026."""
    return "" if value is None else day_written(value)


@register.filter
def plain(signal: Any, period: str) -> str:
    """A signal in plain words: "8 weeks in a row below the average"."""
    return str(signal.plain(period))
