"""The login forms of the staff pages and the settings area, with the failed-login limits
of throttle.py: checked before the password, counted after it."""

from __future__ import annotations

from typing import Any

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpResponse

from vocloop.accounts.throttle import (
    LoginRefusal,
    login_failure_record,
    login_refusal,
    login_success_record,
)
from vocloop.limits.clients import client_address


class ThrottledLoginForm(AuthenticationForm):
    refusal: LoginRefusal | None = None
    """Set when the limits refused the attempt: the view answers 429."""

    def clean(self) -> dict[str, Any]:
        client = client_address(self.request) if self.request is not None else "unknown"
        username = str(self.data.get("username", ""))
        self.refusal = login_refusal(client=client, username=username)
        if self.refusal is not None:
            raise ValidationError(self.refusal.message, code="throttled")
        try:
            cleaned = super().clean()
        except ValidationError:
            # A wrong password, or an unknown or inactive account; not a right password
            # refused for another reason (the settings area's "staff only").
            if username and self.data.get("password") and self.user_cache is None:
                login_failure_record(client=client, username=username)
            raise
        if self.user_cache is not None:
            login_success_record(client=client, username=username)
        return cleaned


class ThrottledAdminLoginForm(ThrottledLoginForm, AdminAuthenticationForm):
    pass


def refused_answer(response: HttpResponse, form: Any) -> HttpResponse:
    """The login page with its form, as a 429 when the limits refused the attempt."""
    refusal = getattr(form, "refusal", None)
    if refusal is not None:
        response.status_code = 429
        response["Retry-After"] = str(refusal.retry_after)
    return response
