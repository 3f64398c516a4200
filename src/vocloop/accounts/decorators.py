"""Views kept for one role, refused to others with a sentence saying why."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from vocloop.accounts.roles import is_quality_manager

View = Callable[..., HttpResponse]


def quality_managers_only(refusal: str) -> Callable[[View], View]:
    """A staff view for quality managers; anyone else logged in gets a 403 saying `refusal`."""

    def decorate(view: View) -> View:
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not is_quality_manager(request.user):
                raise PermissionDenied(refusal)
            return view(request, *args, **kwargs)

        return login_required(guarded)

    return decorate
