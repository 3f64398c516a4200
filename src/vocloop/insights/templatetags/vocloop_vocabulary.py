"""How the sentiment vocabulary reads: a valence on VADER's scale, or none."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def valence(value: float | None) -> str:
    return "none" if value is None else f"{value:+.1f}".replace("-", "−")
