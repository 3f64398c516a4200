from typing import Any

from django.conf import settings
from django.http import HttpRequest

from vocloop.accounts import roles


def user_roles(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    context: dict[str, Any] = {"organisation_name": settings.ORGANISATION_NAME}
    if user is None or not user.is_authenticated:
        return context | {"is_quality_manager": False, "sees_all_cases": False}
    quality_manager = roles.is_quality_manager(user)
    return context | {
        "is_quality_manager": quality_manager,
        "sees_all_cases": quality_manager or roles.is_team_lead(user),
    }
