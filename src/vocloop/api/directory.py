"""Touch points and teams: the names an integration needs to send feedback and filter cases."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from vocloop.accounts.models import ApiScope
from vocloop.accounts.selectors import teams_listed
from vocloop.api.auth import ApiRouter, requires_scope
from vocloop.api.errors import ErrorOut
from vocloop.api.schemas import TeamOut, TouchpointOut
from vocloop.listening.selectors import touchpoints_listed

router = ApiRouter(tags=["directory"])


@router.get(
    "/touchpoints",
    response={200: list[TouchpointOut], 401: ErrorOut},
    operation_id="touchpoints_list",
    auth=requires_scope(ApiScope.DIRECTORY_READ),
    summary="List touch points",
)
def touchpoints_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "slug": t.slug,
            "name": t.name,
            "stage": t.stage,
            "owning_team": t.owning_team.slug,
            "active": t.active,
        }
        for t in touchpoints_listed()
    ]


@router.get(
    "/teams",
    response={200: list[TeamOut], 401: ErrorOut},
    operation_id="teams_list",
    auth=requires_scope(ApiScope.DIRECTORY_READ),
    summary="List teams",
)
def teams_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "slug": team.slug,
            "name": team.name,
            "parent": team.parent.slug if team.parent else None,
            "lead": team.lead.get_username() if team.lead else None,
            "member_count": team.member_count,  # type: ignore[attr-defined]  # annotated
        }
        for team in teams_listed()
    ]
