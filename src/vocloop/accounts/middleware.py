"""When two-step login is required (twofactor.two_step_login_required: the server's
VOCLOOP_REQUIRE_TOTP or the quality manager's setting), staff without a second factor are led
to set one up before anything else."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib.auth import logout
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django_otp.middleware import is_verified

from vocloop.accounts.twofactor import totp_device_of, two_step_login_required
from vocloop.lib.busy import busy_page, database_busy

# The pages a second factor guards; the API has tokens of its own, the public pages no login.
GUARDED = ("/staff/", "/admin/")


class SecondFactorRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(GUARDED):
            try:
                detour = _second_factor_detour(request)
            except DatabaseError as error:
                # Asked before the view, whose busy database would be a 503: so is this.
                if not database_busy(error):
                    raise
                return busy_page(request, error)
            if detour is not None:
                return detour
        return self.get_response(request)


def _second_factor_detour(request: HttpRequest) -> HttpResponse | None:
    """Where a member who has not given a second factor must go first, if it is required.

    Asked in the order of cost: whoever gave a code this session is let through without
    reading the setting.
    """
    user = request.user
    if not user.is_authenticated or is_verified(user):
        return None
    account = reverse("account")
    if request.path == account or not two_step_login_required():
        return None
    if totp_device_of(user) is not None:
        # Logged in without the code it has (before it was required): again, with it.
        logout(request)
        return redirect(f"{reverse('login')}?{urlencode({'next': request.path})}")
    return redirect(f"{account}?{urlencode({'next': request.get_full_path()})}")
