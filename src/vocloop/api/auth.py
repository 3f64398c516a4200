"""Bearer-token authentication, saying precisely what is wrong when it fails."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer

from vocloop.accounts.models import ApiToken
from vocloop.accounts.services import ApiTokenRefused, api_token_authenticate


class ApiTokenAuth(HttpBearer):
    def __call__(self, request: HttpRequest) -> Any:
        # ninja's HttpBearer answers a bare "Unauthorized" for every failure; an
        # integrator setting up a client deserves to know which part is wrong.
        header = request.headers.get(self.header, "").strip()
        if not header:
            raise AuthenticationError(
                message="The Authorization header is missing: send  Authorization: Bearer <token>."
            )
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise AuthenticationError(message="The Authorization header must read  Bearer <token>.")
        return self.authenticate(request, secret.strip())

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken:
        try:
            return api_token_authenticate(secret=token)
        except ApiTokenRefused as exc:
            raise AuthenticationError(message=str(exc)) from exc


def token_of(request: HttpRequest) -> ApiToken:
    """The token that authenticated this request (set by ApiTokenAuth)."""
    token = getattr(request, "auth", None)
    assert isinstance(token, ApiToken)
    return token
