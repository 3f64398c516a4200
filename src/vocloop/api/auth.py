"""Bearer-token authentication, saying precisely what is wrong when it fails, and the scope
each operation needs.

Every operation declares its scope where it is routed, `auth=requires_scope(ApiScope.…)`
on an ApiRouter, which also writes it into the OpenAPI document (`x-required-scope` and
a line of the description). A request is then, in this order: authenticated (401 for a
missing, unknown, revoked or expired token), counted against the token's rate limit
(429, api/limits.py) and checked for the scope (403 naming the one missing). A handler
that needs a further scope for part of its work checks it with require_scope().
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from ninja import Router
from ninja.constants import NOT_SET
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer

from vocloop.accounts.models import ApiScope, ApiToken
from vocloop.accounts.services import (
    ApiTokenRefused,
    api_token_authenticate,
    api_token_use_record,
)
from vocloop.api.errors import ApiError, ErrorOut
from vocloop.api.limits import api_rate_check
from vocloop.lib.busy import busy_met

logger = logging.getLogger("vocloop.api")

SCHEME_DESCRIPTION = (
    "An API token, created by an administrator (`vocloop apitoken create`). Each token "
    "may do what its scopes allow; each operation names the one it needs "
    "(`x-required-scope`):\n\n"
    + "\n".join(f"- `{scope.value}`: {scope.label}" for scope in ApiScope)
)


class ApiTokenAuth(HttpBearer):
    """The token of the request, allowed the operation's scope.

    Without a scope it refuses every token: an operation that forgot to declare one is
    closed rather than open to every token (ApiRouter refuses to route one at all).
    """

    openapi_description = SCHEME_DESCRIPTION

    def __init__(self, scope: ApiScope | None = None) -> None:
        super().__init__()
        self.scope = scope

    def __call__(self, request: HttpRequest) -> Any:
        # ninja's HttpBearer answers a bare "Unauthorized" for every failure; an
        # integrator setting up a client deserves to know which part is wrong.
        header = request.headers.get(self.header, "").strip()
        if not header:
            raise AuthenticationError(
                message='The Authorization header is missing: send "Authorization: Bearer <token>".'
            )
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise AuthenticationError(
                message='The Authorization header must read "Bearer <token>".'
            )
        token = self.authenticate(request, secret.strip())
        if api_rate_check(token).database_busy:
            # A database too busy to count (SQLite's lock held by an import) is too busy to
            # stamp or to record the read: the request waited for it once already, and
            # goes on without.
            busy_met(request)
        else:
            api_token_use_record(token=token)
        if self.scope is None:
            logger.error("%s %s declares no scope: refused", request.method, request.path)
            raise ApiError(403, "This operation declares no scope, so no token may use it.")
        _refuse_without(token, self.scope)
        return token

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken:
        try:
            return api_token_authenticate(secret=token)
        except ApiTokenRefused as exc:
            raise AuthenticationError(message=str(exc)) from exc


def requires_scope(scope: ApiScope) -> ApiTokenAuth:
    """The `auth` of an operation that a token with `scope` may use:
    `@router.get("/…", auth=requires_scope(ApiScope.CASES_READ), …)`."""
    return ApiTokenAuth(scope)


def _refuse_without(token: ApiToken, scope: ApiScope) -> None:
    if token.allows(scope):
        return
    has = ", ".join(token.scopes) or "none"
    raise ApiError(
        403,
        f"The API token “{token.name}” lacks the scope {scope.value} ({scope.label.lower()}), "
        f"which this operation needs; its scopes: {has}.",
        headers={
            # RFC 6750, 3.1: what a client library reads to tell the user what to ask for.
            "WWW-Authenticate": f'Bearer realm="vocloop", error="insufficient_scope", '
            f'scope="{scope.value}"'
        },
    )


def require_scope(request: HttpRequest, scope: ApiScope) -> None:
    """Refuse (403, naming the scope) a request whose token lacks `scope`: for a handler
    that needs a further scope than its operation's for part of what it does."""
    _refuse_without(token_of(request), scope)


def token_of(request: HttpRequest) -> ApiToken:
    """The token that authenticated this request (set by ApiTokenAuth)."""
    token = getattr(request, "auth", None)
    assert isinstance(token, ApiToken)
    return token


# What every scoped operation may answer besides its own: no token, no scope, too many.
REFUSALS = {401: ErrorOut, 403: ErrorOut, 429: ErrorOut}


class ApiRouter(Router):
    """A router whose every operation declares its scope (auth=requires_scope(…)), and
    documents it: `x-required-scope`, a line of its description, its refusals."""

    def add_api_operation(
        self,
        path: str,
        methods: list[str],
        view_func: Any,
        *,
        auth: Any = NOT_SET,
        response: Any = NOT_SET,
        description: str | None = None,
        openapi_extra: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        scope = getattr(auth, "scope", None)
        if not isinstance(auth, ApiTokenAuth) or scope is None:
            raise ImproperlyConfigured(
                f"{view_func.__module__}.{view_func.__name__}: give the operation "
                "auth=requires_scope(ApiScope.…), the scope a token needs for it."
            )
        needs = f"Needs a token with the scope `{scope.value}` ({scope.label.lower()})."
        if isinstance(response, dict):
            response = {**response, **{s: o for s, o in REFUSALS.items() if s not in response}}
        super().add_api_operation(
            path,
            methods,
            view_func,
            auth=auth,
            response=response,
            description=f"{needs}\n\n{description}" if description else needs,
            openapi_extra={**(openapi_extra or {}), "x-required-scope": scope.value},
            **kwargs,
        )
