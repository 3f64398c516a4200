"""With VOCLOOP_REQUIRE_TOTP, staff without a second factor are led to set one up before
anything else (twofactor.py)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django_otp.middleware import is_verified

from vocloop.accounts.twofactor import totp_device_of

# The pages a second factor guards; the API has tokens of its own, the public pages no login.
GUARDED = ("/staff/", "/admin/")


class SecondFactorRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.REQUIRE_TOTP and request.path.startswith(GUARDED):
            account = reverse("account")
            user = request.user
            if user.is_authenticated and request.path != account and not is_verified(user):
                if totp_device_of(user) is not None:
                    # Logged in without the code it has (before it was required): again, with it.
                    logout(request)
                    return redirect(f"{reverse('login')}?{urlencode({'next': request.path})}")
                return redirect(f"{account}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
