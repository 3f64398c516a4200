"""Customers' text where a page has room for its start only (vocloop.lib.excerpts)."""

from __future__ import annotations

from django import template

from vocloop.lib.excerpts import excerpt as _excerpt

register = template.Library()


@register.filter
def excerpt(text: str | None, limit: int) -> str:
    """ "I expect a refund…": cut between words, with an ellipsis when something is left out."""
    return "" if not text else _excerpt(str(text), int(limit))
