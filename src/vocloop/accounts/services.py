"""API tokens: created by an administrator, shown once, stored only as a hash."""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from vocloop.accounts.models import ApiToken, hash_token
from vocloop.lib.busy import DatabaseBusy, refused_when_busy, waiting_briefly

# Recording every request's time would turn each API read into a write; a
# minute's precision is plenty to tell a live integration from a dead one.
LAST_USED_PRECISION = dt.timedelta(minutes=1)
HINT_LENGTH = 10


class ApiTokenRefused(Exception):
    """A token refused: unknown, revoked, or its name taken; the message says which."""


def api_token_create(
    *, name: str, created_by: Any = None, acts_for: Any = None
) -> tuple[ApiToken, str]:
    """A new token named for the integration that will use it, and its secret value.

    With `acts_for`, the token reaches only what that person may (accounts/scope.py).
    The secret is returned only here: what is stored is its hash, so nobody can
    read it back later.
    """
    name = name.strip()
    if not name:
        raise ApiTokenRefused("A token needs a name, e.g. the integration that will use it.")
    max_length = ApiToken._meta.get_field("name").max_length or 100
    if len(name) > max_length:
        raise ApiTokenRefused(f"A token's name may be at most {max_length} characters long.")
    secret = ApiToken.generate()
    try:
        with transaction.atomic():
            token = ApiToken.objects.create(
                name=name,
                token_hash=hash_token(secret),
                hint=secret[:HINT_LENGTH],
                created_by=created_by,
                acts_for=acts_for,
            )
    except IntegrityError as exc:
        raise ApiTokenRefused(f"There is already a token named “{name}”.") from exc
    return token, secret


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
    """The live token with this secret value, its use recorded; ApiTokenRefused otherwise."""
    token = (
        ApiToken.objects.select_related("acts_for")
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
    return token
