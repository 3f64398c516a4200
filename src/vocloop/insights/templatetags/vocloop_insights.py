"""How text figures read: shares in per cent, sentiment as a signed score."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def percent(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f} %"


@register.filter
def signed(value: float | None) -> str:
    return "–" if value is None else f"{value:+.2f}".replace("-", "−")
