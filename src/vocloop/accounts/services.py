"""API tokens: created by an administrator, shown once, stored only as a hash."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from vocloop.accounts.models import ApiScope, ApiToken, Team, hash_token
from vocloop.lib.busy import DatabaseBusy, refused_when_busy, waiting_briefly

# Recording every request's time would turn each API read into a write; a
# minute's precision is plenty to tell a live integration from a dead one.
LAST_USED_PRECISION = dt.timedelta(minutes=1)
HINT_LENGTH = 10


class ApiTokenRefused(Exception):
    """A token refused: unknown, revoked, expired, or its name taken; the message says which."""


def api_token_scopes_checked(scopes: Iterable[str]) -> list[str]:
    """The scopes asked for, each once in the order ApiScope lists them; ApiTokenRefused
    naming the one that is not a scope, or when there is none."""
    if isinstance(scopes, str):  # one scope, not its characters
        scopes = [scopes]
    asked = {s.strip() for s in scopes if s.strip()}
    known = ", ".join(ApiScope.values)
    if unknown := sorted(asked - set(ApiScope.values)):
        raise ApiTokenRefused(f"There is no scope “{unknown[0]}”; the scopes are {known}.")
    if not asked:
        raise ApiTokenRefused(f"A token needs at least one scope of {known}.")
    return [scope for scope in ApiScope.values if scope in asked]


def api_token_reach_checked(*, acts_for: Any, team: Team | None) -> None:
    """A token reaches what one person or one team may, or, tied to neither, everything."""
    if acts_for is not None and team is not None:
        raise ApiTokenRefused(
            f"A token acts for a person or is tied to a team, not both: choose "
            f"{acts_for.get_username()} or the team “{team.slug}”."
        )


def api_token_create(
    *,
    name: str,
    scopes: Iterable[str],
    created_by: Any = None,
    acts_for: Any = None,
    team: Team | None = None,
    expires_at: dt.datetime | None = None,
) -> tuple[ApiToken, str]:
    """A new token named for the integration that will use it, and its secret value.

    It may do what `scopes` allow (ApiScope), until `expires_at` when given. With
    `acts_for` it reaches only what that person may, with `team` only what that team's
    members may (accounts/scope.py). The secret is returned only here: what is stored
    is its hash, so nobody can read it back later.
    """
    name = name.strip()
    if not name:
        raise ApiTokenRefused("A token needs a name, e.g. the integration that will use it.")
    max_length = ApiToken._meta.get_field("name").max_length or 100
    if len(name) > max_length:
        raise ApiTokenRefused(f"A token's name may be at most {max_length} characters long.")
    allowed = api_token_scopes_checked(scopes)
    api_token_reach_checked(acts_for=acts_for, team=team)
    if expires_at is not None and expires_at <= timezone.now():
        raise ApiTokenRefused(f"The expiry {_moment(expires_at)} has passed already.")
    secret = ApiToken.generate()
    try:
        with transaction.atomic():
            token = ApiToken.objects.create(
                name=name,
                token_hash=hash_token(secret),
                hint=secret[:HINT_LENGTH],
                scopes=allowed,
                created_by=created_by,
                acts_for=acts_for,
                team=team,
                expires_at=expires_at,
            )
    except IntegrityError as exc:
        raise ApiTokenRefused(f"There is already a token named “{name}”.") from exc
    return token, secret


def _moment(when: dt.datetime) -> str:
    """A moment as an integrator reads it wherever they are: ISO 8601 in UTC."""
    return when.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def api_token_revoke(*, name: str) -> ApiToken:
    """Stop a token from working. Revoking a revoked token changes nothing."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().filter(name=name.strip()).first()
        if token is None:
            raise ApiTokenRefused(f"There is no token named “{name.strip()}”.")
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
    return token


def api_token_authenticate(*, secret: str) -> ApiToken:
    """The live token with this secret value; ApiTokenRefused otherwise. Its use is recorded
    by api_token_use_record once the request is let in."""
    token = (
        ApiToken.objects.select_related("acts_for", "team")
        .filter(token_hash=hash_token(secret.strip()))
        .first()
    )
    if token is None:
        raise ApiTokenRefused("The API token is not valid.")
    if token.revoked_at is not None:
        raise ApiTokenRefused(f"The API token “{token.name}” has been revoked.")
    if token.acts_for is not None and not token.acts_for.is_active:
        raise ApiTokenRefused(
            f"The API token “{token.name}” acts for {token.acts_for.get_username()}, "
            "whose account is deactivated."
        )
    if token.expires_at is not None and token.expires_at <= timezone.now():
        raise ApiTokenRefused(
            f"The API token “{token.name}” expired at {_moment(token.expires_at)}; "
            "ask an administrator for a new one."
        )
    return token


def api_token_use_record(*, token: ApiToken) -> None:
    """When the token was last used, to the minute: at most one write a minute."""
    now = timezone.now()
    if token.last_used_at is None or token.last_used_at < now - LAST_USED_PRECISION:
        # An UPDATE of one column, not save(): concurrent requests must not
        # overwrite a revocation made in between. A stamp the database is too busy
        # for (a large import holds SQLite's lock) is left for the next request: a
        # read must not fail, nor wait, for it.
        with contextlib.suppress(DatabaseBusy), refused_when_busy(), waiting_briefly():
            with transaction.atomic():
                ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
