"""Reads of teams and people that belong to no one page (who sees what is in scope.py)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, QuerySet

from vocloop.accounts.models import Team


def teams_listed() -> QuerySet[Team]:
    """Every team by name, with its parent and lead, and its number of members (member_count)."""
    return (
        Team.objects.select_related("parent", "lead")
        .annotate(member_count=Count("members"))
        .order_by("name")
    )


def team_by_slug(slug: str) -> Team | None:
    return Team.objects.filter(slug=slug).first()


def people_named(name: str) -> list[Any]:
    """The user whose username this is; failing that, those with this email (at most two,
    enough to tell one from several)."""
    users = get_user_model().objects
    user = users.filter(username=name).first()
    if user is not None:
        return [user]
    if "@" not in name:
        return []
    return list(users.filter(email__iexact=name).order_by("pk")[:2])
