"""Reading the export's JSON on the customer's page."""

from __future__ import annotations

import datetime as dt

from django import template

register = template.Library()


@register.filter
def moment(value: str | None) -> dt.datetime | None:
    """An export time ("2026-03-01T12:00:00.000Z") as a datetime, for the `date` filter."""
    if not value:
        return None
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
