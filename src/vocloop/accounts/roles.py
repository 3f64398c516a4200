"""Who may see and change what.

Front-line staff see their own teams' cases; team leads and quality managers see
every case. A quality manager is a superuser or a member of the group below.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

QUALITY_MANAGERS_GROUP = "Quality managers"

UserLike = AbstractBaseUser | AnonymousUser


def _remembered(user: Any, key: str, compute: Any) -> bool:
    # A request's user object is asked the same question many times a page (the
    # settings area asks per model and per button): answer from the database once.
    cache = user.__dict__.setdefault("_vocloop_roles", {})
    if key not in cache:
        cache[key] = bool(compute())
    return bool(cache[key])


def is_quality_manager(user: Any) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return _remembered(
        user,
        "quality_manager",
        lambda: user.is_superuser or user.groups.filter(name=QUALITY_MANAGERS_GROUP).exists(),
    )


def is_team_lead(user: Any) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return _remembered(user, "team_lead", lambda: user.led_teams.exists())


def sees_all_cases(user: Any) -> bool:
    return is_quality_manager(user) or is_team_lead(user)


def team_ids_of(user: Any) -> set[int]:
    """The teams a user works in: as a member or as its lead."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    return set(user.teams.values_list("id", flat=True)) | set(
        user.led_teams.values_list("id", flat=True)
    )


def may_coach(user: Any, team: Any) -> bool:
    """The per-person coaching view: only when the organisation turned it on
    (VOCLOOP_COACHING_VIEW), and then for the team's lead and quality managers."""
    if not settings.COACHING_VIEW or not getattr(user, "is_authenticated", False):
        return False
    return is_quality_manager(user) or (user.is_active and team.lead_id == user.pk)
