"""The staff login's forms: the password, with the failed-login limits of throttle.py
(checked before the password, counted after it), and the second factor's code."""

from __future__ import annotations

from typing import Any

from django import forms
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


class CodeForm(forms.Form):
    """A code from the staff member's authenticator app."""

    code = forms.CharField(label="Code from your app", max_length=20)

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if not (code.isascii() and code.isdigit() and len(code) == 6):
            raise ValidationError("Type the 6 digits your authenticator app shows.")
        return code


def refused_answer(response: HttpResponse, form: Any) -> HttpResponse:
    """The login page with its form, as a 429 when the limits refused the attempt."""
    refusal = getattr(form, "refusal", None)
    if refusal is not None:
        response.status_code = 429
        response["Retry-After"] = str(refusal.retry_after)
    return response
