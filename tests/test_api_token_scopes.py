"""API tokens may do what their scopes allow: every operation names the one it needs, in the
OpenAPI document and at run time, and a token without it is refused 403 naming it."""

from __future__ import annotations

import importlib
import re
from io import StringIO
from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.http import HttpRequest
from django.test import RequestFactory

from tests.api_client import EVERY_SCOPE, ApiClient, token_secret
from tests.openapi import openapi_document
from tests.staff_pages import logged_in
from vocloop.accounts.models import ApiScope, ApiToken
from vocloop.accounts.services import ApiTokenRefused, api_token_create
from vocloop.api.auth import ApiRouter, require_scope, requires_scope
from vocloop.api.errors import ApiError

PREFIX = "/api/v1"


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    """Every operation of the OpenAPI document: its path (from /api/v1 on), method, details."""
    document = openapi_document()
    return [
        (path.removeprefix(PREFIX), method, operation)
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    ]


def call(api: ApiClient, method: str, path: str) -> Any:
    """The operation called as a client would, with made-up path parameters and an empty
    body: the scope is checked before anything is read from the request."""
    filled = re.sub(r"\{[^}]+\}", "1", path)
    headers = api.headers
    if method == "get":
        return api.client.get(PREFIX + filled, headers=headers)
    send = getattr(api.client, method)
    return send(PREFIX + filled, data="{}", content_type="application/json", headers=headers)


def test_every_operation_is_refused_to_a_token_without_its_scope_and_names_it(org):
    found = operations()
    assert len(found) >= 17  # every operation, not none because the document moved
    for path, method, operation in found:
        scope = operation.get("x-required-scope")
        assert scope in ApiScope.values, f"{method.upper()} {path} names no scope"
        assert f"`{scope}`" in operation["description"]
        assert {"401", "403", "429"} <= set(operation["responses"])
        others = [s for s in EVERY_SCOPE if s != scope]
        without = ApiClient(token_secret(f"all but {scope}: {method} {path}", scopes=others))
        refused = call(without, method, path)
        assert refused.status_code == 403, (method, path, refused.content)
        assert f"lacks the scope {scope} " in refused.json()["detail"]
        assert f'error="insufficient_scope", scope="{scope}"' in refused["WWW-Authenticate"]
        only = ApiClient(token_secret(f"only {scope}: {method} {path}", scopes=[scope]))
        allowed = call(only, method, path)
        assert allowed.status_code != 403, (method, path, allowed.content)


def test_the_security_scheme_lists_every_scope(db):
    scheme = openapi_document()["components"]["securitySchemes"]["ApiTokenAuth"]
    for scope in ApiScope:
        assert f"`{scope.value}`: {scope.label}" in scheme["description"]


def test_the_refusal_says_which_scopes_the_token_has(org):
    api = ApiClient(token_secret("reader", scopes=["cases:read", "metrics:read"]))
    refused = api.post("/feedback", {"touchpoint": org.helpdesk.slug, "score": 9})
    assert refused.status_code == 403
    assert refused.json()["detail"] == (
        "The API token “reader” lacks the scope feedback:write (send feedback), which this "
        "operation needs; its scopes: cases:read, metrics:read."
    )


def test_a_token_without_the_scope_is_refused_before_its_body_is_read(org):
    api = ApiClient(token_secret("reader", scopes=["cases:read"]))
    assert api.post("/feedback", "not json").status_code == 403


def test_an_operation_routed_without_a_scope_is_refused_when_the_code_loads():
    router = ApiRouter()
    with pytest.raises(ImproperlyConfigured, match="auth=requires_scope"):

        @router.get("/customers/{id}/export")
        def export(request: HttpRequest, id: str) -> None: ...


def test_a_handler_checks_a_further_scope_with_require_scope(org):
    token, _ = api_token_create(name="exporter", scopes=["customers:read"])
    request = RequestFactory().get("/")
    request.auth = token  # type: ignore[attr-defined]  # as ApiTokenAuth sets it
    require_scope(request, ApiScope.CUSTOMERS_READ)
    with pytest.raises(ApiError) as refused:
        require_scope(request, ApiScope.CUSTOMERS_ERASE)
    assert refused.value.status == 403 and "customers:erase" in refused.value.detail
    assert requires_scope(ApiScope.CUSTOMERS_ERASE).scope == ApiScope.CUSTOMERS_ERASE


def test_scopes_are_checked_when_a_token_is_created(db):
    with pytest.raises(ApiTokenRefused, match="There is no scope “case:read”; the scopes are"):
        api_token_create(name="crm", scopes=["case:read"])
    with pytest.raises(ApiTokenRefused, match="needs at least one scope"):
        api_token_create(name="crm", scopes=[])
    token, _ = api_token_create(name="crm", scopes=["metrics:read", "cases:read", "cases:read"])
    assert token.scopes == ["cases:read", "metrics:read"]


def test_tokens_made_before_scopes_keep_every_scope_but_the_customers(db):
    migration = importlib.import_module(
        "vocloop.accounts.migrations.0005_api_token_scopes_expiry_team"
    )
    token, _ = api_token_create(name="old-crm", scopes=["cases:read"])
    ApiToken.objects.filter(pk=token.pk).update(scopes=[])  # as the column was added
    migration.earlier_tokens_keep_their_reach(apps, None)
    token.refresh_from_db()
    new_powers = {ApiScope.CUSTOMERS_READ, ApiScope.CUSTOMERS_ERASE}
    assert set(token.scopes) == set(ApiScope.values) - new_powers


# The command


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("apitoken", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_gives_the_scopes_asked_for(org):
    secret, said = run(
        "create", "--name", "crm", "--scope", "feedback:write", "--scope", "directory:read"
    )
    assert ApiToken.objects.get(name="crm").scopes == ["feedback:write", "directory:read"]
    assert "feedback:write, directory:read" in said
    api = ApiClient(secret.strip())
    assert api.get("/teams").status_code == 200
    assert api.get("/cases").status_code == 403


def test_the_command_refuses_an_unknown_scope_and_a_token_without_one(org):
    with pytest.raises(CommandError, match="There is no scope “cases:delete”; the scopes are"):
        run("create", "--name", "crm", "--scope", "cases:delete")
    with pytest.raises(CommandError, match="Say what the token may do with --scope"):
        run("create", "--name", "crm")
    assert not ApiToken.objects.exists()


# The settings area


def test_a_quality_manager_chooses_and_later_changes_a_tokens_scopes(org):
    client = logged_in(org.manager)
    form = {"name": "crm", "scopes": ["feedback:write", "cases:read"]}
    assert client.post("/admin/accounts/apitoken/add/", form).status_code == 302
    token = ApiToken.objects.get(name="crm")
    assert token.scopes == ["feedback:write", "cases:read"]
    listing = client.get("/admin/accounts/apitoken/").content.decode()
    assert "feedback:write, cases:read" in listing
    change = f"/admin/accounts/apitoken/{token.pk}/change/"
    assert client.post(change, {"name": "crm", "scopes": ["metrics:read"]}).status_code == 302
    token.refresh_from_db()
    assert token.scopes == ["metrics:read"]
    refused = client.post(change, {"name": "crm", "scopes": []})
    assert refused.status_code == 200 and "This field is required" in refused.content.decode()
