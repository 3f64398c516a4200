"""Signed one-click unsubscribe links for survey emails."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "vocloop.notifications.unsubscribe"


def unsubscribe_token(email: str) -> str:
    return signing.dumps(email.strip().lower(), salt=SALT, compress=True)


def unsubscribe_email(token: str) -> str | None:
    """The address the token was made for; None when it is not one vocloop signed."""
    try:
        email = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    return email if isinstance(email, str) else None


def unsubscribe_url(email: str) -> str:
    return settings.BASE_URL + reverse("notifications:unsubscribe", args=[unsubscribe_token(email)])
