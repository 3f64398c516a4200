"""Reads of touch points that belong to no one page."""

from __future__ import annotations

from django.db.models import QuerySet

from vocloop.listening.models import Touchpoint


def touchpoints_listed() -> QuerySet[Touchpoint]:
    """Every touch point by name, active or not, with its owning team."""
    return Touchpoint.objects.select_related("owning_team").order_by("name")


def touchpoint_by_slug(slug: str) -> Touchpoint | None:
    """The touch point, with its owning team (where feedback there is routed)."""
    return Touchpoint.objects.select_related("owning_team").filter(slug=slug).first()
