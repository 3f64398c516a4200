"""`vocloop apitoken`: the administrator's way to give an integration access to the API."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client

from vocloop.accounts.models import ApiToken, hash_token


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("apitoken", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def create(name: str, *options: str) -> str:
    """A token that may list teams (and what `options` add); its secret."""
    return run("create", "--name", name, "--scope", "directory:read", *options)[0].strip()


def teams_with(secret: str) -> int:
    return Client().get("/api/v1/teams", headers={"Authorization": f"Bearer {secret}"}).status_code


@pytest.mark.django_db
def test_create_prints_a_token_once_that_then_authenticates():
    out, err = run("create", "--name", "crm", "--scope", "directory:read")
    secret = out.strip()
    assert secret.startswith("vl_")
    assert "cannot be shown again" in err
    assert teams_with(secret) == 200


@pytest.mark.django_db
def test_only_the_hash_of_the_token_is_stored():
    secret = create("crm")
    token = ApiToken.objects.get(name="crm")
    assert token.token_hash == hash_token(secret)
    assert secret not in [str(v) for v in ApiToken.objects.values().get(pk=token.pk).values()]
    assert secret.startswith(token.hint)


@pytest.mark.django_db
def test_the_creating_administrator_is_recorded():
    admin = User.objects.create_user("root_admin", is_staff=True)
    create("crm", "--created-by", "root_admin")
    assert ApiToken.objects.get(name="crm").created_by == admin


@pytest.mark.django_db
def test_a_name_already_taken_is_refused():
    create("crm")
    with pytest.raises(CommandError, match="already a token named “crm”"):
        create("crm")


@pytest.mark.django_db
def test_revoke_stops_the_token_working():
    secret = create("crm")
    out, _ = run("revoke", "--name", "crm")
    assert "Revoked" in out
    assert ApiToken.objects.get(name="crm").revoked_at is not None
    assert teams_with(secret) == 401


@pytest.mark.django_db
def test_revoking_an_unknown_token_is_refused():
    with pytest.raises(CommandError, match="no token named “erp”"):
        run("revoke", "--name", "erp")


@pytest.mark.django_db
def test_list_shows_name_hint_and_use_but_never_the_token():
    secret = create("crm")
    create("shop")
    run("revoke", "--name", "shop")
    teams_with(secret)
    out, _ = run("list")
    lines = out.splitlines()
    assert lines[0].split() == [
        "NAME",
        "HINT",
        "SCOPES",
        "REACHES",
        "EXPIRES",
        "CREATED",
        "LAST",
        "USED",
        "REVOKED",
    ]
    crm, shop = lines[1], lines[2]
    assert crm.startswith("crm ") and ApiToken.objects.get(name="crm").hint in crm
    assert crm.rstrip().endswith("—")  # used, not revoked
    assert not shop.rstrip().endswith("—")
    assert secret not in out


@pytest.mark.django_db
def test_list_says_when_there_are_none():
    assert "No API tokens" in run("list")[0]
